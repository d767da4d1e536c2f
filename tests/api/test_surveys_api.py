"""Satisfaction surveys over HTTP (issue 15, hole 3): answers feed pay, so only the buyer answers.

The probe created and answered surveys as an agent (its own and others'), with
no limit per conversation. Now: the system creates one when a served chat
closes, a supervisor or integration may create one for a conversation or ticket
that has none (a second is 409), and only the buyer's signed link answers, once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kefu.api import app as kefu_app
from kefu.service.care import actions_tickets as tickets
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.care import Survey
from kefu.store.models.org import Agent, Shop

BASE = "http://testserver"
PASSWORD = "password-123"


@pytest.fixture
def clients(engine: Engine) -> Iterator[dict[str, TestClient]]:
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="小店"))
        s.flush()
        s.add_all([Agent(id="a1", name="A1", shop_id="s1", skills=["售前"], capacity=3),
                   Agent(id="a2", name="A2", shop_id="s1", skills=["售前"], capacity=3)])
        s.flush()
        auth.create_user(s, "u-agent", PASSWORD, "agent", agent_id="a1")
        auth.create_user(s, "u-sup", PASSWORD, "supervisor")
        token = auth.create_token(s, "erp")
    app = kefu_app.create_app(engine)
    out = {"buyer": TestClient(app, base_url=BASE)}
    for name in ("agent", "sup"):
        client = TestClient(app, base_url=BASE, headers={"Origin": BASE})
        assert client.post("/api/v1/auth/login", json={"username": f"u-{name}", "password": PASSWORD}).status_code == 200
        out[name] = client
    out["api"] = TestClient(app, base_url=BASE, headers={"Authorization": f"Bearer {token}"})
    yield out


def _served_and_closed(api: TestClient, buyer: str = "b1") -> int:
    api.post("/api/v1/agents/a1/status", json={"status": "online"}).raise_for_status()
    chat = api.post("/api/v1/conversations", json={"shop": "s1", "buyer": buyer, "group": "售前"}).json()
    assert chat["agent"] == "a1"
    api.post(f"/api/v1/conversations/{chat['id']}/close").raise_for_status()
    return int(chat["id"])


def test_agents_can_neither_create_nor_answer_surveys(clients: dict[str, TestClient]) -> None:
    agent, api = clients["agent"], clients["api"]
    cid = _served_and_closed(api)
    denied = agent.post("/api/v1/care/surveys", json={"conversation_id": cid})
    assert (denied.status_code, denied.json()["code"]) == (403, "FORBIDDEN")
    assert agent.get(f"/api/v1/care/surveys/link?conversation_id={cid}").status_code == 403
    assert agent.post("/api/v1/care/surveys/1/answer", json={"score": 5}).status_code == 404  # no answer by id
    for token, status, code in (("1", 403, "SURVEY_TOKEN_INVALID"), ("x" * 40, 403, "SURVEY_TOKEN_INVALID"),
                                ("", 422, "BAD_REQUEST")):
        r = agent.post("/api/v1/care/surveys/answer", json={"token": token, "score": 5})
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
    stats = clients["sup"].get("/api/v1/care/surveys/stats?start=2000-01-01&end=2099-12-31").json()
    assert (stats["sent"], stats["answered"]) == (1, 0)


def test_the_buyer_answers_once_with_the_link_of_the_closed_chat(clients: dict[str, TestClient], engine: Engine) -> None:
    api, buyer = clients["api"], clients["buyer"]
    cid = _served_and_closed(api)
    link = api.get(f"/api/v1/care/surveys/link?conversation_id={cid}").json()
    assert link["link"] == f"/survey?t={link['token']}"
    ok = buyer.post("/api/v1/care/surveys/answer", json={"token": link["token"], "score": "满意", "comment": "快"})
    assert (ok.status_code, ok.json()) == (200, {"answered": True, "score": 4, "level": "满意"})
    again = buyer.post("/api/v1/care/surveys/answer", json={"token": link["token"], "score": 1})
    assert (again.status_code, again.json()["code"]) == (409, "SURVEY_ALREADY_ANSWERED")
    forged = buyer.post("/api/v1/care/surveys/answer", json={"token": link["token"][:-2] + "xx", "score": 1})
    assert (forged.status_code, forged.json()["code"]) == (403, "SURVEY_TOKEN_INVALID")
    with session_factory(engine)() as s:
        rows = s.execute(select(Survey.conversation_id, Survey.agent_id, Survey.score, Survey.created_by)).all()
    assert [tuple(r) for r in rows] == [(cid, "a1", 4, "system")]


def test_one_survey_per_conversation_and_per_ticket(clients: dict[str, TestClient], engine: Engine) -> None:
    sup, api = clients["sup"], clients["api"]
    cid = _served_and_closed(api)
    twice = sup.post("/api/v1/care/surveys", json={"conversation_id": cid})
    assert (twice.status_code, twice.json()["code"]) == (409, "SURVEY_EXISTS")
    with session_factory(engine)() as s, s.begin():
        ticket = tickets.create_ticket(s, shop_id="s1", buyer="b9", category="质量", owner="a2")["id"]
    made = sup.post("/api/v1/care/surveys", json={"ticket_id": ticket})
    assert made.status_code == 201 and (made.json()["agent_id"], made.json()["created_by"]) == ("a2", "u-sup")
    assert sup.post("/api/v1/care/surveys", json={"ticket_id": ticket}).json()["code"] == "SURVEY_EXISTS"
    assert api.post("/api/v1/care/surveys", json={"conversation_id": 987654}).status_code == 404
    both = sup.post("/api/v1/care/surveys", json={"conversation_id": cid, "ticket_id": ticket})
    assert (both.status_code, both.json()["code"]) == (400, "BAD_ARGUMENT")
    ignored = sup.post("/api/v1/care/surveys", json={"ticket_id": ticket, "agent_id": "a1"})  # the agent is not chosen
    assert ignored.json()["code"] == "SURVEY_EXISTS"


def test_a_chat_closed_through_the_hot_path_also_gets_its_survey(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the hot path is installed for PostgreSQL only")
    with session_factory(engine)() as s, s.begin():
        token = auth.create_token(s, "hot")
    with TestClient(kefu_app.served(kefu_app.create_app(engine))) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        client.post("/api/v1/agents", json={"id": "h1", "name": "h1", "skills": ["售前"], "capacity": 1})
        client.post("/api/v1/agents/h1/status", json={"status": "online"}).raise_for_status()
        cid = client.post("/api/v1/conversations", json={"shop": "s1", "buyer": "b1", "group": "售前"}).json()["id"]
        assert client.post(f"/api/v1/conversations/{cid}/close").json()["status"] == "closed"
        assert client.get(f"/api/v1/care/surveys/link?conversation_id={cid}").status_code == 200
    with session_factory(engine)() as s:
        assert s.execute(select(Survey.conversation_id, Survey.agent_id)).all() == [(cid, "h1")]
