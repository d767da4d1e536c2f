"""Fixtures for tests against a real kefu server (see ``kefu_live``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kefu_live import Server, start_server


@pytest.fixture(scope="session")
def kefu_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory)
