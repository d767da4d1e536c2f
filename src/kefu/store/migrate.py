"""Create and upgrade the schema with Alembic; check models against migrations (drift)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from kefu.store import models  # noqa: F401  (registers every table)
from kefu.store.base import Base
from kefu.store.db import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision``; creates a SQLite file if needed."""
    engine = make_engine(url)  # creates the parent folder of a SQLite file
    engine.dispose()
    command.upgrade(alembic_config(str(engine.url.render_as_string(hide_password=False))), revision)


def drift(engine: Engine) -> list[object]:
    """Differences between the migrated database and the models; empty when in step."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))
