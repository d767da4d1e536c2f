"""``kefu db upgrade`` and ``kefu token create``."""

from __future__ import annotations

import typer

from kefu.config import get_settings
from kefu.service import auth
from kefu.store.db import transaction
from kefu.store.migrate import upgrade


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="数据库 / database", no_args_is_help=True)
    token = typer.Typer(help="集成令牌 / integration tokens", no_args_is_help=True)

    @db.command("upgrade")
    def db_upgrade(revision: str = typer.Option("head", help="Alembic revision")) -> None:
        """创建或升级数据库 / create or migrate the database (KEFU_DATABASE_URL)."""
        url = get_settings().database_url
        upgrade(url, revision)
        typer.echo(f"database at {revision}: {url.split('@')[-1]}")

    @token.command("create")
    def token_create(name: str = typer.Option(..., "--name", help="who uses the token")) -> None:
        """创建 API 令牌并打印 / create an API token and print it once."""
        upgrade(get_settings().database_url)
        with transaction() as session:
            typer.echo(auth.create_token(session, name))

    app.add_typer(db, name="db")
    app.add_typer(token, name="token")
