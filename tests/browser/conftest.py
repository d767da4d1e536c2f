"""Fixtures for tests against a real kefu server (see ``kefu_live``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# the helper module sits next to this file; make it importable under any --import-mode
sys.path.insert(0, str(Path(__file__).resolve().parent))

from kefu_live import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, Server, start_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser


@pytest.fixture(scope="session")
def kefu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium (the journeys skip themselves when it is absent).

    Assertions wait as long as actions do: a form's answer waits on the server's SQLite write,
    which shares the file with the background tick and takes seconds on a loaded CI machine."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
