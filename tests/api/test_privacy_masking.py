"""Hole 13 over HTTP: buyers' phones, ID numbers and addresses are masked by role everywhere
buyer text is shown; a supervisor may reveal one record, which is an audit event.

Agents and supervisors see ``138****1234`` and the address down to the district; admins
and integrations see the text whole; ``POST /privacy/reveal`` is for supervisors/admins.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kefu.api.app import create_app
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.live import actions
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.live import Event
from kefu.store.models.org import Agent, Shop
from support import role_clients

PASSWORD = "password-123"
SAID = "我的手机13812341234, 地址浙江省杭州市西湖区文三路90号3幢201室, 身份证11010519491231002X"
MASKED = "我的手机138****1234, 地址浙江省杭州市西湖区****, 身份证110***********002X"


@pytest.fixture
def clients(engine: Engine) -> dict[str, TestClient]:
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="店", settings={}))
        s.flush()
        s.add(Agent(id="a1", name="A1", shop_id="s1", skills=["售前"], capacity=3))
        s.flush()
        auth.create_user(s, "u-admin", PASSWORD, "admin")
        auth.create_user(s, "u-supervisor", PASSWORD, "supervisor")
        auth.create_user(s, "u-agent", PASSWORD, "agent", agent_id="a1")
        token = auth.create_token(s, "erp")
        actions.set_agent_status(s, "a1", "online")
    return role_clients(create_app(engine), token, PASSWORD)


def test_chat_text_in_the_workspace_is_masked_by_role(clients: dict[str, TestClient]) -> None:
    r = clients["integration"].post("/api/v1/conversations", json={"shop": "s1", "buyer": "b1", "text": SAID})
    assert (r.status_code, r.json()["agent"]) == (201, "a1")
    seen = {role: clients[role].get("/api/v1/agents/a1/workspace").json()["conversations"][0]["messages"][0]["text"]
            for role in ("agent", "supervisor", "admin", "integration")}  # fmt: skip
    assert seen == {"agent": MASKED, "supervisor": MASKED, "admin": SAID, "integration": SAID}


def test_tickets_logbooks_and_handovers_are_masked_and_a_supervisor_reveals_with_an_event(
    clients: dict[str, TestClient], engine: Engine
) -> None:
    agent, sup, admin = clients["agent"], clients["supervisor"], clients["admin"]
    r = agent.post("/api/v1/care/tickets", json={"shop_id": "s1", "buyer": "b1", "category": "物流", "summary": SAID})
    tid = r.json()["id"]
    assert agent.post(f"/api/v1/care/tickets/{tid}/respond", json={"text": "已回电 0571-88886666"}).status_code == 200
    for c in (agent, sup):
        (ticket,) = c.get("/api/v1/care/tickets").json()
        assert ticket["summary"] == MASKED
        assert ticket["notes"][0]["text"] == "已回电 0571-****66"
        assert c.get(f"/api/v1/care/tickets/{tid}").json()["summary"] == MASKED
    assert admin.get(f"/api/v1/care/tickets/{tid}").json()["summary"] == SAID

    r = agent.post("/api/v1/care/logbook", json={"shop_id": "s1", "book": "issues", "kind": "problem",
                                                 "text": "买家 zhang.san@qq.com 投诉", "day": "2026-11-20"})  # fmt: skip
    entry = r.json()["id"]
    q = "shop_id=s1&book=issues&start=2026-11-16&end=2026-11-22"
    assert [e["text"] for e in sup.get(f"/api/v1/care/logbook?{q}").json()] == ["买家 z***@qq.com 投诉"]
    assert [e["text"] for e in admin.get(f"/api/v1/care/logbook?{q}").json()] == ["买家 zhang.san@qq.com 投诉"]
    weekly = sup.get("/api/v1/care/logbook/weekly?shop_id=s1&day=2026-11-20").json()
    assert "zhang.san" not in str(weekly) and "z***@qq.com" in str(weekly)

    # reveal: supervisors and admins only, each reveal an event row naming who and what
    assert agent.post("/api/v1/privacy/reveal", json={"subject": f"ticket:{tid}"}).status_code == 403
    r = sup.post("/api/v1/privacy/reveal", json={"subject": f"ticket:{tid}"})
    assert r.status_code == 200, r.text
    assert r.json() == {"subject": f"ticket:{tid}", "texts": [{"field": "summary", "text": SAID},
                                                              {"field": "note:0", "text": "已回电 0571-88886666"}]}
    assert sup.post("/api/v1/privacy/reveal", json={"subject": f"logbook:{entry}"}).json()["texts"] == [
        {"field": "text", "text": "买家 zhang.san@qq.com 投诉"}]
    assert sup.post("/api/v1/privacy/reveal", json={"subject": "ticket:999"}).status_code == 404
    r = sup.post("/api/v1/privacy/reveal", json={"subject": "users:1"})
    assert (r.status_code, r.json()["code"]) == (400, "BAD_ARGUMENT")
    with session_factory(engine)() as s:
        events = [(e.actor, e.subject, e.shop_id) for e in s.scalars(
            select(Event).where(Event.kind == "privacy.revealed").order_by(Event.id))]
    assert events == [("u-supervisor", f"ticket:{tid}", "s1"), ("u-supervisor", f"logbook:{entry}", "s1")]


def test_handover_notes_are_masked_for_the_agent(clients: dict[str, TestClient]) -> None:
    agent = clients["agent"]
    with_a2 = clients["admin"].post("/api/v1/agents", json={"id": "a2", "name": "A2", "skills": ["售前"], "capacity": 3,
                                                                "shop": "s1"})
    assert with_a2.status_code == 201, with_a2.text
    r = agent.post("/api/v1/agents/a1/handover", json={
        "to": ["a2"], "note": "b1 要改地址到北京市朝阳区建国路1号, 电话13812341234",
        "followups": [{"buyer": "b1", "note": "回电 13812341234"}]})
    assert r.status_code == 200, r.text
    (book,) = agent.get("/api/v1/live/handovers").json()
    assert book["note"] == "b1 要改地址到北京市朝阳区****, 电话138****1234"
    assert book["items"] == [{"kind": "followup", "id": "b1", "buyer": "b1", "note": "回电 138****1234"}]
    (whole,) = clients["admin"].get("/api/v1/live/handovers").json()
    assert whole["note"] == "b1 要改地址到北京市朝阳区建国路1号, 电话13812341234"
    day = datetime.fromisoformat(whole["at"]).astimezone(SHOP_TZ).date().isoformat()  # the shop's day, not UTC's
    log = clients["supervisor"].get(f"/api/v1/care/handover-log?shop_id=s1&day={day}").json()
    assert [h["note"] for h in log["handovers"]] == ["b1 要改地址到北京市朝阳区****, 电话138****1234"]
