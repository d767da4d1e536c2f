"""ASGI entry points for Uvicorn: ``kefu.api.asgi:api_app`` (API only, any number of workers)."""

from __future__ import annotations

import gc

from starlette.types import ASGIApp

from kefu.api.app import create_app, served


def api_app() -> ASGIApp:
    """Factory used by ``uvicorn --factory``: each worker builds its own engine and pool.

    The ~460 000 objects a worker holds after start-up (the CLI imports every
    engine) are frozen out of the garbage collector: a full collection over them
    stalls the worker for 100–175 ms on this 2-core machine, every request
    queued on that worker with it. Objects created while serving are collected
    as usual.
    """
    app = served(create_app())
    gc.collect()
    gc.freeze()
    return app
