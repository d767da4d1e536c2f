"""``kefu db upgrade`` and ``kefu tokens create|list|revoke`` (``kefu token …`` still works)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from kefu.config import get_settings
from kefu.service.org import actions as org
from kefu.store.db import transaction
from kefu.store.migrate import upgrade


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="数据库 / database", no_args_is_help=True)
    tokens = typer.Typer(help="集成令牌 / integration tokens", no_args_is_help=True)

    @db.command("upgrade")
    def db_upgrade(revision: str = typer.Option("head", help="Alembic revision")) -> None:
        """创建或升级数据库 / create or migrate the database (KEFU_DATABASE_URL)."""
        url = get_settings().database_url
        upgrade(url, revision)
        typer.echo(f"database at {revision}: {url.split('@')[-1]}")

    @tokens.command("create")
    def token_create(name: str = typer.Option(..., "--name", help="who uses the token")) -> None:
        """创建 API 令牌并打印 / create an API token and print it once."""
        upgrade(get_settings().database_url)
        with transaction() as session:
            typer.echo(org.create_token(session, name))

    @tokens.command("list")
    def token_list() -> None:
        """列出令牌 (不显示密钥) / list tokens (never their secrets)."""
        upgrade(get_settings().database_url)
        with transaction() as session:
            rows = org.list_tokens(session)
        table = Table("name", "created (UTC)", "revoked (UTC)")
        for t in rows:
            table.add_row(t.name, f"{t.created_at:%Y-%m-%d %H:%M}",
                          f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else ("yes" if t.revoked else ""))
        Console().print(table)

    @tokens.command("revoke")
    def token_revoke(name: str = typer.Argument(..., help="the token's name")) -> None:
        """吊销令牌: 之后使用它的请求得到 401 / revoke a token: calls with it get 401 from now on."""
        upgrade(get_settings().database_url)
        with transaction() as session:
            org.revoke_token(session, name)
        typer.echo(f"令牌已吊销 / token revoked: {name}")

    app.add_typer(db, name="db")
    app.add_typer(tokens, name="tokens")
    app.add_typer(tokens, name="token", hidden=True)  # the name of the first releases
