"""One autocommit psycopg connection per process and engine, held for the live hot path.

Why: the hot path (:mod:`kefu.api.integration`) runs on the event loop one call at
a time, so one connection per worker process is all it needs. Holding it skips,
on every call, the pool's checkout and checkin, SQLAlchemy's switch to and from
autocommit, and the session around them (ADR 0002, "Hot path").

The connection is opened from the engine's own URL. One that breaks, or that
the server closed while it was idle (:func:`kefu.store.db.closed_by_server`),
is replaced on the next call; like the pool's own connections it is replaced
after 30 minutes, and it closes with the engine's ``dispose()``.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import Engine, event

from kefu.store.db import closed_by_server

_RECYCLE_S = 1800.0  # as make_engine's pool_recycle


class _Held:
    """The connection held for one engine, and when it was opened."""

    def __init__(self) -> None:
        self.conn: psycopg.Connection[Any] | None = None
        self.opened = 0.0

    def close(self, *_: object) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


_held: weakref.WeakKeyDictionary[Engine, _Held] = weakref.WeakKeyDictionary()


def _holder(engine: Engine) -> _Held:
    held = _held.get(engine)
    if held is None:  # first use: close it with the engine
        held = _held[engine] = _Held()
        event.listen(engine, "engine_disposed", held.close)
        weakref.finalize(engine, held.close)
    return held


@contextmanager
def autocommit_connection(engine: Engine) -> Iterator[psycopg.Connection[Any]]:
    """The held connection (each statement commits on its own); dropped if a statement breaks it."""
    held = _holder(engine)
    conn = held.conn
    if conn is None or closed_by_server(conn) or time.monotonic() - held.opened > _RECYCLE_S:
        held.close()
        conn = held.conn = psycopg.connect(
            engine.url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True)
        held.opened = time.monotonic()
    try:
        yield conn
    except psycopg.Error:
        if conn.broken or conn.closed:
            held.close()
        raise
