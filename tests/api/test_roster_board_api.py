"""The roster page's reads and controls over HTTP: the board, an agent's contract, fairness versions;
managers only, bilingual refusals that store nothing."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.plan.roster.types import Assignment
from kefu.service.org import actions as org
from kefu.service.plan.roster import save_roster
from kefu.store.db import session_factory
from kefu.store.models.org import Agent, Shop
from kefu.store.models.plan import ShiftTemplate
from support import signed_in

BASE = "http://testserver"
PASSWORD = "password-123"


@pytest.fixture
def clients(engine: Engine) -> dict[str, TestClient]:
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="小店", settings={}))
        s.flush()
        s.add_all([Agent(id="a1", name="A1", shop_id="s1", skills=["售前"]),
                   ShiftTemplate(shop_id="s1", code="白", start="09:00", end="17:00")])
        s.flush()
        save_roster(s, "s1", date(2027, 2, 1), {"a1": [Assignment("白", "售前"), None]})
        org.create_user(s, "u-supervisor", PASSWORD, "supervisor")
        org.create_user(s, "u-agent", PASSWORD, "agent", agent_id="a1")
    return signed_in(create_app(engine), PASSWORD)


def test_board_contract_and_fairness(clients: dict[str, TestClient]) -> None:
    sup, agent = clients["supervisor"], clients["agent"]
    r = sup.get("/api/v1/roster/board", params={"shop": "s1", "month": "2027-02"})
    assert r.status_code == 200
    body = r.json()
    assert (body["days"], body["rows"][0]["cells"][:3], body["marks"][0]["weekday"]) == (28, ["白", "", ""], "一")
    assert sup.get("/api/v1/roster/board", params={"shop": "s9", "month": "2027-02"}).status_code == 404
    assert agent.get("/api/v1/roster/board", params={"shop": "s1", "month": "2027-02"}).status_code == 403

    bad = sup.put("/api/v1/roster/contracts/a1", params={"shop": "s1"}, json={"min_days": 20, "max_days": 10})
    assert bad.status_code == 400 and "min_days" in bad.json()["message_en"]
    ok = sup.put("/api/v1/roster/contracts/a1", params={"shop": "s1"}, json={"min_days": 10, "max_days": 20})
    assert ok.status_code == 200 and (ok.json()["min_days"], ok.json()["full_time"]) == (10, False)
    board = sup.get("/api/v1/roster/board", params={"shop": "s1", "month": "2027-02"}).json()
    assert board["totals"][0]["owed_days"] == "10–20"

    assert sup.get("/api/v1/roster/fairness/s1").json()["version"] == 0
    refused = sup.put("/api/v1/roster/fairness/s1", json={"rotation": "daily"})
    assert refused.status_code == 422 and sup.get("/api/v1/roster/fairness/s1").json()["version"] == 0
    saved = sup.put("/api/v1/roster/fairness/s1", json={"nights": 1, "rotation": "free"}).json()
    assert (saved["version"], saved["saved_by"], saved["nights"], saved["rotation"]) == (1, "u-supervisor", 1, "free")
