"""API skeleton: health, error bodies with codes, auth required."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.service.org import actions as auth
from kefu.store.db import session_factory


def test_health_answers_with_backend(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["database"] == engine.dialect.name


def test_unknown_path_is_404_with_code(engine: Engine) -> None:
    response = TestClient(create_app(engine)).get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"


def test_openapi_document_is_served(engine: Engine) -> None:
    client = TestClient(create_app(engine))
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "kefu API"
    assert client.get("/docs").status_code == 200


def test_token_create_and_check(engine: Engine) -> None:
    with session_factory(engine)() as session, session.begin():
        token = auth.create_token(session, "erp")
    with session_factory(engine)() as session:
        assert auth.check_token(session, token).name == "erp"
