"""``kefu serve``: the dashboard + API in one process, or the API alone under N workers.

Uvicorn's own proxy handling is off: by default it believes ``X-Forwarded-For``
from 127.0.0.1, so anything on the machine could pick its address for the login
rate limit. A reverse proxy is trusted only when ``KEFU_TRUSTED_PROXIES`` names
it (see :func:`kefu.api.app.create_app`).
"""

from __future__ import annotations

import typer
import uvicorn

from kefu.api.workers import can_share_port, serve_workers
from kefu.config import get_settings
from kefu.store.migrate import upgrade


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="bind address"),
        port: int = typer.Option(8000, help="port"),
        api_only: bool = typer.Option(False, "--api-only", help="serve only /api/v1 (stateless, many workers)"),
        workers: int = typer.Option(1, min=1, max=64, help="Uvicorn workers (with --api-only)"),
    ) -> None:
        """启动服务 / serve the dashboard and API (KEFU_DATABASE_URL chooses the database)."""
        settings = get_settings()
        _ = settings.secret_key  # no key in production: refuse here, before any worker starts
        upgrade(settings.database_url)
        if api_only and workers > 1 and can_share_port():
            if port == 0:
                typer.echo("several workers need a fixed port / 多个进程需要固定端口", err=True)
                raise typer.Exit(2)
            raise typer.Exit(serve_workers("kefu.api.asgi:api_app", host, port, workers, log_level="warning",
                                           access_log=False, proxy_headers=False))
        if api_only:
            uvicorn.run("kefu.api.asgi:api_app", factory=True, host=host, port=port, workers=workers,
                        log_level="warning", access_log=False, proxy_headers=False,
                        # a busy worker on a small machine answers Uvicorn's ping late; don't kill it for that
                        timeout_worker_healthcheck=30)
            return
        if workers != 1:
            typer.echo("the dashboard runs in one process; use --api-only for several workers", err=True)
            raise typer.Exit(2)
        from kefu.api.app import create_app, served

        docs = f"   API docs: http://{host}:{port}/docs" if settings.api_docs else ""
        typer.echo(f"kefu dashboard: http://{host}:{port}/{docs}")
        app = create_app(with_ui=True, background=settings.background_interval_s)
        uvicorn.run(served(app), host=host, port=port, log_level="warning", proxy_headers=False)
