"""Identifiers with markup are refused over HTTP with a 4xx and a code (issue 15, hole 2).

The probe saved the shift code ``x" onmouseover="alert(1)"`` and it ran in an
admin's browser. Every route that stores a code-like identifier (agent ids,
skills, shops of agents, teams, shift codes of a roster) refuses it now.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kefu.api.app import create_app
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.org import Agent, Shop, User
from kefu.store.models.plan import RosterEntry

PROBE = 'x" onmouseover="alert(1)"'
BASE = "http://testserver"


@pytest.fixture
def clients(engine: Engine) -> dict[str, TestClient]:
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="店"))
        s.flush()
        s.add(Agent(id="A", shop_id="s1", name="A"))
        auth.create_user(s, "root", "password-123", "admin")
        token = auth.create_token(s, "erp")
    app = create_app(engine)
    admin = TestClient(app, base_url=BASE, headers={"Origin": BASE})
    assert admin.post("/api/v1/auth/login", json={"username": "root", "password": "password-123"}).status_code == 200
    return {"api": TestClient(app, base_url=BASE, headers={"Authorization": f"Bearer {token}"}), "admin": admin}


@pytest.mark.parametrize(("field", "value"), [("id", PROBE), ("skills", [PROBE]), ("secondary_skills", [PROBE]),
                                              ("shop", PROBE), ("id", "kf 01")])
def test_agents_with_markup_in_a_code_are_refused(clients: dict[str, TestClient], engine: Engine,
                                                  field: str, value: Any) -> None:
    body = {"id": "kf02", "name": "二号", "skills": ["售前"], "capacity": 2, field: value}
    r = clients["api"].post("/api/v1/agents", json=body)
    assert (r.status_code, r.json()["code"], r.json()["details"]["argument"]) == (400, "BAD_ARGUMENT", field)
    assert r.json()["message"] and r.json()["message_en"]
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Agent)) == 1


def test_a_roster_with_a_markup_shift_code_is_refused_row_by_row(clients: dict[str, TestClient],
                                                                 engine: Engine) -> None:
    body = {"start": "2026-03-01", "days": 1, "shop": "s1", "time_limit": 1,
            "agents": [{"agent": "A", "skills": ["s"], "night_ok": True}],
            "shifts": [{"code": "白", "start": "09:00", "end": "17:00", "night": False},
                       {"code": PROBE, "start": "17:00", "end": "22:00", "night": False}],
            "requirement": [{"interval_start": "2026-03-01T09:00", "skill": "s", "agents": 1}]}
    r = clients["api"].post("/api/v1/roster/plan", json=body)
    assert (r.status_code, r.json()["code"]) == (422, "IMPORT_BAD_ROW")
    assert [(x["row"], x["column"]) for x in r.json()["rows"]] == [(3, "code")]
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(RosterEntry)) == 0


def test_an_account_with_a_markup_team_is_refused(clients: dict[str, TestClient], engine: Engine) -> None:
    r = clients["admin"].post("/api/v1/users", json={"username": "lead", "password": "password-123",
                                                     "role": "supervisor", "team": PROBE})
    assert (r.status_code, r.json()["details"]["argument"]) == (400, "team")
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 1
