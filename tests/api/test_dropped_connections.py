"""After PostgreSQL drops its connections, the next requests answer as usual (issue 15, hole 16).

Before: the pool handed out connections the server had closed (a restart, a
failover, ``pg_terminate_backend``), and the first request on each answered 500.
Only this test's connections are terminated: they carry an ``application_name``
of their own.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from kefu.api.app import create_app, served
from kefu.config import normalise_database_url
from kefu.service.org import actions as auth
from kefu.store.base import Base
from kefu.store.db import make_engine, session_factory
from support import RawHttp, live_server

APP_NAME = f"kefu-drop-{os.getpid()}"


@pytest.fixture
def pg(db_url: str) -> Iterator[Engine]:
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL drops connections; SQLite has none to drop")
    engine = make_engine(f"{db_url}&application_name={APP_NAME}")
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def _terminate_ours(engine: Engine) -> int:
    """Terminate this test's backends (and only them), then wait until they are gone."""
    admin = create_engine(normalise_database_url(engine.url.set(query={}).render_as_string(hide_password=False)))
    try:
        with admin.connect() as conn:
            killed = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :app AND pid <> pg_backend_pid()"),
                {"app": APP_NAME}).scalar_one()
            for _ in range(500):
                left = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :app"),
                                    {"app": APP_NAME}).scalar_one()
                if left == 0:
                    break
                time.sleep(0.01)
            return int(killed)
    finally:
        admin.dispose()


def test_requests_after_the_server_dropped_every_connection(pg: Engine) -> None:
    with session_factory(pg)() as s, s.begin():
        token = auth.create_token(s, "drop")
    client = TestClient(served(create_app(pg)), headers={"Authorization": f"Bearer {token}"})
    assert client.post("/api/v1/agents", json={"id": "a1", "skills": ["售前"], "capacity": 5}).status_code == 201
    assert client.post("/api/v1/agents/a1/status", json={"status": "online"}).status_code == 200
    cid = client.post("/api/v1/conversations", json={"shop": "s", "buyer": "b1", "group": "售前"}).json()["id"]
    assert client.get(f"/api/v1/conversations/{cid}").status_code == 200  # the hot path's read
    assert client.get("/api/v1/agents/a1").status_code == 200  # the framework's
    assert _terminate_ours(pg) >= 2  # the pool's connections and the hot path's own
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/api/v1/agents/a1").json()["load"] == 1
    assert client.get(f"/api/v1/conversations/{cid}").json()["status"] == "assigned"
    opened = client.post("/api/v1/conversations", json={"shop": "s", "buyer": "b2", "group": "售前"})
    assert opened.status_code == 201 and opened.json()["agent"] == "a1"  # the hot path's write connection
    assert client.post(f"/api/v1/conversations/{cid}/close").status_code == 200


def test_a_read_whose_connection_dies_mid_request_is_retried_once(pg: Engine) -> None:
    """The connection dies *during* the request (no check before it can see that): a GET is run again."""
    app = create_app(pg)
    calls: list[int] = []

    @app.get("/api/v1/probe-drop")
    def probe() -> dict[str, int]:
        calls.append(1)
        with pg.connect() as conn:
            if len(calls) == 1:  # the server ends this very connection, as a failover would
                conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
            return {"one": conn.execute(text("SELECT 1")).scalar_one()}

    @app.post("/api/v1/probe-drop")
    def probe_write() -> dict[str, int]:
        with pg.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
            return {"one": 1}

    with live_server(served(app)) as port:
        http = RawHttp(port)
        try:
            status, _, body = http.call("GET", "/api/v1/probe-drop")
            assert (status, body, len(calls)) == (200, b'{"one":1}', 2)
            status, _, _ = http.call("POST", "/api/v1/probe-drop")
            assert status == 500  # a write is never run twice: whether it took effect is unknown
            assert http.call("GET", "/api/v1/health")[0] == 200
        finally:
            http.close()
