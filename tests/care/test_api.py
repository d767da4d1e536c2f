"""Care API end to end: roles, agents' own ledger, errors as 4xx with codes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.service import auth
from kefu.store.db import session_factory
from kefu.store.models.org import Agent, Shop

BASE = "http://testserver"
PASSWORD = "password-123"


@pytest.fixture
def clients(engine: Engine) -> dict[str, TestClient]:
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="小店", settings={}))
        s.flush()
        s.add_all([Agent(id="a1", name="A1", shop_id="s1"), Agent(id="a2", name="A2", shop_id="s1")])
        s.flush()
        auth.create_user(s, "u-supervisor", PASSWORD, "supervisor")
        auth.create_user(s, "u-agent", PASSWORD, "agent", agent_id="a1")
    app = create_app(engine)
    out = {}
    for role in ("supervisor", "agent"):
        c = TestClient(app, base_url=BASE, headers={"Origin": BASE})
        assert (
            c.post("/api/v1/auth/login", json={"username": f"u-{role}", "password": PASSWORD}).status_code
            == 200
        )
        out[role] = c
    out["anonymous"] = TestClient(app, base_url=BASE)
    return out


def test_ticket_flow_over_http(clients: dict[str, TestClient]) -> None:
    agent, sup = clients["agent"], clients["supervisor"]
    r = agent.post(
        "/api/v1/care/tickets", json={"shop_id": "s1", "buyer": "b1", "category": "质量", "severity": "high"}
    )
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    assert r.json()["owner"] == "a1"
    assert agent.post(f"/api/v1/care/tickets/{tid}/respond", json={"text": "请拍照"}).status_code == 200
    r = agent.post(f"/api/v1/care/tickets/{tid}/escalate", json={"department": "hr", "note": "x"})
    assert (r.status_code, r.json()["code"]) == (400, "BAD_ARGUMENT")
    assert (
        agent.post(
            f"/api/v1/care/tickets/{tid}/escalate", json={"department": "tech", "note": "系统显示错误"}
        ).json()["status"]
        == "escalated"
    )
    assert (
        agent.post(f"/api/v1/care/tickets/{tid}/resolve", json={"root_cause": "面料瑕疵"}).json()["status"]
        == "resolved"
    )
    assert (
        agent.post(f"/api/v1/care/tickets/{tid}/callback", json={"at": "2099-01-01T10:00"}).status_code == 200
    )
    r = agent.post(f"/api/v1/care/tickets/{tid}/callback-result", json={"outcome": "satisfied"})
    assert r.json()["callback_outcome"] == "satisfied"
    assert agent.post(f"/api/v1/care/tickets/{tid}/close").status_code == 403
    assert sup.post(f"/api/v1/care/tickets/{tid}/close").json()["status"] == "closed"
    r = sup.post(f"/api/v1/care/tickets/{tid}/resolve", json={"root_cause": "x"})
    assert (r.status_code, r.json()["code"]) == (409, "TICKET_BAD_TRANSITION")
    assert agent.get("/api/v1/care/tickets/99999").status_code == 404
    assert sup.get("/api/v1/care/root-causes?month=2026-13").status_code == 400
    assert agent.get("/api/v1/care/root-causes?month=2026-11").status_code == 403


def test_agents_see_only_their_own_ledger(clients: dict[str, TestClient]) -> None:
    agent, sup = clients["agent"], clients["supervisor"]
    for who, amount, kind in (("a1", -1000, "fine"), ("a2", 500, "reward")):
        r = sup.post(
            "/api/v1/care/ledger",
            json={"agent_id": who, "day": "2026-11-18", "kind": kind, "amount_fen": amount, "reason": "r"},
        )
        assert r.status_code == 201, r.text
    assert (
        agent.post(
            "/api/v1/care/ledger",
            json={"agent_id": "a1", "day": "2026-11-18", "kind": "reward", "amount_fen": 1, "reason": "r"},
        ).status_code
        == 403
    )
    mine = agent.get("/api/v1/care/ledger").json()
    assert [e["agent_id"] for e in mine["entries"]] == ["a1"] and mine["total_fen"] == -1000
    assert agent.get("/api/v1/care/ledger?agent_id=a2").status_code == 403
    assert sup.get("/api/v1/care/ledger").json()["total_fen"] == -500
    assert sup.get("/api/v1/care/ledger?start=1900-01-01").status_code == 400


def test_templates_bot_and_settings(clients: dict[str, TestClient]) -> None:
    agent, sup = clients["agent"], clients["supervisor"]
    assert agent.post("/api/v1/care/templates/seed").status_code == 403
    assert sup.post("/api/v1/care/templates/seed").json()["added"] >= 12
    hits = agent.get("/api/v1/care/templates", params={"q": "wl"}).json()
    assert hits[0]["category"] == "物流"
    r = agent.post(f"/api/v1/care/templates/{hits[0]['id']}/render", json={"variables": {"买家": "小李"}})
    assert (r.status_code, r.json()["code"]) == (422, "TEMPLATE_VARIABLE_MISSING")
    assert r.json()["details"]["missing"]
    r = agent.post("/api/v1/care/bot/answer", json={"question": "能开发票吗"})
    assert r.json()["action"] == "answer" and r.json()["intent"] == "invoice"
    assert agent.put("/api/v1/care/settings/s1", json={"bot_mode": "human_first"}).status_code == 403
    assert (
        sup.put("/api/v1/care/settings/s1", json={"bot_mode": "human_first"}).json()["bot_mode"]
        == "human_first"
    )
    assert (
        agent.post("/api/v1/care/bot/answer", json={"question": "能开发票吗", "shop_id": "s1"}).json()[
            "action"
        ]
        == "suggest"
    )
    assert sup.put("/api/v1/care/settings/s1", json={"bot_threshold": 2}).status_code == 422
    r = sup.put("/api/v1/care/settings/s1", json={"calendar_overrides": {"2026-11-19": "someday"}})
    assert (r.status_code, r.json()["code"]) == (400, "BAD_ARGUMENT")
    ok = sup.put("/api/v1/care/settings/s1", json={"calendar_overrides": {"2026-11-19": "rest"}})
    assert ok.json()["calendar_overrides"] == {"2026-11-19": "rest"}
    assert ok.json()["bot_mode"] == "human_first"  # merged, not replaced
    assert sup.put("/api/v1/care/settings/s1", json={"sla": {"high": [30, 240]}}).json()["sla"] == {
        "high": [30, 240]
    }
    assert sup.put("/api/v1/care/settings/s1", json={"sla": {"high": [0, 240]}}).status_code == 400
    assert clients["anonymous"].post("/api/v1/care/bot/answer", json={"question": "x"}).status_code == 401


def test_surveys_logbook_and_stats(clients: dict[str, TestClient]) -> None:
    agent, sup = clients["agent"], clients["supervisor"]
    sid = agent.post(
        "/api/v1/care/surveys", json={"shop_id": "s1", "conversation_id": 1, "agent_id": "a1"}
    ).json()["id"]
    assert agent.post(f"/api/v1/care/surveys/{sid}/answer", json={"score": "满意"}).json()["score"] == 4
    assert agent.post(f"/api/v1/care/surveys/{sid}/answer", json={"score": 5}).status_code == 409
    assert (
        agent.get("/api/v1/care/surveys/stats?start=2000-01-01&end=2099-12-31&agent_id=a2").status_code == 403
    )
    stats = sup.get("/api/v1/care/surveys/stats?start=2000-01-01&end=2099-12-31").json()
    assert (stats["sent"], stats["answered"], stats["response_rate"]) == (1, 1, "1.0000")
    r = agent.post(
        "/api/v1/care/logbook",
        json={"shop_id": "s1", "book": "issues", "kind": "idea", "text": "加短语", "day": "2026-11-18"},
    )
    assert r.status_code == 201 and r.json()["author"] == "a1"
    assert agent.get("/api/v1/care/logbook/weekly?shop_id=s1&day=2026-11-18").status_code == 403
    assert sup.get("/api/v1/care/logbook/weekly?shop_id=s1&day=2026-11-18").json()["total"] == 1
    assert agent.get("/api/v1/care/service-stats?day=2026-11-18").json() == []
    assert agent.get("/api/v1/care/service-stats?day=9999-12-31").status_code == 400
    assert (
        agent.post(
            "/api/v1/care/logbook", json={"shop_id": "s1", "book": "issues", "text": "a\x00b"}
        ).status_code
        == 422
    )


def test_the_bot_index_is_built_at_startup_not_by_the_first_question(engine: Engine) -> None:
    """The first bot call used to build jieba's dictionary and the FAQ index on the request path
    (3 s idle, past schemathesis' 10 s timeout under load). Now the app's startup builds it."""
    from kefu.service import care

    with session_factory(engine)() as s, s.begin():
        token = auth.create_token(s, "bot-startup")
    care._matcher.cache_clear()
    with TestClient(create_app(engine), base_url=BASE) as client:  # `with`: runs the lifespan (startup)
        built = care._matcher.cache_info()
        assert built.currsize == 1
        r = client.post("/api/v1/care/bot/answer", json={"question": "能开发票吗"},
                        headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
        assert r.json()["intent"] == "invoice"
        after = care._matcher.cache_info()
    assert (after.misses, after.hits) == (built.misses, built.hits + 1)  # the question found the index built
