"""The migrations create exactly the schema the models describe (no drift)."""

from __future__ import annotations

from sqlalchemy import inspect

from kefu.store.base import Base
from kefu.store.db import make_engine
from kefu.store.migrate import drift, upgrade


def test_upgrade_creates_every_table_and_matches_models(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert drift(engine) == []
    finally:
        engine.dispose()


def test_upgrade_twice_is_a_no_op(db_url: str) -> None:
    upgrade(db_url)
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        assert drift(engine) == []
    finally:
        engine.dispose()
