"""The integration API contract of spec/live.md, exercised over HTTP (TestClient)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kefu.api.app import create_app
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.live import Event, PresenceInterval


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with session_factory(engine)() as s, s.begin():
        token = auth.create_token(s, "test")
    with TestClient(create_app(engine)) as c:
        c.headers["Authorization"] = f"Bearer {token}"
        yield c


def _agent(client: TestClient, agent_id: str, capacity: int = 2, skills: list[str] | None = None) -> None:
    r = client.post("/api/v1/agents", json={"id": agent_id, "name": agent_id, "skills": skills or ["售前"],
                                            "capacity": capacity})
    assert r.status_code == 201, r.text
    assert client.post(f"/api/v1/agents/{agent_id}/status", json={"status": "online"}).status_code == 200


def test_contract_round_trip(client: TestClient, engine: Engine) -> None:
    r = client.post("/api/v1/agents", json={"id": "a1", "name": "小美", "skills": ["售前", "售后"], "capacity": 1})
    assert r.status_code == 201
    assert r.json() == {"id": "a1", "status": "offline", "load": 0, "capacity": 1, "skills": ["售前", "售后"]}
    r = client.post("/api/v1/conversations", json={"shop": "s1", "buyer": "b1", "group": "售前"})
    assert r.status_code == 201
    first = r.json()
    assert first["agent"] is None and first["status"] == "queued"
    r = client.post("/api/v1/agents/a1/status", json={"status": "online"})
    assert r.status_code == 200 and r.json()["load"] == 1
    assert client.get(f"/api/v1/conversations/{first['id']}").json() == {
        "id": first["id"], "agent": "a1", "status": "assigned", "group": "售前", "shop": "s1", "buyer": "b1"}
    second = client.post("/api/v1/conversations", json={"shop": "s1", "buyer": "b2"}).json()
    assert second == {"id": second["id"], "agent": None, "status": "queued"}
    r = client.post(f"/api/v1/conversations/{first['id']}/messages", json={"direction": "in", "text": "在吗"})
    assert r.status_code == 201
    r = client.post(f"/api/v1/conversations/{first['id']}/messages",
                    json={"direction": "out", "text": "在的", "ts": "2026-11-22T10:00:00+08:00"})
    assert r.status_code == 201 and r.json()["ts"] == "2026-11-22T02:00:00+00:00"
    r = client.post(f"/api/v1/conversations/{first['id']}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    # the freed capacity went to the oldest queued conversation
    assert client.get(f"/api/v1/conversations/{second['id']}").json()["agent"] == "a1"
    assert client.get("/api/v1/agents/a1").json() == {
        "id": "a1", "status": "online", "load": 1, "capacity": 1, "skills": ["售前", "售后"]}
    with session_factory(engine)() as s:
        kinds = [k for (k,) in s.execute(select(Event.kind).order_by(Event.id))]
        assert kinds == ["agent.registered", "conversation.queued", "agent.status", "conversation.assigned",
                         "conversation.queued", "conversation.closed", "conversation.assigned"]
        assert s.scalar(select(func.count()).select_from(PresenceInterval)) == 1


def test_bad_input_is_4xx_with_code(client: TestClient) -> None:
    _agent(client, "a1", capacity=1)
    cid = client.post("/api/v1/conversations", json={"shop": "s", "buyer": "b"}).json()["id"]
    cases = [
        (client.get("/api/v1/agents/nobody"), 404, "AGENT_UNKNOWN"),
        (client.post("/api/v1/agents/nobody/status", json={"status": "online"}), 404, "AGENT_UNKNOWN"),
        (client.post("/api/v1/agents/a1/status", json={"status": "asleep"}), 400, "BAD_ARGUMENT"),
        (client.post("/api/v1/agents/a1/status", json={"status": "offline"}), 409, "AGENT_HAS_OPEN_CONVERSATIONS"),
        (client.post("/api/v1/agents", json={"id": "a1", "skills": ["售前"], "capacity": 1}), 409, "CONFLICT"),
        (client.post("/api/v1/agents", json={"id": "a2", "skills": [], "capacity": 1}), 422, "BAD_REQUEST"),
        (client.post("/api/v1/agents", json={"id": "a2", "skills": ["售前"], "capacity": 0}), 422, "BAD_REQUEST"),
        (client.get("/api/v1/conversations/999999"), 404, "CONVERSATION_UNKNOWN"),
        (client.get("/api/v1/conversations/99999999999999999999999"), 422, "BAD_REQUEST"),
        (client.get("/api/v1/conversations/abc"), 422, "BAD_REQUEST"),
        (client.post("/api/v1/conversations", content=b"{not json", headers={"content-type": "application/json"}),
         422, "BAD_REQUEST"),
        (client.post("/api/v1/conversations", json=["shop"]), 422, "BAD_REQUEST"),
        (client.post("/api/v1/conversations", json={"shop": "s", "buyer": "x" * 129}), 422, "BAD_REQUEST"),
        (client.post("/api/v1/conversations", json={"shop": "s", "buyer": "b\x00"}), 422, "BAD_REQUEST"),
        (client.post(f"/api/v1/conversations/{cid}/messages", json={"direction": "up", "text": "x"}), 400,
         "BAD_ARGUMENT"),
        (client.post(f"/api/v1/conversations/{cid}/messages", json={"direction": "in", "text": "x", "ts": "soon"}),
         400, "BAD_ARGUMENT"),
        (client.post(f"/api/v1/conversations/{cid}/transfer", json={"to_agent": "ghost"}), 404, "AGENT_UNKNOWN"),
        (client.post(f"/api/v1/conversations/{cid}/transfer", json={}), 400, "BAD_ARGUMENT"),
    ]
    for response, code, error in cases:
        assert response.status_code == code, (response.request.url, response.text)
        assert response.json()["code"] == error
        assert response.json()["message"]
    assert client.post(f"/api/v1/conversations/{cid}/close").status_code == 200
    for r in (client.post(f"/api/v1/conversations/{cid}/close"),
              client.post(f"/api/v1/conversations/{cid}/messages", json={"direction": "in", "text": "x"})):
        assert r.status_code == 409 and r.json()["code"] == "CONVERSATION_CLOSED"


def test_auth_required(client: TestClient) -> None:
    for header in ("", "Bearer wrong"):
        r = client.get("/api/v1/agents/a1", headers={"Authorization": header})
        assert r.status_code == 401 and r.json()["code"] == "UNAUTHORIZED"


def test_transfer_and_capacity(client: TestClient) -> None:
    _agent(client, "a1", capacity=1)
    _agent(client, "a2", capacity=1)
    c1 = client.post("/api/v1/conversations", json={"shop": "s", "buyer": "b1"}).json()
    c2 = client.post("/api/v1/conversations", json={"shop": "s", "buyer": "b2"}).json()
    assert {c1["agent"], c2["agent"]} == {"a1", "a2"}
    other = "a2" if c1["agent"] == "a1" else "a1"
    r = client.post(f"/api/v1/conversations/{c1['id']}/transfer", json={"to_agent": other})
    assert r.status_code == 409 and r.json()["code"] == "AGENT_AT_CAPACITY"
    client.post(f"/api/v1/conversations/{c2['id']}/close")
    r = client.post(f"/api/v1/conversations/{c1['id']}/transfer", json={"to_agent": other, "note": "退款问题"})
    assert r.status_code == 200 and r.json()["agent"] == other
    assert client.get(f"/api/v1/agents/{c1['agent']}").json()["load"] == 0
    assert client.get(f"/api/v1/agents/{other}").json()["load"] == 1


def test_handover_route_and_book(client: TestClient) -> None:
    _agent(client, "day", capacity=2)
    cid = client.post("/api/v1/conversations", json={"shop": "s", "buyer": "b"}).json()["id"]
    _agent(client, "night", capacity=2)
    r = client.post("/api/v1/agents/day/handover", json={"to": ["night"], "note": "b 要发票"})
    assert r.status_code == 200 and r.json()["moved"]["night"][0]["id"] == str(cid)
    assert client.get("/api/v1/agents/day").json()["status"] == "offline"
    assert client.get(f"/api/v1/conversations/{cid}").json()["agent"] == "night"
    book = client.get("/api/v1/live/handovers", params={"agent": "night"}).json()
    assert [(h["from"], h["to"], h["note"]) for h in book] == [("day", "night", "b 要发票")]
    r = client.post("/api/v1/agents/ghost/handover", json={})
    assert r.status_code == 404 and r.json()["code"] == "AGENT_UNKNOWN"
