"""/api/v1/tasks: agents see and complete only their own tasks; managers report duty events."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kefu.api.app import create_app
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.duty import DueTimer, Task
from kefu.store.models.live import Event
from kefu.store.models.org import Agent, Shop

BASE = "http://127.0.0.1:8000"
PASSWORD = "secret-password-1"
DUE = datetime(2026, 11, 20, 17, 30, tzinfo=SHOP_TZ)


@pytest.fixture
def clients(engine: Engine) -> dict[str, TestClient]:
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="店"))
        s.flush()
        s.add_all([Agent(id="a1", name="A1", team="T", shop_id="s1"), Agent(id="a2", name="A2", team="T"),
                   Agent(id="b1", name="B1", team="U")])
        s.flush()
        for assignee, kind in (("a1", "return"), ("a2", "review"), ("b1", "pay_reminder")):
            s.add(Task(shop_id="s1", task_type=kind, order_id=f"o-{assignee}", assignee=assignee,
                       created_at=DUE - timedelta(hours=1), due_at=DUE, source_rule=kind))
        auth.create_user(s, "u-admin", PASSWORD, "admin")
        auth.create_user(s, "u-supervisor", PASSWORD, "supervisor", team="T")
        auth.create_user(s, "u-agent", PASSWORD, "agent", agent_id="a1", team="T")
        token = auth.create_token(s, "erp")
    app = create_app(engine)
    out = {}
    for role in ("admin", "supervisor", "agent"):
        client = TestClient(app, base_url=BASE, headers={"Origin": BASE})
        assert client.post("/api/v1/auth/login", json={"username": f"u-{role}", "password": PASSWORD}).status_code == 200
        out[role] = client
    out["integration"] = TestClient(app, base_url=BASE, headers={"Authorization": f"Bearer {token}"})
    return out


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [t["order_id"] for t in response.json()]


def task_id(engine: Engine, assignee: str) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(Task.id).where(Task.assignee == assignee))


def test_lists_are_scoped_by_role(clients: dict[str, TestClient]) -> None:
    assert ids(clients["agent"].get("/api/v1/tasks")) == ["o-a1"]
    assert ids(clients["agent"].get("/api/v1/tasks?agent=b1")) == ["o-a1"]  # the filter is replaced
    assert sorted(ids(clients["supervisor"].get("/api/v1/tasks"))) == ["o-a1", "o-a2"]
    assert sorted(ids(clients["admin"].get("/api/v1/tasks"))) == ["o-a1", "o-a2", "o-b1"]
    assert ids(clients["integration"].get("/api/v1/tasks?team=U")) == ["o-b1"]
    assert ids(clients["admin"].get("/api/v1/tasks?status=done")) == []
    assert clients["admin"].get("/api/v1/tasks?status=late").status_code == 422


def test_agent_completes_own_task_only(clients: dict[str, TestClient], engine: Engine) -> None:
    own, other = task_id(engine, "a1"), task_id(engine, "a2")
    assert clients["agent"].get(f"/api/v1/tasks/{other}").status_code == 403
    denied = clients["agent"].post(f"/api/v1/tasks/{other}/complete", json={"outcome": "x"})
    assert (denied.status_code, denied.json()["code"]) == (403, "FORBIDDEN")
    done = clients["agent"].post(f"/api/v1/tasks/{own}/complete", json={"outcome": "已验货"})
    assert done.status_code == 200 and (done.json()["status"], done.json()["outcome"]) == ("done", "已验货")
    again = clients["agent"].post(f"/api/v1/tasks/{own}/complete", json={"outcome": "x"})
    assert (again.status_code, again.json()["code"]) == (409, "CONFLICT")
    assert clients["supervisor"].post(f"/api/v1/tasks/{other}/complete", json={}).status_code == 200
    assert clients["admin"].get("/api/v1/tasks/999999").status_code == 404
    with session_factory(engine)() as s:
        actors = sorted(s.scalars(select(Event.actor).where(Event.kind == "task.done")))
    assert actors == ["a1", "u-supervisor"]


@pytest.mark.clock("2026-11-21T10:00:00+08:00")  # the tasks due 11-20 17:30 are overdue, whatever the real date
def test_stats_and_escalation(clients: dict[str, TestClient]) -> None:
    mine = clients["agent"].get("/api/v1/tasks/stats?month=2026-11&agent=a2")
    assert mine.status_code == 200 and (mine.json()["agent_id"], mine.json()["assigned"]) == ("a1", 1)
    assert clients["admin"].get("/api/v1/tasks/stats?month=2026-11").status_code == 400
    assert clients["admin"].get("/api/v1/tasks/stats?month=2026-13&agent=a1").status_code == 422
    assert clients["agent"].post("/api/v1/tasks/escalate").status_code == 403
    assert clients["supervisor"].post("/api/v1/tasks/escalate").json() == {"escalated": 3}
    assert ids(clients["admin"].get("/api/v1/tasks?status=escalated")) != []


def test_integration_reports_returns_and_reviews(clients: dict[str, TestClient], engine: Engine) -> None:
    api = clients["integration"]
    r = api.post("/api/v1/tasks/events/returns", json={"order_id": "r9", "received_at": "2026-11-20T18:00:00+08:00",
                                                       "shop": "s1"})
    assert (r.status_code, r.json()) == (201, {"timers": 1})
    assert api.post("/api/v1/tasks/events/returns", json={"order_id": "r9", "received_at": "2026-11-20T19:00"}
                    ).json() == {"timers": 0}
    good = api.post("/api/v1/tasks/events/reviews", json={"order_id": "v9", "posted_at": "2026-11-20T08:00:00+08:00",
                                                           "rating": "good"})
    assert good.json() == {"timers": 0}
    bad = api.post("/api/v1/tasks/events/reviews", json={"order_id": "v9", "posted_at": "2026-11-21T08:00:00+08:00",
                                                          "rating": "bad"})
    assert bad.json() == {"timers": 1}
    assert api.post("/api/v1/tasks/events/reviews", json={"order_id": "v9", "posted_at": "soon",
                                                          "rating": "bad"}).status_code == 400
    assert api.post("/api/v1/tasks/events/returns", json={"order_id": "r9", "received_at": "0001-01-01T00:00"}
                    ).status_code == 400
    assert clients["agent"].post("/api/v1/tasks/events/returns",
                                 json={"order_id": "r9", "received_at": "2026-11-20T18:00"}).status_code == 403
    assert api.post("/api/v1/tasks/schedule", json={"order_ids": ["none"]}).json() == {"timers": 0}
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(DueTimer)) == 2
