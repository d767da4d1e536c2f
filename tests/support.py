"""Helpers for tests, importable as ``support`` from any test module (pytest pythonpath)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ../shared; the test is skipped when the fixtures are absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared fixture not present: {path}")
    return path


def api_routes(app: Any) -> list[APIRoute]:
    """Every APIRoute of ``app``; FastAPI >= 0.160 keeps included routers nested."""
    from fastapi.routing import iter_route_contexts

    return [rc.original_route for rc in iter_route_contexts(app.routes) if isinstance(rc.original_route, APIRoute)]
