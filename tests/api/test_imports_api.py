"""Imports API: every upload route runs the one importer (kefu.service.imports.actions), typed answers,
one event row per stored file and none for a refused one, aliases, managers only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kefu.api.app import create_app
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.live import Event
from kefu.store.models.org import Shop

BASE = "http://testserver"
PW = "password-123"
FIX = Path(__file__).parents[1] / "io" / "fixtures"
ORDERS = "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,店铺名称\nN1,b9,1.00,交易成功,2026-11-04 10:00:00,旗舰店\n"


@pytest.fixture
def clients(engine: Engine) -> Iterator[dict[str, TestClient]]:
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="示例旗舰店"))
        auth.create_user(s, "boss", PW, "supervisor")
        auth.create_user(s, "agent1", PW, "agent")
    app = create_app(engine)
    out = {}
    for name in ("boss", "agent1"):
        client = TestClient(app, base_url=BASE, headers={"Origin": BASE})
        assert client.post("/api/v1/auth/login", json={"username": name, "password": PW}).status_code == 200
        out[name] = client
    yield out


def _events(engine: Engine) -> list[tuple[str, str | None, str, dict[str, object]]]:
    with session_factory(engine)() as s:
        rows = s.scalars(select(Event).where(Event.kind.like("%.imported")).order_by(Event.id))
        return [(e.kind, e.shop_id, e.subject, dict(e.data)) for e in rows]


def test_aliases_then_orders_through_both_routes(clients: dict[str, TestClient], engine: Engine) -> None:
    boss = clients["boss"]
    assert boss.put("/api/v1/imports/aliases/s1", json={"aliases": [" 旗舰店 ", "旗舰店"]}).json() == {
        "shop": "s1", "aliases": ["旗舰店"]}  # fmt: skip
    assert boss.get("/api/v1/imports/aliases/s1").json() == {"shop": "s1", "aliases": ["旗舰店"]}
    assert boss.get("/api/v1/imports/aliases/nope").status_code == 404
    r = boss.post("/api/v1/imports/orders", files={"file": ("o.csv", ORDERS.encode("gbk"))})
    assert r.status_code == 200, r.text
    assert r.json() == {"file": "o.csv", "layout": "taobao-2017", "rows": 1, "inserted": 1, "updated": 0,
                        "unchanged": 0, "rejected": [], "rejected_total": 0, "linked": 0, "unlinked": []}  # fmt: skip
    again = boss.post("/api/v1/credit/import/orders", files={"file": ("o.csv", ORDERS.encode("gbk"))})
    assert again.status_code == 200, again.text
    assert (again.json()["layout"], again.json()["inserted"], again.json()["unchanged"]) == ("taobao-2017", 0, 1)
    counts = {"file": "o.csv", "layout": "taobao-2017", "rows": 1, "updated": 0, "rejected": 0, "linked": 0,
              "unlinked": 0}  # fmt: skip
    assert _events(engine) == [
        ("orders.imported", "s1", "file:o.csv", counts | {"inserted": 1, "unchanged": 0}),
        ("orders.imported", "s1", "file:o.csv", counts | {"inserted": 0, "unchanged": 1}),
    ]


def test_a_refused_file_stores_nothing_and_writes_no_event(clients: dict[str, TestClient], engine: Engine) -> None:
    bad = ORDERS.replace("1.00", "-1.00")
    for url in ("/api/v1/imports/orders", "/api/v1/credit/import/orders"):
        r = clients["boss"].post(url, files={"file": ("o.csv", bad.encode("gbk"))})
        assert r.status_code == 422
        assert (r.json()["code"], r.json()["rows"][0]["reason_en"]) == ("IMPORT_BAD_ROW", "negative amount")
    assert _events(engine) == []


def test_chats_and_calls(clients: dict[str, TestClient], engine: Engine) -> None:
    boss = clients["boss"]
    log = (FIX / "qianniu-text" / "千牛聊天记录_小美_20261103.txt").read_bytes()
    r = boss.post("/api/v1/imports/chats?format=qianniu-text&shop=s1", files={"file": ("log.txt", log)})
    assert r.status_code == 200, r.text
    assert (r.json()["layout"], r.json()["inserted"]) == ("qianniu-text", 7)
    cdr = (FIX / "cdr" / "通话记录.csv").read_bytes()
    assert boss.post("/api/v1/imports/calls", files={"file": ("cdr.csv", cdr)}).status_code == 400
    r = boss.post("/api/v1/imports/calls?shop=s1", files={"file": ("cdr.csv", cdr)})
    assert r.status_code == 200, r.text
    assert (r.json()["layout"], r.json()["rows"], r.json()["inserted"]) == ("cdr", 5, 5)
    assert [(k, shop, d["inserted"]) for k, shop, _, d in _events(engine)] == [
        ("chats.imported", "s1", 7), ("calls.imported", "s1", 5)]  # fmt: skip


def test_managers_only(clients: dict[str, TestClient]) -> None:
    agent = clients["agent1"]
    for url in ("/api/v1/imports/orders", "/api/v1/imports/chats", "/api/v1/imports/calls",
                "/api/v1/credit/import/chats"):  # fmt: skip
        assert agent.post(url, files={"file": ("o.csv", b"x")}).status_code == 403
    assert agent.get("/api/v1/imports/aliases/s1").status_code == 403
    assert agent.put("/api/v1/imports/aliases/s1", json={"aliases": []}).status_code == 403
