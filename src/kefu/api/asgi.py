"""ASGI entry points for Uvicorn: ``kefu.api.asgi:api_app`` (API only, any number of workers)."""

from __future__ import annotations

from fastapi import FastAPI

from kefu.api.app import create_app


def api_app() -> FastAPI:
    """Factory used by ``uvicorn --factory``: each worker builds its own engine and pool."""
    return create_app()
