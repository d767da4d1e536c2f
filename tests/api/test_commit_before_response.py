"""A write whose commit fails is answered 409, never 2xx, and leaves nothing behind."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kefu.api.app import create_app
from kefu.api.deps import DbSession
from kefu.domain.timeutil import utc_now
from kefu.store.db import session_factory
from kefu.store.models.org import ApiToken


def _token(name: str, digest: str) -> ApiToken:
    return ApiToken(name=name, token_sha256=digest, created_at=utc_now())


def test_commit_failure_is_reported_before_the_response(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        session.add(_token("erp", "a" * 64))
    app = create_app(engine)

    @app.post("/probe/{name}", status_code=201)
    def probe(name: str, session: DbSession) -> dict[str, str]:
        session.add(_token(name, "b" * 64))  # flushed only at commit, after the handler returns
        session.add(_token("erp", "c" * 64))  # duplicate name: the commit fails
        return {"created": name}

    response = TestClient(app).post("/probe/new")
    assert response.status_code == 409
    assert response.json()["code"] == "CONFLICT"
    with session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(ApiToken)) == 1
