"""Rule editors over HTTP: follow-up rules and roster rules of a shop, KPI schemes — versions, events,
bilingual refusals that store nothing, managers only."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kefu.api.app import create_app
from kefu.domain.errors import KefuError
from kefu.service.duty import actions as duty
from kefu.service.org import actions as org
from kefu.service.plan import actions_rules as roster_rules
from kefu.service.plan import roster
from kefu.store.db import session_factory
from kefu.store.models.live import Event
from kefu.store.models.org import Agent, RuleVersion, Shop
from support import signed_in

BASE = "http://testserver"
PASSWORD = "password-123"


@pytest.fixture
def clients(engine: Engine) -> dict[str, TestClient]:
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="小店", settings={}))
        s.flush()
        s.add(Agent(id="a1", name="A1", shop_id="s1"))
        s.flush()
        org.create_user(s, "u-supervisor", PASSWORD, "supervisor")
        org.create_user(s, "u-agent", PASSWORD, "agent", agent_id="a1")
    return signed_in(create_app(engine), PASSWORD)


def _events(engine: Engine, kind: str) -> list[tuple[str, str, dict[str, object]]]:
    with session_factory(engine)() as s:
        return [(e.subject, e.actor, e.data) for e in s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id))]


def test_followup_rules_edited_as_data(clients: dict[str, TestClient], engine: Engine) -> None:
    sup = clients["supervisor"]
    shown = sup.get("/api/v1/rules/followup/s1").json()
    assert (shown["version"], [r["id"] for r in shown["rules"]]) == (0, ["pay_sms", "pay_task", "address_check",
                                                                         "return", "review"])  # fmt: skip
    rules = copy.deepcopy(shown["rules"])
    rules[1]["delay_minutes"] = 20  # 催付 task after 20 minutes instead of 30
    r = sup.put("/api/v1/rules/followup/s1", json={"rules": rules})
    assert (r.status_code, r.json()["version"], r.json()["saved_by"]) == (200, 1, "u-supervisor")
    with session_factory(engine)() as s:
        assert duty.shop_rules(s, "s1").get("pay_task").delay_minutes == 20
    assert _events(engine, "rules.followup_saved") == [
        ("rules:followup:s1", "u-supervisor",
         {"version": 1, "rules": ["pay_sms", "pay_task", "address_check", "return", "review"]})]  # fmt: skip

    rules[2]["trigger"] = "order_shipped"
    r = sup.put("/api/v1/rules/followup/s1", json={"rules": rules})
    assert (r.status_code, r.json()["code"]) == (400, "RULE_INVALID")
    assert r.json()["message_en"].startswith("rule address_check, trigger: must be one of")
    assert r.json()["message"].startswith("规则 address_check 的 trigger")
    assert sup.get("/api/v1/rules/followup/s1").json()["version"] == 1  # nothing half-stored
    assert len(_events(engine, "rules.followup_saved")) == 1
    nul = copy.deepcopy(shown["rules"])
    nul[0]["action"]["text"] = "亲\x00"
    r = sup.put("/api/v1/rules/followup/s1", json={"rules": nul})
    assert (r.status_code, r.json()["code"], r.json()["message_en"]) == (
        400, "BAD_ARGUMENT", "argument doc: the rules contain a NUL character")
    assert sup.get("/api/v1/rules/followup/nosuch").status_code == 404
    assert clients["agent"].get("/api/v1/rules/followup/s1").status_code == 403
    assert clients["agent"].put("/api/v1/rules/followup/s1", json={"rules": rules}).status_code == 403


def test_roster_rules_versions(clients: dict[str, TestClient], engine: Engine) -> None:
    sup = clients["supervisor"]
    assert sup.get("/api/v1/rules/roster/s1").json() == {
        "shop_id": "s1", "rest_days_per_month": 4, "max_consecutive": 6, "min_rest_hours": 10.0,
        "version": 0, "valid_from": "", "saved_at": "", "saved_by": ""}  # fmt: skip
    r = sup.put("/api/v1/rules/roster/s1", json={"rest_days_per_month": 6, "max_consecutive": 5,
                                                 "min_rest_hours": 11})  # fmt: skip
    assert (r.status_code, r.json()["version"], r.json()["max_consecutive"]) == (200, 1, 5)
    with session_factory(engine)() as s:
        rules = roster_rules.shop_rules(s, "s1")
        checked_with = roster.db_problem(s, "s1", date(2026, 12, 1), 31).rules  # grid, checks and month plans
    assert (rules.rest_days_per_month, rules.max_consecutive, rules.min_rest_hours) == (6, 5, 11.0)
    assert checked_with == rules
    assert _events(engine, "rules.roster_saved") == [("rules:roster:s1", "u-supervisor", {
        "version": 1, "rest_days_per_month": 6, "max_consecutive": 5, "min_rest_hours": 11.0})]  # fmt: skip
    r = sup.put("/api/v1/rules/roster/s1", json={"rest_days_per_month": 40, "max_consecutive": 5, "min_rest_hours": 11})
    assert r.status_code == 422
    with session_factory(engine)() as s:
        assert len(s.scalars(select(RuleVersion)).all()) == 1


def test_roster_rules_refused_in_words(engine: Engine) -> None:
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="小店", settings={}))
    with session_factory(engine)() as s:
        with pytest.raises(KefuError) as err:
            roster_rules.save_roster_rules(s, "s1", {"rest_days_per_month": 4, "max_consecutive": 0,
                                                     "min_rest_hours": 10}, by="demo")  # fmt: skip
        assert (err.value.message, err.value.message_en) == (
            "参数 max_consecutive: 最多连续上班天数 应在 1–62 之间", "argument max_consecutive: max_consecutive must be within 1–62")


def test_kpi_scheme_over_http(clients: dict[str, TestClient], engine: Engine) -> None:
    sup = clients["supervisor"]
    doc = sup.get("/api/v1/rules/kpi/standard").json()["doc"]
    doc["grades"]["thresholds"] = [[95, "优秀"], [80, "良好"], [60, "合格"], [0, "不合格"]]
    r = sup.put("/api/v1/rules/kpi/standard", json={"doc": doc})
    assert (r.status_code, r.json()["version"], r.json()["doc"]["grades"]["thresholds"][2]) == (200, 1, [60, "合格"])
    doc["items"][0]["weight"] = 10
    r = sup.put("/api/v1/rules/kpi/standard", json={"doc": doc})
    assert (r.status_code, r.json()["code"]) == (400, "KPI_SCHEME_INVALID")
    assert r.json()["message_en"] == "invalid KPI scheme: weights sum to 80, not 100"
    assert [v["version"] for v in sup.get("/api/v1/rules/kpi/standard").json()["versions"]] == [1]
    r = sup.get("/api/v1/rules/kpi/Bad Name")
    assert (r.status_code, r.json()["code"]) == (400, "BAD_ARGUMENT")
    assert clients["agent"].get("/api/v1/rules/kpi/standard").status_code == 403
