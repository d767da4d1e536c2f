"""The promotion track over HTTP (issue 22 item 8): progress from the KPI, scope, refusal naming the unmet criteria,
a shop's own track as data; and the team pages' reads: onboardings, the ladder, the pickers, a goal's team norm.

No chats or orders are stored here, so every month has no KPI score: the score
criterion is never met on the seed's track (tests/team/test_promotion_kpi.py
checks the scores against the month's KPI on a simulated shop).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from kefu.api.app import create_app
from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.live import Event
from kefu.store.models.org import Agent, Shop

BASE = "http://testserver"
PW = "password-123"
TRACK = [{"level": "初级", "min_months": 6, "min_score": 0, "score_months": 0},
         {"level": "中级", "min_months": 1, "min_score": 100, "score_months": 1, "goals_met": 1},
         {"level": "高级", "min_months": 12, "min_score": 100, "score_months": 3, "goals_met": 2}]  # fmt: skip


@dataclass
class Api:
    today: date
    clients: dict[str, TestClient]
    engine: Engine


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    today = utc_now().astimezone(SHOP_TZ).date()
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="店", settings={}))
        s.flush()
        # 200 days is always 6 whole months (at most 184 days) and never 7 (at least 212): a1 holds 6 months, a2 3
        for aid, team, days in (("a1", "T", 200), ("a2", "T", 100), ("b1", "U", 400)):
            s.add(Agent(id=aid, shop_id="s1", name=aid.upper(), team=team, skills=["售前"], hired_on=today - timedelta(days=days)))
        s.flush()
        auth.create_user(s, "sup", PW, "supervisor", team="T")
        for aid, team in (("a1", "T"), ("a2", "T"), ("b1", "U")):
            auth.create_user(s, aid, PW, "agent", agent_id=aid, team=team)
    app = create_app(engine)
    clients = {}
    for name in ("sup", "a1", "a2", "b1"):
        client = TestClient(app, base_url=BASE, headers={"Origin": BASE})
        assert client.post("/api/v1/auth/login", json={"username": name, "password": PW}).status_code == 200
        clients[name] = client
    yield Api(today, clients, engine)


def _criteria(body: dict) -> list[tuple[str, str, str, bool]]:  # type: ignore[type-arg]
    return [(c["key"], c["have"], c["need"], c["met"]) for c in body["criteria"]]


def _last_months(today: date, n: int) -> list[str]:
    first, out = today.replace(day=1), []
    for _ in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append(first.strftime("%Y-%m"))
    return out


def test_promotion_progress_scope_and_refusal(api: Api) -> None:
    a1, sup = api.clients["a1"], api.clients["sup"]
    r = a1.get("/api/v1/agents/a1/promotion")
    assert r.status_code == 200, r.text
    mine = r.json()
    assert (mine["level"], mine["next_level"], mine["months_at_level"], mine["eligible"]) == ("初级", "中级", 6, False)
    assert mine["since"] == (api.today - timedelta(days=200)).isoformat()  # never promoted: the hire day
    assert _criteria(mine) == [("months", "6", "3", True), ("score", "0", "2", False)]  # 初级 asks for no goal
    assert mine["scores"] == [{"month": m, "score": None} for m in _last_months(api.today, 3)]  # the track's longest window
    assert mine["track"] == ["初级", "中级", "高级", "组长"]
    for refused in (a1.get("/api/v1/agents/a2/promotion"), a1.get("/api/v1/promotions?shop=s1"),
                    a1.post("/api/v1/agents/a1/promote", json={"day": api.today.isoformat()}),
                    sup.post("/api/v1/agents/b1/promote", json={"day": api.today.isoformat()})):  # b1: another team
        assert (refused.status_code, refused.json()["code"]) == (403, "FORBIDDEN"), refused.text
    team = sup.get("/api/v1/promotions?shop=s1").json()
    assert [(p["agent_id"], p["months_at_level"]) for p in team] == [("a1", 6), ("a2", 3)]  # sup's team only
    no = sup.post("/api/v1/agents/a1/promote", json={"day": api.today.isoformat(), "note": "表现好"})
    assert (no.status_code, no.json()["code"], no.json()["details"]["unmet"]) == (409, "CONFLICT", ["score"])
    assert no.json()["message"] == "尚未达到晋升条件: 最近 2 个月绩效分均 ≥ 90 (0/2)"
    assert no.json()["message_en"] == "the criteria are not met yet: KPI score ≥ 90 in each of the last 2 months (0/2)"
    assert a1.get("/api/v1/agents/a1/promotion").json()["level"] == "初级"  # nothing stored
    bad = [sup.post("/api/v1/agents/a1/promote", json={"day": "2026-02-30"}),
           sup.post("/api/v1/agents/zz/promote", json={"day": api.today.isoformat()}),
           sup.get("/api/v1/promotions?shop=")]
    assert [(b.status_code, b.json()["code"]) for b in bad] == [(422, "BAD_REQUEST"), (404, "AGENT_UNKNOWN"), (422, "BAD_REQUEST")]


def test_a_shop_track_as_data_and_the_promotion_the_agent_sees(api: Api) -> None:
    a1, a2, sup = api.clients["a1"], api.clients["a2"], api.clients["sup"]
    with session_factory(api.engine)() as s, s.begin():
        s.get(Shop, "s1").settings = {"team": {"track": TRACK}}  # type: ignore[union-attr]
    team = {p["agent_id"]: p for p in sup.get("/api/v1/promotions?shop=s1").json()}
    assert (team["a1"]["eligible"], team["a2"]["eligible"]) == (True, False)  # 6 months at 初级 needed, no score
    assert _criteria(team["a1"]) == [("months", "6", "6", True)]  # the shop asks for no score and no goal yet
    assert sup.post("/api/v1/agents/a2/promote", json={"day": api.today.isoformat()}).status_code == 409
    done = sup.post("/api/v1/agents/a1/promote", json={"day": api.today.isoformat(), "note": "表现好"})
    assert done.status_code == 200, done.text
    assert (done.json()["level"], done.json()["since"], done.json()["months_at_level"]) == ("中级", api.today.isoformat(), 0)
    seen = a1.get("/api/v1/agents/a1/promotion").json()  # the decision is visible to the agent it concerns
    assert (seen["level"], seen["level_en"], seen["next_level"]) == ("中级", "intermediate", "高级")
    assert _criteria(seen) == [("months", "0", "1", False), ("score", "0", "1", False), ("goals", "0", "1", False)]
    with session_factory(api.engine)() as s:
        events = s.scalars(select(Event).where(Event.kind == "agent.promoted")).all()
        assert [(e.agent_id, e.actor, e.data) for e in events] == [
            ("a1", "sup", {"level": "中级", "from": "初级", "since": api.today.isoformat()})]
    again = sup.post("/api/v1/agents/a1/promote", json={"day": api.today.isoformat()})
    assert (again.status_code, again.json()["details"]["unmet"]) == (409, ["months", "score", "goals"])
    assert a2.get("/api/v1/agents/a2/promotion").json()["level"] == "初级"
    with session_factory(api.engine)() as s, s.begin():
        s.get(Shop, "s1").settings = {"team": {"track": [{"level": "主管", "min_months": 1, "min_score": 1, "score_months": 1}]}}  # type: ignore[union-attr]
    broken = a1.get("/api/v1/agents/a1/promotion")
    assert (broken.status_code, broken.json()["code"]) == (400, "BAD_ARGUMENT")


def test_onboardings_ladder_pickers_and_norm(api: Api) -> None:
    a1, a2, b1, sup = (api.clients[n] for n in ("a1", "a2", "b1", "sup"))
    started = sup.post("/api/v1/onboarding", json={"agent_id": "a2", "mentor_id": "a1", "started_on": api.today.isoformat()})
    assert started.status_code == 201, started.text
    assert [o["agent_id"] for o in a1.get("/api/v1/onboarding").json()] == ["a2"]  # the mentor sees its new hire
    assert [o["agent_id"] for o in a2.get("/api/v1/onboarding?shop=s1").json()] == ["a2"]  # its own
    assert b1.get("/api/v1/onboarding?shop=s1").json() == []  # not b1's, whatever the filter
    assert [o["mentor_id"] for o in sup.get("/api/v1/onboarding?shop=s1").json()] == ["a1"]
    ladder = a1.get("/api/v1/conduct/ladder?shop=s1").json()
    assert [(x["count"], x["outcome"], x["amount_fen"]) for x in ladder["steps"]] == [
        (1, "fine", 1000), (2, "fine", 3000), (3, "dismissal_warning", 0)]
    assert [(x["outcome"], x["label"], x["amount_fen"]) for x in ladder["rewards"]] == [
        ("listing_error", "发现宝贝数据错误", 1000), ("suggestion", "建议被采纳", 1000)]
    assert a1.get("/api/v1/conduct/ladder?shop=nope").status_code == 404
    assert [p["agent_id"] for p in sup.get("/api/v1/shop-agents?shop=s1").json()] == ["a1", "a2"]  # team T
    assert a1.get("/api/v1/shop-agents?shop=s1").status_code == 403
    norm = sup.get("/api/v1/goals/norm?shop=s1&metric=kpi_total").json()
    assert norm == {"shop_id": "s1", "metric": "kpi_total", "month": _last_months(api.today, 1)[0], "norm": None, "agents": 0}
    assert sup.get("/api/v1/goals/norm?shop=nope&metric=kpi_total").status_code == 404
