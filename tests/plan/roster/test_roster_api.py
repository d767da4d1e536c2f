"""Roster API: plan → stored → check a hand edit; infeasible → 422 with conflicts; bad rows → 422 rows."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.org import Agent, Shop


def _client(engine: Engine) -> TestClient:
    with session_factory(engine)() as session, session.begin():
        token = auth.create_token(session, "wfm")
        session.add(Shop(id="s1", name="店1"))
        session.flush()
        session.add_all([Agent(id="A", shop_id="s1", name="A"), Agent(id="B", shop_id="s1", name="B")])
    return TestClient(create_app(engine), headers={"Authorization": f"Bearer {token}"})


def _body(**extra: Any) -> dict[str, Any]:
    req = [{"interval_start": f"2026-03-0{d + 1}T{h:02d}:{m:02d}", "skill": "s", "agents": 1}
           for d in range(3) for h in range(9, 17) for m in (0, 30)]
    return {
        "start": "2026-03-01", "days": 3, "rules": {"rest_days_per_month": 1, "max_consecutive": 2},
        "agents": [{"agent": "A", "skills": ["s"], "night_ok": False},
                   {"agent": "B", "skills": ["s"], "night_ok": True}],
        "shifts": [{"code": "白", "start": "09:00", "end": "17:00", "night": False},
                   {"code": "夜", "start": "22:00", "end": "06:00", "night": True}],
        "requirement": req, **extra,
    }


def test_plan_store_and_check(engine: Engine) -> None:
    client = _client(engine)
    r = client.post("/api/v1/roster/plan", json=_body(time_limit=3, shop="s1"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["coverage_ratio"] == 1.0
    days = {}
    for row in body["roster"]:
        if row["shift"]:
            days.setdefault(row["date"], []).append(row["shift"])
    assert days == {"2026-03-01": ["白"], "2026-03-02": ["白"], "2026-03-03": ["白"]}
    got = client.get("/api/v1/roster", params={"shop": "s1", "start": "2026-03-01", "days": 3})
    assert got.status_code == 200
    assert sorted((x["date"], x["shift"]) for x in got.json()["roster"] if x["shift"]) == [
        ("2026-03-01", "白"), ("2026-03-02", "白"), ("2026-03-03", "白")]
    edit = [{"agent": "A", "date": f"2026-03-0{d}", "shift": s} for d, s in ((1, "白"), (2, "白"), (3, "夜"))]
    r = client.post("/api/v1/roster/check", json=_body(roster=edit))
    assert r.status_code == 200, r.text
    assert sorted(v["rule"] for v in r.json()["violations"]) == [
        "max_consecutive", "night_ok", "rest_days_per_month"]


def test_infeasible_and_bad_rows(engine: Engine) -> None:
    client = _client(engine)
    body = _body(time_limit=2)
    body["agents"][0]["min_hours"] = 20  # 3 days, 1 rest day → at most 16 h
    body["rules"]["max_consecutive"] = 3
    r = client.post("/api/v1/roster/plan", json=body)
    assert r.status_code == 422
    assert r.json()["code"] == "ROSTER_INFEASIBLE"
    assert r.json()["details"]["conflicts"][0]["rules"] == ["rest_days_per_month", "min_hours"]
    body = _body()
    body["shifts"][1]["start"] = "25:99"
    r = client.post("/api/v1/roster/plan", json=body)
    assert r.status_code == 422
    assert [(x["row"], x["column"]) for x in r.json()["rows"]] == [(3, "start")]


def test_requires_token(engine: Engine) -> None:
    _client(engine)
    r = TestClient(create_app(engine)).post("/api/v1/roster/plan", json=_body())
    assert r.status_code == 401
