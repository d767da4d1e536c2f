"""One order's credit justified (issue 20 item 2): the month run's decision for the order, worded from
its evidence, beside the buyer's messages before 下单 and 付款 — shop-zone times, names, fen; agents
open only their own orders' chats (``GET /credit/orders/{id}/chat``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.commerce import Order
from kefu.store.models.live import Message
from kefu.store.models.org import Agent, Shop

BASE = "http://testserver"
PW = "password-123"


def _t(hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, 3, hh - 8, mm, tzinfo=UTC)  # shop time (UTC+8) on 2026-11-03


CHATS = [  # buyer, agent, time, direction, text
    ("b1", "a1", _t(10), "in", "在吗, 这款有货吗"), ("b1", "a1", _t(10, 1), "out", "在的, 有货"),
    ("b1", "a2", _t(10, 50), "in", "帮我改下地址"), ("b1", "a2", _t(10, 51), "out", "好的, 已改"),
    ("b2", "a2", _t(10, 55), "in", "能便宜点吗"), ("b2", "a2", _t(11, 4), "out", "今天有券"),
]  # fmt: skip


@pytest.fixture
def clients(engine: Engine) -> Iterator[dict[str, TestClient]]:
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="店一", timezone="Asia/Shanghai"))
        s.add_all([Agent(id="a1", name="小一"), Agent(id="a2", name="小二")])
        s.flush()
        for buyer, agent, ts, direction, text in CHATS:
            s.add(Message(shop_id="s1", buyer=buyer, agent_id=agent, ts=ts, direction=direction, text=text))
        s.add_all([
            Order(id="O1", shop_id="s1", buyer="b1", created_at=_t(10, 30), paid_at=_t(11), amount_fen=9900,
                  status="交易成功"),
            Order(id="O2", shop_id="s1", buyer="b2", created_at=_t(11), paid_at=_t(11, 10), amount_fen=5000,
                  status="交易成功"),
            Order(id="O3", shop_id="s1", buyer="b3", created_at=_t(12), paid_at=None, amount_fen=1200,
                  status="等待买家付款"),
        ])  # fmt: skip
        auth.create_user(s, "boss", PW, "supervisor")
        auth.create_user(s, "agent1", PW, "agent", agent_id="a1")
        auth.create_user(s, "agent2", PW, "agent", agent_id="a2")
    app = create_app(engine)
    out = {}
    for name in ("boss", "agent1", "agent2"):
        client = TestClient(app, base_url=BASE, headers={"Origin": BASE})
        assert client.post("/api/v1/auth/login", json={"username": name, "password": PW}).status_code == 200
        out[name] = client
    yield out


def test_the_decision_and_the_chat_that_earned_it(clients: dict[str, TestClient]) -> None:
    got = clients["boss"].get("/api/v1/credit/orders/O1/chat").json()  # month: the one it was placed in
    assert {k: got[k] for k in ("month", "shop", "buyer", "timezone", "amount_fen", "sale_fen", "decision",
                                "credited_agent", "credited_name", "rule", "assists", "window_h", "truncated")} == {
        "month": "2026-11", "shop": "s1", "buyer": "b1", "timezone": "Asia/Shanghai", "amount_fen": 9900,
        "sale_fen": 9900, "decision": "落实下单", "credited_agent": "a1", "credited_name": "小一",
        "rule": "order_first", "assists": {"a2": "小二"}, "window_h": 48.0, "truncated": False}  # fmt: skip
    assert [(s["event"], s["at"], s["agent"], s["name"], s["session_end"], s["reason"]) for s in got["steps"]] == [
        ("order", "2026-11-03 10:30:00", "a1", "小一", "2026-11-03 10:01:00",
         "小一 的接待会话在下单前 29分钟 结束, 是 48 小时窗口内最近的一次"),
        ("payment", "2026-11-03 11:00:00", "a2", "小二", "2026-11-03 10:51:00",
         "小二 的接待会话在付款前 9分钟 结束, 是 48 小时窗口内最近的一次"),
    ]  # fmt: skip
    assert [(m["at"], m["who"], m["name"], m["text"], m["before"]) for m in got["messages"]] == [
        ("2026-11-03 10:00:00", "buyer", "b1", "在吗, 这款有货吗", "order"),
        ("2026-11-03 10:01:00", "agent", "小一", "在的, 有货", "order"),
        ("2026-11-03 10:50:00", "buyer", "b1", "帮我改下地址", "payment"),
        ("2026-11-03 10:51:00", "agent", "小二", "好的, 已改", "payment"),
    ]  # fmt: skip
    assert "+00:00" not in str(got)


def test_a_spanning_session_and_a_silent_order(clients: dict[str, TestClient]) -> None:
    o2 = clients["boss"].get("/api/v1/credit/orders/O2/chat?month=2026-11").json()
    assert (o2["decision"], o2["credited_name"], o2["assists"]) == ("落实下单", "小二", {})
    assert o2["steps"][0]["reason"] == "下单时 小二 正在接待该买家 (会话结束于 2026-11-03 11:04:00)"
    assert o2["steps"][0]["reason_en"] == "小二 was serving the buyer at the time of the order (the session ended 2026-11-03 11:04:00)"
    assert [(m["text"], m["before"]) for m in o2["messages"]] == [("能便宜点吗", "order"), ("今天有券", "payment")]
    o3 = clients["boss"].get("/api/v1/credit/orders/O3/chat").json()
    assert (o3["decision"], o3["credited_agent"], o3["sale_fen"], o3["messages"]) == ("静默", "", 0, [])
    assert [(s["agent"], s["reason"]) for s in o3["steps"]] == [
        ("", "下单前 48 小时内没有客服接待过该买家: 静默"), ("", "尚未付款")]


def test_an_agent_opens_only_their_own_orders_chats(clients: dict[str, TestClient]) -> None:
    """Given O1 placed with a1 and paid with a2, O2 a2's, O3 silent: a1 opens O1 only, a2 opens O1 and O2."""
    a1, a2, boss = clients["agent1"], clients["agent2"], clients["boss"]
    assert a1.get("/api/v1/credit/orders/O1/chat").status_code == 200
    refused = a1.get("/api/v1/credit/orders/O2/chat")
    assert (refused.status_code, refused.json()["code"]) == (403, "FORBIDDEN")
    assert a1.get("/api/v1/credit/orders/O3/chat").status_code == 403  # silent: nobody's order
    assert [a2.get(f"/api/v1/credit/orders/{o}/chat").status_code for o in ("O1", "O2", "O3")] == [200, 200, 403]
    assert boss.get("/api/v1/credit/orders/NOPE/chat").status_code == 404
    assert boss.get("/api/v1/credit/orders/O1/chat?month=2026-10").status_code == 404  # not in October's credit
    assert boss.get("/api/v1/credit/orders/O1/chat?month=2026-1").status_code == 422
