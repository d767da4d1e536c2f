"""Leave, swaps and open shifts over HTTP: typed answers, roles, scope, the rule named on refusal.

The roster lies in the coming days (from tomorrow in shop time), so the requests
are "in advance" whatever the clock says; every day used has a roster row, so the
calendar never decides a figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.org import Agent, Shop
from kefu.store.models.plan import RosterEntry, ShiftTemplate

BASE = "http://testserver"
PW = "password-123"


@dataclass
class Api:
    day: list[date]  # day[1] = tomorrow …
    clients: dict[str, TestClient]
    engine: Engine

    def shift(self, agent: str, day: date) -> str:
        with session_factory(self.engine)() as s:
            row = s.query(RosterEntry).filter_by(agent_id=agent, day=day).one_or_none()
            return "" if row is None else row.shift_code


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    today = utc_now().astimezone(SHOP_TZ).date()
    days = [today + timedelta(days=i) for i in range(12)]
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="店", settings={}))
        s.flush()
        for code, start, end in (("白班", "09:00", "16:30"), ("晚班", "16:00", "22:30"), ("早班", "07:00", "15:00")):
            s.add(ShiftTemplate(shop_id="s1", code=code, start=start, end=end, breaks=[]))
        for aid, skills in (("a1", ["售前"]), ("a2", ["售前"]), ("a3", ["售后"])):
            s.add(Agent(id=aid, shop_id="s1", name=aid.upper(), team="T", skills=skills))
        s.flush()
        for d in days[1:8]:
            for aid, code, skill in (("a1", "白班", "售前"), ("a2", "白班", "售前"), ("a3", "", "")):
                s.add(RosterEntry(shop_id="s1", agent_id=aid, day=d, shift_code=code, skill=skill, breaks=[]))
        auth.create_user(s, "sup", PW, "supervisor", team="T")
        for aid in ("a1", "a2", "a3"):
            auth.create_user(s, aid, PW, "agent", agent_id=aid, team="T")
    app = create_app(engine)
    clients = {}
    for name in ("sup", "a1", "a2", "a3"):
        client = TestClient(app, base_url=BASE, headers={"Origin": BASE})
        assert client.post("/api/v1/auth/login", json={"username": name, "password": PW}).status_code == 200
        clients[name] = client
    yield Api(days, clients, engine)


def test_leave_request_approve_and_scope(api: Api) -> None:
    a1, sup = api.clients["a1"], api.clients["sup"]
    d1, d2 = api.day[1].isoformat(), api.day[2].isoformat()
    r = a1.post("/api/v1/leave", json={"kind": "事假", "first_day": d1, "last_day": d2, "reason": "搬家"})
    assert r.status_code == 201, r.text
    leave = r.json()
    assert (leave["agent_id"], leave["status"], leave["days"], leave["kind_label"]) == ("a1", "pending", 2, "事假")
    assert a1.post("/api/v1/leave", json={"agent_id": "a2", "kind": "事假", "first_day": d1, "last_day": d1}).status_code == 403
    assert a1.post(f"/api/v1/leave/{leave['id']}/approve", json={}).status_code == 403
    assert [x["id"] for x in api.clients["a2"].get("/api/v1/leave").json()] == []
    r = sup.post(f"/api/v1/leave/{leave['id']}/approve", json={"note": "好"})
    assert r.status_code == 200, r.text
    assert [(c["day"], c["before"], c["after"]) for c in r.json()["roster_changes"]] == [(d1, "白班", ""), (d2, "白班", "")]
    assert (api.shift("a1", api.day[1]), api.shift("a2", api.day[1]), api.shift("a1", api.day[3])) == ("", "白班", "白班")
    again = sup.post(f"/api/v1/leave/{leave['id']}/approve", json={})
    assert again.status_code == 409 and again.json()["code"] == "REQUEST_BAD_TRANSITION"
    mine = a1.get("/api/v1/leave").json()
    assert [(x["status"], x["decision_note"]) for x in mine] == [("approved", "好")]  # the decision is visible to a1
    balances = a1.get("/api/v1/agents/a1/leave-balances").json()
    assert [b["kind"] for b in balances] == ["personal", "sick", "annual", "comp"]
    assert a1.get("/api/v1/agents/a2/leave-balances").status_code == 403


def test_leave_bad_input(api: Api) -> None:
    a1 = api.clients["a1"]
    d1, far = api.day[1].isoformat(), (api.day[0] + timedelta(days=400)).isoformat()
    cases = [({"kind": "婚假", "first_day": d1, "last_day": d1}, 400, "BAD_ARGUMENT"),
             ({"kind": "事假", "first_day": "tomorrow", "last_day": d1}, 422, "BAD_REQUEST"),
             ({"kind": "事假", "first_day": "9999-12-31", "last_day": "9999-12-31"}, 422, "BAD_REQUEST"),
             ({"kind": "事假", "first_day": far, "last_day": far}, 400, "BAD_ARGUMENT"),
             ({"kind": "事假", "first_day": d1, "last_day": d1, "bogus": 1}, 201, None),
             ({"kind": "事假", "first_day": d1, "last_day": d1, "reason": "a\x00b"}, 422, "BAD_REQUEST")]
    for body, status, error in cases:
        r = a1.post("/api/v1/leave", json=body)
        assert (r.status_code, r.json().get("code")) == (status, error), body
    r = api.clients["sup"].post("/api/v1/leave/1/reject", json={"note": " "})
    assert (r.status_code, r.json()["code"]) == (400, "BAD_ARGUMENT")
    r = api.clients["sup"].post("/api/v1/leave/77/approve", json={})
    assert (r.status_code, r.json()["code"]) == (404, "NOT_FOUND")


def test_swap_refused_with_the_rest_hours_rule_named(api: Api) -> None:
    a1, a2, sup = api.clients["a1"], api.clients["a2"], api.clients["sup"]
    d1, d2 = api.day[1], api.day[2]
    with session_factory(api.engine)() as s, s.begin():  # a2 works 晚班 (to 22:30) on d1; a1 holds 早班 (07:00) on d2
        s.query(RosterEntry).filter_by(agent_id="a2", day=d1).update({"shift_code": "晚班"})
        s.query(RosterEntry).filter_by(agent_id="a1", day=d2).update({"shift_code": "早班"})
    r = a1.post("/api/v1/swaps", json={"day": d2.isoformat(), "peer_id": "a2"})
    assert r.status_code == 201, r.text
    swap = r.json()
    assert swap["cells"] == {"a1": "早班", "a2": "白班"}
    assert api.clients["a3"].post(f"/api/v1/swaps/{swap['id']}/accept").status_code == 403
    assert sup.post(f"/api/v1/swaps/{swap['id']}/accept").status_code == 403  # role: agents answer
    accepted = a2.post(f"/api/v1/swaps/{swap['id']}/accept").json()
    assert [f["rule"] for f in accepted["findings"]] == ["min_rest_hours"]
    refused = sup.post(f"/api/v1/swaps/{swap['id']}/approve", json={})
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "ROSTER_RULE_BROKEN"
    assert body["message"] == f"违反排班硬性规则: 两个班次之间的最少休息小时 (a2 {d2}: 与前一班只隔 8.5 小时)"
    assert body["message_en"] == f"breaks a hard roster rule: minimum rest hours between shifts (a2 {d2}: only 8.5 h rest)"
    assert (api.shift("a1", d2), api.shift("a2", d2)) == ("早班", "白班")


def test_swap_approved_and_open_shift_picked_up(api: Api) -> None:
    a1, a3, sup = api.clients["a1"], api.clients["a3"], api.clients["sup"]
    d3 = api.day[3]
    swap = a1.post("/api/v1/swaps", json={"day": d3.isoformat(), "peer_id": "a2"})
    assert swap.status_code == 400  # both work 白班 售前 that day
    with session_factory(api.engine)() as s, s.begin():
        s.query(Agent).filter_by(id="a3").update({"skills": ["售后", "售前"]})
    swap = a1.post("/api/v1/swaps", json={"day": d3.isoformat(), "peer_id": "a3"}).json()
    a3.post(f"/api/v1/swaps/{swap['id']}/accept")
    done = sup.post(f"/api/v1/swaps/{swap['id']}/approve", json={"note": "ok"})
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert (api.shift("a1", d3), api.shift("a3", d3)) == ("", "白班")
    fits = sup.get(f"/api/v1/shifts/candidates?shop=s1&day={api.day[4]}&shift=白班&skill=售前&exclude=a1").json()
    assert [(f["agent_id"], f["eligible"]) for f in fits] == [("a3", True), ("a2", False)]
    opened = sup.post("/api/v1/open-shifts", json={"shop_id": "s1", "day": api.day[5].isoformat(),
                                                    "shift_code": "白班", "skill": "售前"})  # fmt: skip
    assert opened.status_code == 201, opened.text
    assert a1.post("/api/v1/open-shifts", json=opened.json()).status_code == 403
    oid = opened.json()["id"]
    assert [o["id"] for o in a3.get("/api/v1/open-shifts").json()] == [oid]
    busy = a1.post(f"/api/v1/open-shifts/{oid}/pick-up", json={})
    assert (busy.status_code, busy.json()["details"]["rules"]) == (409, ["one_shift_per_day"])
    taken = a3.post(f"/api/v1/open-shifts/{oid}/pick-up", json={})
    assert taken.status_code == 200 and taken.json()["taken_by"] == "a3"
    assert api.shift("a3", api.day[5]) == "白班"


def test_agents_reach_only_their_own_team_rows(api: Api) -> None:
    """Every team route open to agents, against another agent's rows (the data half; roles: test_permissions)."""
    a1, a2, a3, sup = (api.clients[n] for n in ("a1", "a2", "a3", "sup"))
    d1, d2 = api.day[1].isoformat(), api.day[2].isoformat()
    leave = a2.post("/api/v1/leave", json={"kind": "事假", "first_day": d1, "last_day": d1}).json()
    overtime = a2.post("/api/v1/overtime", json={"day": d2, "minutes": 60, "reason": "双11"}).json()
    started = sup.post("/api/v1/onboarding", json={"agent_id": "a3", "mentor_id": "a2", "started_on": d1})
    assert started.status_code == 201, started.text
    assert a2.post("/api/v1/onboarding/a3/checklist/0").json()["checklist"][0]["by"] == "a2"
    swap = a2.post("/api/v1/swaps", json={"day": d2, "peer_id": "a3"}).json()
    opened = sup.post("/api/v1/open-shifts", json={"shop_id": "s1", "day": api.day[9].isoformat(),
                                                    "shift_code": "白班", "skill": "售前"}).json()  # fmt: skip
    refused = [
        a1.post("/api/v1/leave", json={"agent_id": "a2", "kind": "事假", "first_day": d2, "last_day": d2}),
        a1.post(f"/api/v1/leave/{leave['id']}/cancel"),
        a1.get("/api/v1/agents/a2/leave-balances"),
        a1.get("/api/v1/agents/a2/my-page"),
        a1.post("/api/v1/swaps", json={"agent_id": "a2", "day": d2, "peer_id": "a3"}),
        a1.post(f"/api/v1/swaps/{swap['id']}/accept"),
        a1.post(f"/api/v1/swaps/{swap['id']}/decline"),
        a1.post(f"/api/v1/swaps/{swap['id']}/cancel"),
        a3.get(f"/api/v1/shifts/candidates?shop=s1&day={d2}&shift=白班&skill=售前"),
        a1.post(f"/api/v1/open-shifts/{opened['id']}/pick-up", json={"agent_id": "a3"}),
        a1.post("/api/v1/overtime", json={"agent_id": "a2", "day": d2, "minutes": 60, "reason": "双11"}),
        a1.post(f"/api/v1/overtime/{overtime['id']}/cancel"),
        a1.get("/api/v1/agents/a2/conduct"),
        a1.get("/api/v1/agents/a2/goals"),
        a1.post("/api/v1/onboarding/a3/checklist/0"),  # a2 mentors a3, not a1
    ]
    assert [(r.status_code, r.json()["code"]) for r in refused] == [(403, "FORBIDDEN")] * len(refused)
    assert (a1.get("/api/v1/leave").json(), a1.get("/api/v1/swaps").json(), a1.get("/api/v1/overtime").json()) == ([], [], [])
    assert a1.get("/api/v1/leave?agent=a2").json() == []  # the filter cannot widen an agent's view
    assert [x["id"] for x in a3.get("/api/v1/swaps").json()] == [swap["id"]]  # the asked peer sees it
    assert [x["id"] for x in a1.get("/api/v1/open-shifts?shop=s2").json()] == [opened["id"]]  # always its own shop
    assert a1.get("/api/v1/agents/a1/my-page").json()["agent_id"] == "a1"


def test_fines_feed_the_fund_statement(api: Api) -> None:
    sup, a1 = api.clients["sup"], api.clients["a1"]
    body = {"agent_id": "a1", "day": api.day[0].isoformat(), "kind": "violation", "rule": "离岗未请示", "evidence": "presence:a1"}
    assert a1.post("/api/v1/conduct", json=body).status_code == 403
    fines = [sup.post("/api/v1/conduct", json=body).json() for _ in range(2)]
    assert [(f["step"], f["amount_fen"]) for f in fines] == [(1, -1000), (2, -3000)]
    assert [c["step"] for c in a1.get("/api/v1/agents/a1/conduct").json()] == [2, 1]
    day = api.day[0].isoformat()
    spent = sup.post("/api/v1/fund/spends", json={"shop_id": "s1", "day": day, "amount_fen": 2500, "purpose": "水果"})
    assert spent.status_code == 201, spent.text
    statement = a1.get(f"/api/v1/fund?shop=s1&from={day}&to={day}").json()
    assert ([x["balance_fen"] for x in statement["lines"]], statement["closing_fen"]) == ([1000, 4000, 1500], 1500)
    r = sup.post("/api/v1/conduct", json={**body, "kind": "bonus"})
    assert (r.status_code, r.json()["code"]) == (422, "BAD_REQUEST")


def test_briefing_acknowledged_and_who_has_not(api: Api) -> None:
    sup, a1, a2 = api.clients["sup"], api.clients["a1"], api.clients["a2"]
    with session_factory(api.engine)() as s, s.begin():  # b1 serves another shop
        s.add(Shop(id="s2", name="二店", settings={}))
        s.flush()
        s.add(Agent(id="b1", shop_id="s2", name="B1", team="T", skills=["售前"]))
        s.flush()
        auth.create_user(s, "b1", PW, "agent", agent_id="b1", team="T")
    b1 = TestClient(a1.app, base_url=BASE, headers={"Origin": BASE})
    assert b1.post("/api/v1/auth/login", json={"username": "b1", "password": PW}).status_code == 200
    body = {"shop_id": "s1", "product": "保温杯", "launch_on": api.day[5].isoformat(),
            "attributes": [{"name": "容量", "value": "500ml"}],
            "quiz": [{"question": "容量?", "options": ["350ml", "500ml"], "answer": 1}]}  # fmt: skip
    assert a1.post("/api/v1/briefings", json=body).status_code == 403
    made = sup.post("/api/v1/briefings", json=body)
    assert made.status_code == 201, made.text
    bid = made.json()["id"]
    assert made.json()["quiz"] == [{"question": "容量?", "options": ["350ml", "500ml"]}]
    graded = a1.post(f"/api/v1/briefings/{bid}/acknowledge", json={"answers": [1]}).json()
    assert (graded["passed"], graded["right"], graded["total"]) == (True, 1, 1)
    assert [x["id"] for x in a2.get("/api/v1/briefings").json()] == [bid]
    assert b1.get("/api/v1/briefings?shop=s1").json() == []  # another shop's briefings stay out of reach
    r = b1.post(f"/api/v1/briefings/{bid}/acknowledge", json={"answers": [1]})
    assert (r.status_code, r.json()["code"]) == (403, "FORBIDDEN")
    status = sup.get(f"/api/v1/briefings/{bid}/status").json()
    assert (status["missing"], [(r["agent_id"], r["state"]) for r in status["rows"]]) == (
        2, [("a2", "missing"), ("a3", "missing"), ("a1", "acknowledged")])
    assert a1.get(f"/api/v1/briefings/{bid}/status").status_code == 403
