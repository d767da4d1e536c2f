"""Malformed JSON rows for the roster API are 422 with row errors, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.service.org import actions as auth
from kefu.store.db import session_factory

BASE: dict[str, Any] = {
    "start": "2026-12-01",
    "days": 3,
    "agents": [{"agent": "a1", "skills": ["售前"], "night_ok": True}],
    "shifts": [{"code": "白班", "start": "09:00", "end": "17:00", "night": False}],
    "time_limit": 2,
}


@pytest.fixture
def client(engine: Engine) -> tuple[TestClient, dict[str, str]]:
    with session_factory(engine)() as session, session.begin():
        token = auth.create_token(session, "planner")
    return TestClient(create_app(engine), raise_server_exceptions=False), {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "patch",
    [
        {"agents": [{"agent": "a1", "skills": [None]}]},
        {"requirement": [{"interval_start": ["a"], "skill": {"a": 1}, "agents": [1]}]},
        {"shifts": [{"code": None, "start": None, "end": None}]},
    ],
)
def test_bad_rows_are_422_with_row_errors(client: tuple[TestClient, dict[str, str]], patch: dict[str, Any]) -> None:
    http, headers = client
    response = http.post("/api/v1/roster/plan", json={**BASE, **patch}, headers=headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "IMPORT_BAD_ROW"
    assert body["rows"][0]["row"] >= 1
