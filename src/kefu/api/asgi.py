"""ASGI entry points for Uvicorn: ``kefu.api.asgi:api_app`` (API only, any number of workers)."""

from __future__ import annotations

from starlette.types import ASGIApp

from kefu.api.app import create_app, served


def api_app() -> ASGIApp:
    """Factory used by ``uvicorn --factory``: each worker builds its own engine and pool."""
    return served(create_app())
