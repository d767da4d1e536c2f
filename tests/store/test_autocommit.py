"""The hot path's held autocommit connection: reused, replaced when broken, closed with the engine."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import Engine, text

from kefu.store.autocommit import autocommit_connection


@pytest.fixture
def pg_engine(engine: Engine) -> Engine:
    if engine.dialect.name != "postgresql":
        pytest.skip("the held connection is for PostgreSQL")
    return engine


def _pid(engine: Engine) -> int:
    with autocommit_connection(engine) as pg:
        row = pg.execute("SELECT pg_backend_pid()").fetchone()
        assert row is not None
        return int(row[0])


def test_one_connection_is_held_and_commits_each_statement(pg_engine: Engine) -> None:
    assert _pid(pg_engine) == _pid(pg_engine)
    with autocommit_connection(pg_engine) as pg:
        pg.execute("CREATE TEMP TABLE held (x int)")
        pg.execute("INSERT INTO held VALUES (1)")
        assert pg.info.transaction_status == psycopg.pq.TransactionStatus.IDLE  # nothing left open


def test_a_connection_the_server_closed_is_replaced_before_use(pg_engine: Engine) -> None:
    first = _pid(pg_engine)
    with pg_engine.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first})
        for _ in range(500):  # until the backend has exited (its goodbye is then on the socket)
            if other.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p"), {"p": first}).scalar_one() == 0:
                break
            time.sleep(0.01)
    with autocommit_connection(pg_engine) as pg:  # no failure: seen closed, replaced
        assert pg.execute("SELECT 1").fetchone() == (1,)
    assert _pid(pg_engine) != first


def test_a_connection_that_breaks_in_use_fails_once_then_is_replaced(pg_engine: Engine) -> None:
    first = _pid(pg_engine)
    with pytest.raises(psycopg.OperationalError), autocommit_connection(pg_engine) as pg:
        pg.execute("SELECT pg_terminate_backend(pg_backend_pid())")
    second = _pid(pg_engine)
    assert second != first


def test_a_statement_error_keeps_the_connection(pg_engine: Engine) -> None:
    first = _pid(pg_engine)
    with pytest.raises(psycopg.errors.UndefinedTable), autocommit_connection(pg_engine) as pg:
        pg.execute("SELECT * FROM no_such_table")
    assert _pid(pg_engine) == first  # autocommit: no aborted transaction to clean up


def test_dispose_closes_it(pg_engine: Engine) -> None:
    with autocommit_connection(pg_engine) as pg:
        held = pg
    pg_engine.dispose()
    assert held.closed
