"""Engine and session factory. SQLite by default, PostgreSQL via KEFU_DATABASE_URL."""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from kefu.config import get_settings, normalise_database_url


def make_engine(url: str) -> Engine:
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping round trip on every checkout: a look at the socket instead (closed_by_server),
    # and recycling so that connections idle past typical server/proxy timeouts are replaced.
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_recycle=1800)
    event.listen(engine, "checkout", _discard_if_closed_by_server)
    return engine


def closed_by_server(pg: Any) -> bool:
    """Whether the server has written to or closed this *idle* psycopg connection: a free pre-ping.

    An idle connection receives nothing unless the server ended it: a restart,
    a failover or ``pg_terminate_backend`` sends a FATAL message and closes the
    socket. Either makes the socket readable, which one ``select`` with no
    timeout sees without a round trip. (A connection cut without a word, by a
    network fault, still fails on use: reads are then retried once, see
    :func:`is_disconnect`.)
    """
    if pg.closed:
        return True
    readable, _, _ = select.select([pg.fileno()], [], [], 0)
    return bool(readable)


def _discard_if_closed_by_server(dbapi_conn, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
    if closed_by_server(dbapi_conn):
        raise DisconnectionError("closed by the server")  # the pool replaces it and checks out again


def is_disconnect(exc: BaseException) -> bool:
    """A statement failed because its connection died (the pool has already invalidated it)."""
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def get_engine(url: str | None = None) -> Engine:
    """The process's engine for ``url`` (default: the configured database), created once per URL.

    The URL is resolved before the cache is consulted, so changed settings
    never hand back an engine for another database.
    """
    return _engine_for(url or get_settings().database_url)


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    factory = session_factory(engine or get_engine())
    with factory() as session, session.begin():
        yield session
