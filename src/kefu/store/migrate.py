"""Create and upgrade the schema with Alembic; check models against migrations (drift)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from kefu.domain.errors import ErrorCode, KefuError
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
    """Bring the database at ``url`` to ``revision``; creates a SQLite file if needed.

    A database that cannot be reached (no such PostgreSQL database, a server
    that refuses or does not answer, an unwritable SQLite folder) is a
    ``DB_UNAVAILABLE`` error naming the database (never its password) and the
    driver's reason on one line, not a traceback.
    """
    try:
        engine = make_engine(url)  # creates the parent folder of a SQLite file
    except OSError as exc:
        raise unavailable(url, str(exc)) from exc
    engine.dispose()
    try:
        command.upgrade(alembic_config(str(engine.url.render_as_string(hide_password=False))), revision)
    except OperationalError as exc:
        raise unavailable(engine.url.render_as_string(hide_password=True), str(exc.orig)) from exc


def unavailable(where: str, reason: str) -> KefuError:
    where = where.split("@")[-1]  # host/database only: never the user or password
    reason = " ".join(reason.split())  # the driver's message on one line
    return KefuError(ErrorCode.DB_UNAVAILABLE, f"无法连接数据库 {where}: {reason} (检查 KEFU_DATABASE_URL 与数据库服务)",
                     f"cannot reach the database {where}: {reason} (check KEFU_DATABASE_URL and the database server)",
                     {"database": where})


def drift(engine: Engine) -> list[object]:
    """Differences between the migrated database and the models; empty when in step."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, Base.metadata))
