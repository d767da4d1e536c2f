"""After an unhandled error the same keep-alive connection still serves the next request (issue 15, operator path).

Starlette's outermost layer answers 500 and then re-raises (so servers can log
it); Uvicorn, seeing an exception after the response started, closed the
transport: the client's *next* request on that pooled connection was reset.
:class:`kefu.api.boundary.ErrorBoundary` sits in front of everything Uvicorn runs
(:func:`kefu.api.app.served`): it logs the error and keeps the connection.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, text

from kefu.api.app import create_app, served
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from support import RawHttp, live_server

BOOM = "/api/v1/boom"


def _app_with_a_fault(engine: Engine) -> object:
    app = create_app(engine)

    @app.get(BOOM)
    def boom() -> dict[str, str]:
        raise RuntimeError("a bug, not bad input")

    return served(app)


def test_the_connection_survives_an_unhandled_500(engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    with live_server(_app_with_a_fault(engine)) as port:
        http = RawHttp(port)
        try:
            status, headers, body = http.call("GET", BOOM)
            assert status == 500
            assert headers["content-type"] == "application/json"
            assert json.loads(body) == {"code": "INTERNAL_ERROR", "message": "服务器内部错误, 已记录",
                                        "message_en": "internal server error; it has been logged"}
            assert headers.get("connection") != "close"
            status, _, body = http.call("GET", "/api/v1/health")  # same connection
            assert status == 200 and json.loads(body)["status"] == "ok"
        finally:
            http.close()
    assert any("a bug, not bad input" in r.getMessage() or (r.exc_info and "a bug" in str(r.exc_info[1]))
               for r in caplog.records)


def test_the_connection_survives_a_fault_on_the_hot_path(engine: Engine) -> None:
    """The hot path's own failure (here: a missing table, a real database error) is a 500 that keeps the connection."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the hot path is installed for PostgreSQL only")
    with session_factory(engine)() as s, s.begin():
        token = auth.create_token(s, "hot")
    with live_server(served(create_app(engine))) as port:
        http = RawHttp(port)
        try:
            bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            status, _, _ = http.call("GET", "/api/v1/conversations/1", headers=bearer)
            assert status == 404  # the hot path answers (and remembers the token)
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE conversations RENAME TO conversations_gone"))
            try:
                status, _, body = http.call("GET", "/api/v1/conversations/1", headers=bearer)
                assert status == 500 and json.loads(body)["code"] == "INTERNAL_ERROR"
            finally:
                with engine.begin() as conn:
                    conn.execute(text("ALTER TABLE conversations_gone RENAME TO conversations"))
            status, _, _ = http.call("GET", "/api/v1/conversations/1", headers=bearer)  # same connection
            assert status == 404
        finally:
            http.close()
