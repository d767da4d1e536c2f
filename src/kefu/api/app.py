"""The FastAPI application: API under /api/v1, optional NiceGUI dashboard on the same app."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from kefu import __version__
from kefu.api import routes
from kefu.api.boundary import ErrorBoundary
from kefu.api.csrf import SameOriginMiddleware
from kefu.api.docs import mount_docs
from kefu.api.errors import install_error_handlers
from kefu.api.headers import SecurityHeaders
from kefu.api.integration import LiveHotPath
from kefu.api.limits import BodyLimit
from kefu.api.retry import RetryReads
from kefu.config import get_settings, install_clock
from kefu.service.care import actions_bot as bot
from kefu.service.duty.actions_worker import Background
from kefu.store.db import get_engine


def api_router() -> APIRouter:
    """Every module in ``kefu.api.routes`` that defines ``router`` is mounted under /api/v1."""
    root = APIRouter(prefix="/api/v1")
    for info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routes.__name__}.{info.name}")
        router = getattr(module, "router", None)
        if isinstance(router, APIRouter):
            root.include_router(router)
    return root


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Startup work no request should pay for (the FAQ bot's index, seconds on a busy machine), and the
    background work of a served app (duty timers, outbox, live sweep) from startup to shutdown.

    Uvicorn (and any ASGI test client that runs the lifespan) accepts requests only after this.
    """
    await run_in_threadpool(bot.warm_bot)
    background: Background | None = app.state.background
    if background is not None:
        background.start()
    try:
        yield
    finally:
        if background is not None:
            await background.stop()


def create_app(engine: Engine | None = None, *, with_ui: bool = False, background: float | None = None) -> FastAPI:
    """The app; ``/docs`` and the OpenAPI document only when ``KEFU_API_DOCS`` allows (off in production).

    ``background``: run the duty timers, the outbox and the live sweep every that many seconds
    while the app lives (``kefu serve`` does; API-only workers leave it to ``kefu duty worker``).

    Behind a reverse proxy listed in ``KEFU_TRUSTED_PROXIES`` the client address
    comes from its ``X-Forwarded-For``; from anyone else that header is ignored
    (``kefu serve`` turns Uvicorn's own proxy handling off, which trusted 127.0.0.1).
    """
    settings = get_settings()
    install_clock(settings)
    app = FastAPI(
        lifespan=_lifespan,
        title="kefu API",
        version=__version__,
        description="kefu (客服): plan the team, run the day, credit the work.",
        openapi_url="/api/v1/openapi.json" if settings.api_docs else None,
        docs_url=None,  # served by kefu.api.docs from this host, not a CDN
        redoc_url=None,
    )
    app.state.engine = engine or get_engine()
    app.state.background = None if background is None else Background(app.state.engine, background)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="kefu_session",
        same_site="lax",
        https_only=settings.production,
    )
    app.add_middleware(RetryReads)  # a GET whose database connection died runs once more
    app.add_middleware(SameOriginMiddleware)  # CSRF: cookie-authenticated writes must be same-origin
    app.add_middleware(BodyLimit)  # outermost of ours: a body too large is refused before anything reads it
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=[str(n) for n in settings.trusted_proxies])
    install_error_handlers(app)
    app.include_router(api_router())
    if settings.api_docs:
        mount_docs(app)
    if with_ui:
        from kefu.ui.shell import mount_ui  # NiceGUI only when the dashboard is served

        mount_ui(app)
    return app


def served(app: FastAPI) -> ASGIApp:
    """What Uvicorn runs: security headers, the error boundary, on PostgreSQL the live hot path, the framework.

    The hot path is in front of the framework, not inside: as a FastAPI
    middleware every per-chat call still went through FastAPI's own entry,
    telemetry and error layers (~5 % of a worker's CPU per call). Everything it
    does not serve reaches the app unchanged (:mod:`kefu.api.integration`). The
    boundary (:mod:`kefu.api.boundary`) keeps a keep-alive connection usable
    after an unhandled error in either.
    """
    engine = app.state.engine
    inner: ASGIApp = LiveHotPath(app, engine) if engine.dialect.name == "postgresql" else app
    return SecurityHeaders(ErrorBoundary(inner))  # the boundary's 500 gets the headers too
