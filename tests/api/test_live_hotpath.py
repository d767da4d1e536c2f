"""The integration hot path (kefu.api.integration): same answers as FastAPI, and only for what it fully recognises."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api import app as kefu_app
from kefu.api import integration
from kefu.service.org import actions as auth
from kefu.store.db import session_factory


def test_match_recognises_only_the_four_per_chat_calls() -> None:
    assert integration.match("POST", "/api/v1/conversations")[1] == []  # type: ignore[index]
    assert integration.match("GET", "/api/v1/conversations/42")[1] == [42]  # type: ignore[index]
    assert integration.match("POST", "/api/v1/conversations/42/messages")[1] == [42]  # type: ignore[index]
    assert integration.match("POST", "/api/v1/conversations/42/close")[1] == [42]  # type: ignore[index]
    assert integration.match("GET", "/api/v1/conversations") is None
    assert integration.match("POST", "/api/v1/conversations/42/transfer") is None
    assert integration.match("POST", "/api/v1/conversations/0/close") is None  # out of range: FastAPI words the 422
    assert integration.match("GET", "/api/v1/conversations/9223372036854775808") is None
    assert integration.match("GET", "/api/v1/conversations/x1") is None
    assert integration.match("DELETE", "/api/v1/conversations/1") is None


@pytest.fixture
def served(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, list[str]]]:
    """A client with a bearer token, and the list of calls the hot path answered itself."""
    if engine.dialect.name != "postgresql":
        pytest.skip("the hot path is installed for PostgreSQL only")
    seen: list[str] = []
    original = integration.LiveHotPath._run

    def spy(self: integration.LiveHotPath, route: Any, auth_header: str, args: list[Any]) -> tuple[int, dict[str, Any]]:
        seen.append(route.call.__name__)
        return original(self, route, auth_header, args)

    monkeypatch.setattr(integration.LiveHotPath, "_run", spy)
    with session_factory(engine)() as s, s.begin():
        token = auth.create_token(s, "hot")
    with TestClient(kefu_app.served(kefu_app.create_app(engine))) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        assert client.post("/api/v1/agents", json={"id": "h1", "name": "h1", "skills": ["售前"],
                                                   "capacity": 1}).status_code == 201
        assert client.post("/api/v1/agents/h1/status", json={"status": "online"}).status_code == 200
        yield client, seen


def test_a_chat_round_trip_is_served_by_the_hot_path(served: tuple[TestClient, list[str]]) -> None:
    client, seen = served
    r = client.post("/api/v1/conversations", json={"shop": "s1", "buyer": "b1", "group": "售前"})
    assert r.status_code == 201 and r.headers["content-type"] == "application/json"
    cid = r.json()["id"]
    assert r.json() == {"id": cid, "agent": "h1", "status": "assigned"}
    queued = client.post("/api/v1/conversations", json={"shop": "s1", "buyer": "b2", "group": "售前"}).json()
    assert queued == {"id": queued["id"], "agent": None, "status": "queued"}  # capacity 1: the second waits
    assert client.get(f"/api/v1/conversations/{cid}").json() == {
        "id": cid, "agent": "h1", "status": "assigned", "group": "售前", "shop": "s1", "buyer": "b1"}
    r = client.post(f"/api/v1/conversations/{cid}/messages",
                    json={"direction": "out", "text": "在的", "ts": "2026-11-22T10:00:00+08:00"})
    assert r.status_code == 201 and r.json()["ts"] == "2026-11-22T02:00:00+00:00"
    r = client.post(f"/api/v1/conversations/{cid}/close")
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert client.get(f"/api/v1/conversations/{queued['id']}").json()["agent"] == "h1"  # drained on close
    assert seen == ["open_hot", "open_hot", "read_hot", "message_hot", "close_hot", "read_hot"]


def test_errors_keep_the_framework_bodies(served: tuple[TestClient, list[str]]) -> None:
    client, seen = served
    r = client.post("/api/v1/conversations/999999/close")  # hot path: the service's KefuError
    assert r.status_code == 404 and r.json()["code"] == "CONVERSATION_UNKNOWN"
    cid = client.post("/api/v1/conversations", json={"shop": "s1", "buyer": "b1"}).json()["id"]
    assert client.post(f"/api/v1/conversations/{cid}/close").status_code == 200
    r = client.post(f"/api/v1/conversations/{cid}/messages", json={"direction": "in", "text": "还在吗"})
    assert r.status_code == 409 and r.json()["code"] == "CONVERSATION_CLOSED"
    assert seen == ["close_hot", "open_hot", "close_hot", "message_hot"]
    # not fully recognised: FastAPI answers, with its own 422 wording, and nothing is stored
    r = client.post("/api/v1/conversations", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["code"] == "BAD_REQUEST"
    r = client.post("/api/v1/conversations", json={"shop": "", "buyer": "b"})
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "body.shop"
    r = client.post("/api/v1/conversations/0/close")
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "path.conversation_id"
    assert seen == ["close_hot", "open_hot", "close_hot", "message_hot"]


def test_bad_token_is_refused_on_the_hot_path(served: tuple[TestClient, list[str]]) -> None:
    client, seen = served
    r = client.post("/api/v1/conversations", json={"shop": "s1", "buyer": "b1"},
                    headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401 and r.json()["code"] == "UNAUTHORIZED"
    assert seen == ["open_hot"]
    assert client.get("/api/v1/live/queue").json() == []  # nothing half-stored


def test_cookie_callers_go_through_fastapi(served: tuple[TestClient, list[str]]) -> None:
    client, seen = served
    r = client.post("/api/v1/conversations", json={"shop": "s1", "buyer": "b1"},
                    headers={"Cookie": "kefu_session=x", "Origin": "http://testserver"})
    assert r.status_code == 201  # the bearer token still authorises it, but FastAPI served the call
    assert seen == []
