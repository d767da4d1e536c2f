"""Credit API: agents see only their own figures; managers recompute and import; bad files are 422."""

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


def _t(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh - 8, mm, tzinfo=UTC)


@pytest.fixture
def clients(engine: Engine) -> Iterator[dict[str, TestClient]]:
    with session_factory(engine)() as s, s.begin():
        s.add_all([Agent(id="a1", name="A1"), Agent(id="a2", name="A2")])
        s.flush()
        for buyer, agent in (("b1", "a1"), ("b2", "a2")):
            s.add(Message(shop_id="s1", buyer=buyer, agent_id=agent, ts=_t(3, 10), direction="in"))
            s.add(Message(shop_id="s1", buyer=buyer, agent_id=agent, ts=_t(3, 10, 1), direction="out"))
        s.add(Order(id="O1", shop_id="s1", buyer="b1", created_at=_t(3, 10, 30), paid_at=_t(3, 10, 40),
                    amount_fen=9900, status="交易成功"))  # fmt: skip
        s.add(Order(id="O2", shop_id="s1", buyer="b2", created_at=_t(3, 11), paid_at=_t(3, 11, 5),
                    amount_fen=5000, status="交易成功"))  # fmt: skip
        auth.create_user(s, "boss", PW, "supervisor")
        auth.create_user(s, "agent1", PW, "agent", agent_id="a1")
    app = create_app(engine)
    out = {}
    for name in ("boss", "agent1"):
        client = TestClient(app, base_url=BASE, headers={"Origin": BASE})
        assert client.post("/api/v1/auth/login", json={"username": name, "password": PW}).status_code == 200
        out[name] = client
    yield out


def test_leaderboard_is_scoped(clients: dict[str, TestClient]) -> None:
    boss = clients["boss"].get("/api/v1/credit/leaderboard?month=2026-11").json()
    assert [(a["agent"], a["sales_fen"]) for a in boss["agents"]] == [("a1", 9900), ("a2", 5000)]
    mine = clients["agent1"].get("/api/v1/credit/leaderboard?month=2026-11").json()
    assert [a["agent"] for a in mine["agents"]] == ["a1"]
    assert mine["shop_days"] == []


def test_performance_is_scoped(clients: dict[str, TestClient]) -> None:
    boss = clients["boss"].get("/api/v1/credit/performance?month=2026-11&agent=a2").json()
    assert (boss["scope"], boss["paid_fen"], boss["credited_fen"], boss["silent_share_pct"]) == ("shop", 14900, 14900, 0.0)
    assert [(a["agent"], a["name"], a["sales_fen"]) for a in boss["agents"]] == [("a1", "A1", 9900), ("a2", "A2", 5000)]
    assert [(d["day"], d["paid_fen"]) for d in boss["days"]] == [("2026-11-03", 14900)]
    assert [(o["order_id"], o["payment_session_end"]) for o in boss["orders"]] == [("O2", "2026-11-03 10:01")]
    mine = clients["agent1"].get("/api/v1/credit/performance?month=2026-11&agent=a2").json()
    assert (mine["scope"], mine["agent"], mine["paid_fen"], mine["silent_share_pct"], mine["days"]) == (
        "agent", "a1", 9900, None, [])
    assert [a["agent"] for a in mine["agents"]] == ["a1"] and [o["order_id"] for o in mine["orders"]] == ["O1"]
    assert clients["boss"].get("/api/v1/credit/performance?month=2026-1").status_code == 422


def test_agent_pages_only_own(clients: dict[str, TestClient]) -> None:
    own = clients["agent1"].get("/api/v1/credit/agents/a1/orders?month=2026-11")
    assert own.status_code == 200
    assert [o["order_id"] for o in own.json()["orders"]] == ["O1"]
    assert clients["agent1"].get("/api/v1/credit/agents/a2/days?month=2026-11").status_code == 403
    assert clients["agent1"].get("/api/v1/credit/orders/O2?month=2026-11").status_code == 403
    order = clients["boss"].get("/api/v1/credit/orders/O2?month=2026-11").json()
    assert (order["order_agent"], order["credited_agent"], order["silent"]) == ("a2", "a2", 0)
    assert clients["boss"].get("/api/v1/credit/orders/NOPE?month=2026-11").status_code == 404


def test_pay_and_managers_only_routes(clients: dict[str, TestClient]) -> None:
    slips = clients["agent1"].get("/api/v1/credit/pay?month=2026-11").json()["payslips"]
    assert [s["agent"] for s in slips] == ["a1"]
    assert slips[0]["lines"][2] == {
        "kind": "commission",
        "label": "销售提成",
        "amount_fen": 50,
        "evidence": ["order:O1"],
    }
    assert clients["agent1"].post("/api/v1/credit/run?month=2026-11").status_code == 403
    ran = clients["boss"].post("/api/v1/credit/run?month=2026-11").json()
    assert ran == {"month": "2026-11", "orders": 2, "credited": 2, "silent": 0}
    assert clients["boss"].get("/api/v1/credit/leaderboard?month=2026-13").status_code in (400, 422)


def test_upload_orders(clients: dict[str, TestClient]) -> None:
    good = "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,店铺名称\nN1,b9,1.00,交易成功,2026-11-04 10:00:00,s1\n"
    r = clients["boss"].post("/api/v1/imports/orders", files={"file": ("o.csv", good.encode("gbk"))})
    assert r.status_code == 200, r.text
    assert (r.json()["inserted"], r.json()["rejected"]) == (1, [])
    bad = good.replace("1.00", "-1.00")
    r = clients["boss"].post("/api/v1/imports/orders", files={"file": ("o.csv", bad.encode("gbk"))})
    assert r.status_code == 422
    assert r.json()["code"] == "IMPORT_BAD_ROW"
    assert r.json()["rows"][0]["reason_en"] == "negative amount"
    assert (
        clients["agent1"].post("/api/v1/imports/orders", files={"file": ("o.csv", b"x")}).status_code
        == 403
    )


def test_claim_convention_and_grading_suggestion_routes(clients: dict[str, TestClient], engine: Engine) -> None:
    """Managers set how the shop writes claims and read a suggestion; agents may do neither; bad input is 4xx."""
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="店一"))
    boss, agent = clients["boss"], clients["agent1"]
    assert boss.get("/api/v1/credit/claims/convention/s1").json() == {"shop": "s1", "prefix": "", "flag": ""}
    r = boss.put("/api/v1/credit/claims/convention/s1", json={"prefix": "认领:", "flag": "red"})
    assert (r.status_code, r.json()) == (200, {"shop": "s1", "prefix": "认领:", "flag": "red"})
    assert boss.get("/api/v1/credit/claims/convention/s1").json()["prefix"] == "认领:"
    bad = boss.put("/api/v1/credit/claims/convention/s1", json={"prefix": "认领:", "flag": "pink"})
    assert (bad.status_code, bad.json()["code"]) == (400, "BAD_ARGUMENT")
    assert boss.put("/api/v1/credit/claims/convention/s9", json={"prefix": "x"}).status_code == 404
    assert boss.put("/api/v1/credit/claims/convention/s1", json={"prefix": "x" * 33}).status_code == 422
    assert agent.put("/api/v1/credit/claims/convention/s1", json={"prefix": ""}).status_code == 403
    assert boss.get("/api/v1/credit/claims/convention/s1").json()["flag"] == "red"  # the refused saves stored nothing
    got = boss.get("/api/v1/rules/kpi/standard/suggestion?month=2026-11").json()
    assert (got["graded"], got["counts"]) == (2, {"优秀": 0, "良好": 1, "合格": 1, "不合格": 0})
    assert boss.get("/api/v1/rules/kpi/standard/suggestion?month=2026-1").status_code == 422
    assert agent.get("/api/v1/rules/kpi/standard/suggestion?month=2026-11").status_code == 403
