"""Fixtures for tests against a real kefu server (see ``kefu_live``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# the helper module sits next to this file; make it importable under any --import-mode
sys.path.insert(0, str(Path(__file__).resolve().parent))

from kefu_live import Server, start_server


@pytest.fixture(scope="session")
def kefu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory)
