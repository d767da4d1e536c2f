"""Shared fixtures: a fresh database per test on SQLite and, when configured, PostgreSQL.

PostgreSQL runs when KEFU_TEST_POSTGRES_URL is set (``.ci/run`` sets it when the
server answers). Each pytest-xdist worker gets its own schema, so workers never
see each other's rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from kefu.config import get_settings, install_clock, normalise_database_url
from kefu.domain.timeutil import clock_from
from kefu.store import models  # noqa: F401
from kefu.store.base import Base
from kefu.store.db import make_engine, session_factory
from support import SHARED, shared_path  # noqa: F401  (re-exported for older imports)

PG_URL = os.environ.get("KEFU_TEST_POSTGRES_URL", "")


def _pg_schema_url(worker: str) -> str:
    """A URL whose connections use an empty schema private to this test process.

    The schema name carries the process id, so concurrent pytest runs (and xdist
    workers) on one server never see each other's rows; ``_drop_pg_schemas``
    removes it when the session ends.
    """
    base = normalise_database_url(PG_URL)
    schema = f"kefu_test_{worker}_{os.getpid()}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    _PG_SCHEMAS.add(schema)
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


_PG_SCHEMAS: set[str] = set()


@pytest.fixture(scope="session", autouse=True)
def _clock_from_settings() -> None:
    """``KEFU_CLOCK_START=2026-11-11T09:30:00+08:00 make test`` runs the suite at that hour: the way
    to find (and pin with a fixed ``now``) tests that depend on the time of day."""
    install_clock(get_settings())


@pytest.fixture(autouse=True)
def _clock_marker(request: pytest.FixtureRequest) -> Iterator[None]:
    """``@pytest.mark.clock("2026-11-25T10:00:00+08:00")``: the test (and its fixtures) runs with kefu's
    clock started there, so "overdue", "already worked" and "today" do not depend on the real date."""
    marker = request.node.get_closest_marker("clock")
    if marker is None:
        yield
        return
    with clock_from(datetime.fromisoformat(marker.args[0])):
        yield


@pytest.fixture(scope="session", autouse=True)
def _drop_pg_schemas() -> Iterator[None]:
    yield
    if not (PG_URL and _PG_SCHEMAS):
        return
    admin = create_engine(normalise_database_url(PG_URL))
    with admin.begin() as conn:
        for schema in _PG_SCHEMAS:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _backends() -> list[object]:
    params: list[object] = ["sqlite"]
    params.append(pytest.param("postgres", marks=pytest.mark.postgres))
    return params


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path, worker_id: str) -> str:
    """An empty database URL on each backend (no tables)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kefu.db'}"
    if not PG_URL:
        pytest.skip("KEFU_TEST_POSTGRES_URL not set")
    return _pg_schema_url(worker_id)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A database with every table created from the models."""
    eng = make_engine(db_url)
    Base.metadata.drop_all(eng)
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as s:
        yield s
