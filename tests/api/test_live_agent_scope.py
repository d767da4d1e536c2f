"""Agents act only on their own conversations; floor-wide live views are for managers and integrations."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from test_permissions import clients  # noqa: F401  (fixture: one logged-in client per role)

from kefu.store.db import session_factory
from kefu.store.models.org import Agent


@pytest.fixture
def chats(clients: dict[str, TestClient], engine: Engine) -> dict[str, int]:  # noqa: F811
    """Two online 售前 agents; a1 holds one conversation, a2 another."""
    with session_factory(engine)() as session, session.begin():
        session.execute(update(Agent).values(skills=["售前"], capacity=3))
    api = clients["integration"]
    for agent in ("a1", "a2"):
        api.post(f"/api/v1/agents/{agent}/status", json={"status": "online"}).raise_for_status()
    first = api.post("/api/v1/conversations", json={"shop": "s1", "buyer": "b1"}).json()
    second = api.post("/api/v1/conversations", json={"shop": "s1", "buyer": "b2"}).json()
    by_agent = {first["agent"]: first["id"], second["agent"]: second["id"]}
    assert set(by_agent) == {"a1", "a2"}  # least load spreads the two chats
    return by_agent


def test_agent_reads_and_answers_only_its_own_chat(clients: dict[str, TestClient], chats: dict[str, int]) -> None:  # noqa: F811
    agent = clients["agent"]  # logged in as a1
    own, other = chats["a1"], chats["a2"]
    assert agent.get(f"/api/v1/conversations/{own}").status_code == 200
    assert agent.post(f"/api/v1/conversations/{own}/messages", json={"direction": "out", "text": "亲, 在的"}).status_code == 201
    for method, path, body in [
        ("get", f"/api/v1/conversations/{other}", None),
        ("post", f"/api/v1/conversations/{other}/messages", {"direction": "out", "text": "x"}),
        ("post", f"/api/v1/conversations/{other}/close", None),
        ("post", f"/api/v1/conversations/{other}/transfer", {"to_agent": "a1"}),
        ("post", f"/api/v1/conversations/{own}/messages", {"direction": "in", "text": "pretending to be the buyer"}),
        ("post", f"/api/v1/conversations/{own}/messages", {"direction": "out", "text": "x", "agent": "a2"}),
        ("get", "/api/v1/live/queue", None),
        ("get", "/api/v1/live/monitor", None),
        ("post", "/api/v1/live/sweep", None),
        ("post", f"/api/v1/conversations/{own}/human", None),
    ]:
        response = getattr(agent, method)(path, **({"json": body} if body is not None else {}))
        assert (path, response.status_code, response.json()["code"]) == (path, 403, "FORBIDDEN")
    assert clients["integration"].get(f"/api/v1/conversations/{other}").json()["status"] == "assigned"


def test_managers_and_integrations_see_the_floor(clients: dict[str, TestClient], chats: dict[str, int]) -> None:  # noqa: F811
    for role in ("supervisor", "admin", "integration"):
        assert clients[role].get("/api/v1/live/monitor").status_code == 200
        assert clients[role].get("/api/v1/live/queue").status_code == 200
        assert clients[role].get(f"/api/v1/conversations/{chats['a2']}").status_code == 200
