"""Overtime booking and the 调休 ledger over HTTP: supervisors write, agents read only their own."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from test_permissions import clients  # noqa: F401  (fixture: one logged-in client per role)

from kefu.domain.timeutil import SHOP_TZ
from kefu.service.live import actions
from kefu.store.db import session_factory

SATURDAY = date(2026, 11, 14)


def _worked_saturday(engine: Engine) -> None:
    """a1 online 10:00–14:00 on a rest day: 240 minutes of rest-day overtime."""
    with session_factory(engine)() as session, session.begin():
        actions.set_agent_status(session, "a1", "online", datetime(2026, 11, 14, 10, tzinfo=SHOP_TZ))
        actions.set_agent_status(session, "a1", "offline", datetime(2026, 11, 14, 14, tzinfo=SHOP_TZ))


@pytest.mark.clock("2026-11-25T10:00:00+08:00")  # the Saturday is past, whatever the real date
def test_book_overtime_as_comp_leave_then_take_it(clients: dict[str, TestClient], engine: Engine) -> None:  # noqa: F811
    _worked_saturday(engine)
    boss = clients["supervisor"]
    r = boss.post("/api/v1/agents/a1/overtime", json={"day": "2026-11-14", "comp_leave": True})
    assert r.status_code == 201, r.text
    assert (r.json()["minutes"], r.json()["kind"], r.json()["balance"]) == (240, "rest", 240)
    again = boss.post("/api/v1/agents/a1/overtime", json={"day": "2026-11-14", "comp_leave": True})
    assert again.status_code == 409 and again.json()["code"] == "CONFLICT"  # booked once
    r = boss.post("/api/v1/agents/a1/comp-leave", json={"day": "2026-11-20", "minutes": 180})
    assert r.status_code == 201 and r.json() == {"agent": "a1", "day": "2026-11-20", "minutes": 180, "balance": 60}
    too_much = boss.post("/api/v1/agents/a1/comp-leave", json={"day": "2026-11-21", "minutes": 61})
    assert too_much.status_code == 409 and too_much.json()["details"] == {"balance": 60}
    ledger = clients["agent"].get("/api/v1/agents/a1/comp-leave")  # a1 reads its own ledger
    assert ledger.status_code == 200
    body = ledger.json()
    assert body["balance"] == 60
    assert [(e["day"], e["minutes"], e["reason"], e["balance"]) for e in body["entries"]] == [
        ("2026-11-14", 240, "rest-day overtime", 240), ("2026-11-20", -180, "leave taken", 60)]


def test_agents_cannot_book_or_read_others(clients: dict[str, TestClient]) -> None:  # noqa: F811
    agent = clients["agent"]  # logged in as a1
    assert agent.get("/api/v1/agents/a2/comp-leave").status_code == 403
    assert agent.post("/api/v1/agents/a1/comp-leave", json={"day": "2026-11-20", "minutes": 1}).status_code == 403
    assert agent.post("/api/v1/agents/a1/overtime", json={"day": "2026-11-14"}).status_code == 403


def test_bad_input_is_refused(clients: dict[str, TestClient]) -> None:  # noqa: F811
    boss = clients["supervisor"]
    assert boss.get("/api/v1/agents/ghost/comp-leave").json()["code"] == "AGENT_UNKNOWN"
    r = boss.post("/api/v1/agents/ghost/comp-leave", json={"day": "2026-11-20", "minutes": 10})
    assert r.status_code == 404 and r.json()["code"] == "AGENT_UNKNOWN"
    for bad in ({"day": "2026-11-20", "minutes": 0}, {"day": "not a day", "minutes": 5}, {"minutes": 5}):
        r = boss.post("/api/v1/agents/a1/comp-leave", json=bad)
        assert r.status_code == 422 and r.json()["code"] == "BAD_REQUEST"
    idle = boss.post("/api/v1/agents/a1/overtime", json={"day": "2026-11-11", "comp_leave": True})
    assert idle.status_code == 400 and idle.json()["details"] == {"argument": "day", "value": "2026-11-11"}  # no overtime: nothing to book
