"""The database engine the dashboard uses, bound once by ``mount_ui``.

Pages run inside NiceGUI (websocket events, timers), not inside a FastAPI
dependency, so they cannot use ``kefu.api.deps.get_db``. ``mount_ui`` binds the
same engine the API uses; pages open one short transaction per action with
``db_session()`` and call the service layer with it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kefu.store.db import session_factory

_engine: Engine | None = None


def bind_engine(engine: Engine) -> None:
    global _engine
    _engine = engine


def get_ui_engine() -> Engine:
    if _engine is None:
        raise RuntimeError("kefu.ui.db.bind_engine() was not called (mount_ui binds it)")
    return _engine


@contextmanager
def db_session() -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with session_factory(get_ui_engine())() as session, session.begin():
        yield session
