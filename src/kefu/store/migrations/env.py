"""Alembic environment: runs migrations on the URL given by kefu.store.migrate."""

from __future__ import annotations

from alembic import context

from kefu.store import models  # noqa: F401
from kefu.store.base import Base
from kefu.store.db import make_engine

config = context.config


def run() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
