"""Care API end to end: roles, agents' own ledger, errors as 4xx with codes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.config import get_settings
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.live import Conversation, Message
from kefu.store.models.org import Agent, Shop
from support import signed_in

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
    return {**signed_in(app, PASSWORD), "anonymous": TestClient(app, base_url=BASE)}


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
    history = sup.get(f"/api/v1/care/tickets/{tid}/history").json()
    assert [(h["kind"], h["by"]) for h in history] == [
        ("ticket.created", "a1"), ("ticket.responded", "a1"), ("ticket.escalated", "a1"), ("ticket.resolved", "a1"),
        ("ticket.callback_scheduled", "a1"), ("ticket.callback_done", "a1"), ("ticket.closed", "u-supervisor")]
    assert history[0]["data"] == {"category": "质量", "severity": "high"}
    assert history[1]["data"] == {"text": "请拍照"}  # the reply itself, paired with its event
    assert history[2]["data"] == {"department": "tech", "text": "系统显示错误"}
    assert history[3]["data"] == {"root_cause": "面料瑕疵", "text": "面料瑕疵"}
    assert history[5]["data"] == {"outcome": "satisfied"}  # a callback without a note adds no text
    assert agent.get("/api/v1/care/tickets/99999/history").status_code == 404
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


def test_surveys_logbook_and_stats(clients: dict[str, TestClient], engine: Engine) -> None:
    agent, sup = clients["agent"], clients["supervisor"]
    with session_factory(engine)() as s, s.begin():
        chat = Conversation(shop_id="s1", buyer="b1", agent_id="a1", status="closed", opened_at=datetime.now(UTC))
        s.add(chat)
        s.flush()
        cid = chat.id
    assert agent.post("/api/v1/care/surveys", json={"conversation_id": cid}).status_code == 403
    token = sup.post("/api/v1/care/surveys", json={"conversation_id": cid}).json()["token"]
    buyer = clients["anonymous"]
    assert buyer.post("/api/v1/care/surveys/answer", json={"token": token, "score": "满意"}).json()["score"] == 4
    assert buyer.post("/api/v1/care/surveys/answer", json={"token": token, "score": 5}).status_code == 409
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


@pytest.fixture
def bot_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_bot_facts_over_http(clients: dict[str, TestClient], bot_data_dir: None) -> None:
    sup, agent = clients["supervisor"], clients["agent"]
    assert agent.get("/api/v1/care/bot/facts/s1").status_code == 403
    assert clients["anonymous"].get("/api/v1/care/bot/facts/s1").status_code == 401
    assert sup.get("/api/v1/care/bot/facts/s1").json()["couriers"] == "中通和圆通"
    r = sup.put("/api/v1/care/bot/facts/s1", json={"couriers": "京东快递", "return_days": 15})
    assert (r.status_code, r.json()["couriers"], r.json()["return_days"]) == (200, "京东快递", 15)
    answer = agent.post(
        "/api/v1/care/bot/answer", json={"question": "发什么快递", "shop_id": "s1", "mode": "bot_first"}
    )
    assert "默认发京东快递" in answer.json()["answer"]
    assert sup.put("/api/v1/care/bot/facts/s1", json={"same_day_cutoff": "4pm"}).status_code == 422
    assert sup.put("/api/v1/care/bot/facts/s1", json={"return_days": -1}).status_code == 422
    missing = sup.get("/api/v1/care/bot/facts/nope")
    assert (missing.status_code, missing.json()["code"]) == (404, "NOT_FOUND")


def test_bot_proposals_over_http(engine: Engine, clients: dict[str, TestClient], bot_data_dir: None) -> None:
    t0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    with session_factory(engine)() as s, s.begin():
        for i, line in enumerate(["可以刻字吗", "能刻字吗", "可以刻字吗"]):
            conv = Conversation(shop_id="s1", buyer=f"b{i}", status="closed", agent_id="a1", opened_at=t0)
            s.add(conv)
            s.flush()
            s.add_all([
                Message(conversation_id=conv.id, shop_id="s1", buyer=f"b{i}", ts=t0, direction="in", text=line),
                Message(conversation_id=conv.id, shop_id="s1", buyer=f"b{i}", agent_id="a1",
                        ts=t0 + timedelta(seconds=20), direction="out", text="可以免费刻字"),
            ])  # fmt: skip
    sup, agent = clients["supervisor"], clients["agent"]
    assert agent.post("/api/v1/care/bot/proposals/mine", json={"shop_id": "s1"}).status_code == 403
    mined = sup.post("/api/v1/care/bot/proposals/mine", json={"shop_id": "s1"}).json()
    assert (mined["pairs"], len(mined["proposals"])) == (3, 1)
    pid = mined["proposals"][0]["id"]
    assert [p["id"] for p in sup.get("/api/v1/care/bot/proposals", params={"shop_id": "s1"}).json()] == [pid]
    done = sup.post(f"/api/v1/care/bot/proposals/{pid}/decision", json={"approve": True}).json()
    assert (done["status"], done["answered_after"], done["decided_by"]) == ("approved", 3, "u-supervisor")
    again = sup.post(f"/api/v1/care/bot/proposals/{pid}/decision", json={"approve": False})
    assert (again.status_code, again.json()["code"]) == (400, "BAD_ARGUMENT")
    assert (
        sup.post("/api/v1/care/bot/proposals/mine", json={"shop_id": "s1", "min_count": 0}).status_code == 422
    )
    assert sup.get("/api/v1/care/bot/proposals", params={"shop_id": "s1", "status": "x"}).status_code == 400
    assert sup.post("/api/v1/care/bot/proposals/99999/decision", json={"approve": True}).status_code == 404


def test_the_bot_index_is_loaded_at_startup_not_by_the_first_question(engine: Engine, bot_data_dir: None) -> None:
    """The first bot call used to build jieba's dictionary and the FAQ index on the request path
    (3 s idle, past schemathesis' 10 s timeout under load). Now the app's startup loads it."""
    from kefu.service.care import actions_bot as care_bot

    with session_factory(engine)() as s, s.begin():
        token = auth.create_token(s, "bot-startup")
    care_bot._matchers.clear()
    with TestClient(create_app(engine), base_url=BASE) as client:  # `with`: runs the lifespan (startup)
        loaded = dict(care_bot._matchers)
        assert list(loaded) == [care_bot._key(())]
        r = client.post("/api/v1/care/bot/answer", json={"question": "能开发票吗"},
                        headers={"Authorization": f"Bearer {token}"})
        assert (r.status_code, r.json()["intent"]) == (200, "invoice")
        assert list(care_bot._matchers) == list(loaded)  # the question found the index loaded
        assert care_bot._matchers[care_bot._key(())] is loaded[care_bot._key(())]
