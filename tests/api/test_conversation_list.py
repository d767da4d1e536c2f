"""``GET /api/v1/conversations`` (issue 20, item 11): filters, paging and one defined order on every database.

Scope (an agent lists only their own) is tests/api/test_scope.py's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.live import Conversation
from kefu.store.models.org import Agent, Shop

BASE = "http://testserver"
T0 = datetime(2026, 11, 18, 10, tzinfo=SHOP_TZ)


@pytest.fixture
def sup(engine: Engine) -> Iterator[TestClient]:
    with session_factory(engine)() as s, s.begin():
        s.add_all([Shop(id="s1", name="一店"), Shop(id="s2", name="二店")])
        s.flush()
        s.add_all([Agent(id="a1", name="a1", shop_id="s1"), Agent(id="a2", name="a2", shop_id="s2")])
        s.flush()
        # two chats opened at the same instant: the id breaks the tie the same way on SQLite and PostgreSQL
        for i, (shop, agent, status, minutes) in enumerate((
                ("s1", "a1", "closed", 0), ("s1", "a1", "assigned", 30), ("s2", "a2", "assigned", 30),
                ("s1", None, "queued", 90), ("s2", "a2", "closed", 24 * 60))):
            s.add(Conversation(shop_id=shop, buyer=f"b{i}", agent_id=agent, status=status,
                               opened_at=T0 + timedelta(minutes=minutes)))
        auth.create_user(s, "boss", "password-123", "supervisor")
    client = TestClient(create_app(engine), base_url=BASE, headers={"Origin": BASE})
    assert client.post("/api/v1/auth/login", json={"username": "boss", "password": "password-123"}).status_code == 200
    yield client


def _buyers(client: TestClient, query: str = "") -> tuple[int, list[str]]:
    page = client.get(f"/api/v1/conversations{query}")
    assert page.status_code == 200, page.text
    return page.json()["total"], [c["buyer"] for c in page.json()["conversations"]]


def test_newest_first_ties_by_id_and_pages(sup: TestClient) -> None:
    assert _buyers(sup) == (5, ["b4", "b3", "b2", "b1", "b0"])
    assert _buyers(sup, "?limit=2&offset=1") == (5, ["b3", "b2"])
    assert _buyers(sup, "?offset=9") == (5, [])
    row = sup.get("/api/v1/conversations?limit=1&offset=4").json()["conversations"][0]
    assert row == {"id": row["id"], "agent": "a1", "status": "closed", "group": "售前", "shop": "s1", "buyer": "b0",
                   "channel": "web", "opened_at": "2026-11-18T10:00:00+08:00", "assigned_at": None, "closed_at": None}


def test_filters_by_shop_agent_status_and_time(sup: TestClient) -> None:
    assert _buyers(sup, "?shop=s2") == (2, ["b4", "b2"])
    assert _buyers(sup, "?agent=a1") == (2, ["b1", "b0"])
    assert _buyers(sup, "?status=assigned") == (2, ["b2", "b1"])
    # no offset = shop time; since inclusive, until exclusive
    assert _buyers(sup, "?since=2026-11-18T10:30:00&until=2026-11-18T11:30:00") == (2, ["b2", "b1"])
    assert _buyers(sup, "?since=2026-11-18T02:30:00%2B00:00&status=queued") == (1, ["b3"])


@pytest.mark.parametrize(("query", "code"), [
    ("?status=open", 422), ("?limit=0", 422), ("?limit=201", 422), ("?offset=-1", 422),
    ("?since=yesterday", 400), ("?since=2026-11-18T12:00:00&until=2026-11-18T11:00:00", 400)])
def test_bad_filters_are_refused_in_both_languages(sup: TestClient, query: str, code: int) -> None:
    response = sup.get(f"/api/v1/conversations{query}")
    assert response.status_code == code, response.text
    if code == 400:
        body = response.json()
        assert body["code"] == "BAD_ARGUMENT" and body["message"] != body["message_en"]
