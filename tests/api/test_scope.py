"""Data scope over HTTP: agent A against agent B's rows and against another shop (issue 15, holes 4 and 18).

The role half of every permission is the matrix in test_permissions.py. This
file holds the other half: every route an agent may call is listed in
SCOPE_TESTS with the test that shows an agent cannot reach another agent's or
another shop's rows through it (or why the route has no such rows).
Shops s1 and s2; a1 and a2 serve s1, b1 serves s2.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from test_permissions import _routes, declared_roles

from kefu.api.app import create_app
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.care import actions_tickets
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.live import Conversation, Handover
from kefu.store.models.org import Agent, Shop

BASE = "http://testserver"
PASSWORD = "password-123"
T0 = datetime(2026, 11, 18, 10, tzinfo=SHOP_TZ)
DAY = "2026-11-18"

HERE = "tests/api/test_scope.py::"
TEAM = "tests/api/test_team_api.py::test_agents_reach_only_their_own_team_rows"
SCOPE_TESTS = {
    ("GET", "/api/v1/auth/me"): "no rows: the caller itself",
    ("POST", "/api/v1/auth/password"): "no rows: the caller's own password (tests/api/test_sessions.py)",
    ("POST", "/api/v1/plan/erlang"): "no rows: a queueing formula",
    ("GET", "/api/v1/care/templates"): "no private rows: the shops' reply scripts every agent uses",
    ("POST", "/api/v1/care/templates/{template_id}/render"): "no private rows: fills a reply script",
    ("POST", "/api/v1/care/bot/answer"): "no private rows: the FAQ bot",
    ("GET", "/api/v1/care/settings/{shop_id}"): "no private rows: business hours and bot mode",
    ("POST", "/api/v1/care/tickets"): HERE + "test_tickets_of_other_agents_and_shops_are_out_of_reach",
    ("GET", "/api/v1/care/tickets"): HERE + "test_tickets_of_other_agents_and_shops_are_out_of_reach",
    ("GET", "/api/v1/care/tickets/{ticket_id}"): HERE + "test_tickets_of_other_agents_and_shops_are_out_of_reach",
    ("GET", "/api/v1/care/tickets/{ticket_id}/history"): HERE + "test_tickets_of_other_agents_and_shops_are_out_of_reach",
    ("POST", "/api/v1/care/tickets/{ticket_id}/respond"): HERE + "test_tickets_of_other_agents_and_shops_are_out_of_reach",
    ("POST", "/api/v1/care/tickets/{ticket_id}/escalate"): HERE + "test_tickets_of_other_agents_and_shops_are_out_of_reach",
    ("POST", "/api/v1/care/tickets/{ticket_id}/resolve"): HERE + "test_tickets_of_other_agents_and_shops_are_out_of_reach",
    ("POST", "/api/v1/care/tickets/{ticket_id}/callback"): HERE + "test_tickets_of_other_agents_and_shops_are_out_of_reach",
    ("POST", "/api/v1/care/tickets/{ticket_id}/callback-result"): HERE + "test_tickets_of_other_agents_and_shops_are_out_of_reach",
    ("GET", "/api/v1/care/surveys/stats"): HERE + "test_books_statistics_and_handovers_are_the_agents_own",
    ("POST", "/api/v1/care/logbook"): HERE + "test_books_statistics_and_handovers_are_the_agents_own",
    ("GET", "/api/v1/care/logbook"): HERE + "test_books_statistics_and_handovers_are_the_agents_own",
    ("GET", "/api/v1/care/handover-log"): HERE + "test_books_statistics_and_handovers_are_the_agents_own",
    ("GET", "/api/v1/care/service-stats"): HERE + "test_books_statistics_and_handovers_are_the_agents_own",
    ("GET", "/api/v1/live/handovers"): HERE + "test_books_statistics_and_handovers_are_the_agents_own",
    ("GET", "/api/v1/care/ledger"): "tests/care/test_api.py::test_agents_see_only_their_own_ledger",
    ("GET", "/api/v1/agents/{agent_id}"): HERE + "test_other_agents_status_and_load_are_private",
    ("POST", "/api/v1/agents/{agent_id}/handover"): HERE + "test_other_agents_status_and_load_are_private",
    ("POST", "/api/v1/agents/{agent_id}/status"): "tests/api/test_permissions.py::test_agents_act_only_for_themselves",
    ("GET", "/api/v1/agents/{agent_id}/workspace"): "tests/api/test_permissions.py::test_agents_act_only_for_themselves",
    ("GET", "/api/v1/agents/{agent_id}/worktime"): "tests/api/test_permissions.py::test_agents_act_only_for_themselves",
    ("GET", "/api/v1/agents/{agent_id}/comp-leave"): "tests/api/test_comp_leave_api.py::test_agents_cannot_book_or_read_others",
    ("POST", "/api/v1/conversations"): HERE + "test_agents_open_chats_only_in_their_shop",
    ("GET", "/api/v1/conversations"): HERE + "test_agents_list_only_their_own_conversations",
    ("GET", "/api/v1/conversations/{conversation_id}"): "tests/api/test_live_agent_scope.py::test_agent_reads_and_answers_only_its_own_chat",
    ("POST", "/api/v1/conversations/{conversation_id}/messages"): "tests/api/test_live_agent_scope.py::test_agent_reads_and_answers_only_its_own_chat",
    ("POST", "/api/v1/conversations/{conversation_id}/close"): "tests/api/test_live_agent_scope.py::test_agent_reads_and_answers_only_its_own_chat",
    ("POST", "/api/v1/conversations/{conversation_id}/transfer"): "tests/api/test_live_agent_scope.py::test_agent_reads_and_answers_only_its_own_chat",
    ("GET", "/api/v1/overview"): "tests/api/test_permissions.py::test_overview_is_scoped_per_role",
    ("GET", "/api/v1/credit/leaderboard"): "tests/credit/test_credit_api.py::test_leaderboard_is_scoped",
    ("GET", "/api/v1/credit/performance"): "tests/credit/test_credit_api.py::test_performance_is_scoped",
    ("GET", "/api/v1/credit/agents/{agent_id}/days"): "tests/credit/test_credit_api.py::test_agent_pages_only_own",
    ("GET", "/api/v1/credit/agents/{agent_id}/orders"): "tests/credit/test_credit_api.py::test_agent_pages_only_own",
    ("GET", "/api/v1/credit/orders/{order_id}"): "tests/credit/test_credit_api.py::test_agent_pages_only_own",
    ("GET", "/api/v1/credit/orders/{order_id}/chat"): "tests/credit/test_order_chat.py::test_an_agent_opens_only_their_own_orders_chats",
    ("GET", "/api/v1/credit/pay"): "tests/credit/test_credit_api.py::test_pay_and_managers_only_routes",
    ("GET", "/api/v1/tasks"): "tests/duty/test_duty_api.py::test_lists_are_scoped_by_role",
    ("GET", "/api/v1/tasks/stats"): "tests/duty/test_duty_api.py::test_stats_and_escalation",
    ("POST", "/api/v1/leave"): TEAM,
    ("GET", "/api/v1/leave"): TEAM,
    ("POST", "/api/v1/leave/{leave_id}/cancel"): TEAM,
    ("GET", "/api/v1/agents/{agent_id}/leave-balances"): TEAM,
    ("GET", "/api/v1/agents/{agent_id}/my-page"): TEAM,
    ("POST", "/api/v1/swaps"): TEAM,
    ("GET", "/api/v1/swaps"): TEAM,
    ("POST", "/api/v1/swaps/{swap_id}/accept"): TEAM,
    ("POST", "/api/v1/swaps/{swap_id}/decline"): TEAM,
    ("POST", "/api/v1/swaps/{swap_id}/cancel"): TEAM,
    ("GET", "/api/v1/shifts/candidates"): TEAM,
    ("GET", "/api/v1/open-shifts"): TEAM,
    ("POST", "/api/v1/open-shifts/{open_id}/pick-up"): TEAM,
    ("POST", "/api/v1/overtime"): TEAM,
    ("GET", "/api/v1/overtime"): TEAM,
    ("POST", "/api/v1/overtime/{request_id}/cancel"): TEAM,
    ("GET", "/api/v1/agents/{agent_id}/conduct"): TEAM,
    ("GET", "/api/v1/agents/{agent_id}/goals"): TEAM,
    ("POST", "/api/v1/onboarding/{agent_id}/checklist/{item}"): TEAM,
    ("GET", "/api/v1/briefings"): "tests/api/test_team_api.py::test_briefing_acknowledged_and_who_has_not",
    ("POST", "/api/v1/briefings/{briefing_id}/acknowledge"): "tests/api/test_team_api.py::test_briefing_acknowledged_and_who_has_not",
    ("GET", "/api/v1/fund"): "no private rows: the activity fund's statement is published to the team (seed 001 十二)",
    ("GET", "/api/v1/conduct/ladder"): "no private rows: the shop's fines ladder and rewards are published to the team",
    ("GET", "/api/v1/agents/{agent_id}/promotion"): "tests/api/test_team_growth_api.py::test_promotion_progress_scope_and_refusal",
    ("GET", "/api/v1/onboarding"): "tests/api/test_team_growth_api.py::test_onboardings_ladder_pickers_and_norm",
    ("GET", "/api/v1/tasks/{task_id}"): "tests/duty/test_duty_api.py::test_agent_completes_own_task_only",
    ("POST", "/api/v1/tasks/{task_id}/complete"): "tests/duty/test_duty_api.py::test_agent_completes_own_task_only",
}


def test_every_route_open_to_agents_names_its_scope_test() -> None:
    open_to_agents = {(m, p) for m, p, r in _routes() if "agent" in (declared_roles(r) or ())}
    assert sorted(open_to_agents - set(SCOPE_TESTS)) == [], "add the route and its scope test to SCOPE_TESTS"
    assert sorted(set(SCOPE_TESTS) - open_to_agents) == []


@dataclass
class World:
    a1: TestClient
    a2: TestClient
    b1: TestClient
    sup: TestClient
    api: TestClient
    tickets: dict[str, int]
    chats: dict[str, int]


@pytest.fixture
def world(engine: Engine) -> World:
    with session_factory(engine)() as s, s.begin():
        s.add_all([Shop(id="s1", name="一店"), Shop(id="s2", name="二店")])
        s.flush()
        s.add_all([Agent(id=a, name=a, shop_id=shop, skills=["售前"], capacity=3, load=1, status="online")
                   for a, shop in (("a1", "s1"), ("a2", "s1"), ("b1", "s2"))])
        s.flush()
        chats = {a: Conversation(shop_id="s1", buyer=f"buyer-{a}", agent_id=a, status="assigned", opened_at=T0,
                                 assigned_at=T0) for a in ("a1", "a2")}
        s.add_all(chats.values())
        s.add_all([Handover(shop_id="s1", at=T0, from_agent="a1", to_agent="a2", items=[], note="a1→a2"),
                   Handover(shop_id="s1", at=T0, from_agent="a2", to_agent="b1", items=[], note="a2→b1")])
        tickets = {  # a1's in s1, a2's in s1, and a1's in s2 (a shop a1 does not serve)
            "a1": actions_tickets.create_ticket(s, shop_id="s1", buyer="x", category="质量", owner="a1")["id"],
            "a2": actions_tickets.create_ticket(s, shop_id="s1", buyer="y", category="质量", owner="a2")["id"],
            "a1@s2": actions_tickets.create_ticket(s, shop_id="s2", buyer="z", category="质量", owner="a1")["id"],
        }
        for agent in ("a1", "a2", "b1"):
            auth.create_user(s, f"u-{agent}", PASSWORD, "agent", agent_id=agent)
        auth.create_user(s, "u-sup", PASSWORD, "supervisor")
        token = auth.create_token(s, "erp")
        s.flush()
        chat_ids = {a: c.id for a, c in chats.items()}
    app = create_app(engine)
    clients = {}
    for name in ("a1", "a2", "b1", "sup"):
        client = TestClient(app, base_url=BASE, headers={"Origin": BASE})
        assert client.post("/api/v1/auth/login", json={"username": f"u-{name}", "password": PASSWORD}).status_code == 200
        clients[name] = client
    api = TestClient(app, base_url=BASE, headers={"Authorization": f"Bearer {token}"})
    return World(clients["a1"], clients["a2"], clients["b1"], clients["sup"], api, tickets, chat_ids)


def _forbidden(response: object) -> None:
    assert (response.status_code, response.json()["code"]) == (403, "FORBIDDEN"), response.text  # type: ignore[attr-defined]


def test_agents_list_only_their_own_conversations(world: World) -> None:
    mine = world.a1.get("/api/v1/conversations").json()
    assert (mine["total"], [c["id"] for c in mine["conversations"]]) == (1, [world.chats["a1"]])
    _forbidden(world.a1.get("/api/v1/conversations?agent=a2"))
    _forbidden(world.a1.get("/api/v1/conversations?shop=s2"))
    every = world.sup.get("/api/v1/conversations").json()
    assert sorted(c["agent"] for c in every["conversations"]) == ["a1", "a2"]
    assert world.api.get("/api/v1/conversations?agent=a2").json()["conversations"][0]["buyer"] == "buyer-a2"


def test_tickets_of_other_agents_and_shops_are_out_of_reach(world: World) -> None:
    t = world.tickets
    listed = world.a1.get("/api/v1/care/tickets").json()
    assert [x["id"] for x in listed] == [t["a1"]]  # not a2's, not its own in shop s2
    assert sorted(x["id"] for x in world.sup.get("/api/v1/care/tickets").json()) == sorted(t.values())
    bodies = {"respond": {"text": "在的"}, "escalate": {"department": "tech", "note": "x"},
              "resolve": {"root_cause": "x"}, "callback": {"at": "2099-01-01T10:00:00+08:00"},
              "callback-result": {"outcome": "satisfied"}}
    for ticket in (t["a2"], t["a1@s2"]):
        _forbidden(world.a1.get(f"/api/v1/care/tickets/{ticket}"))
        _forbidden(world.a1.get(f"/api/v1/care/tickets/{ticket}/history"))
        for action, body in bodies.items():
            _forbidden(world.a1.post(f"/api/v1/care/tickets/{ticket}/{action}", json=body))
    assert world.a1.post(f"/api/v1/care/tickets/{t['a1']}/respond", json={"text": "在的"}).status_code == 200
    own = world.a1.get(f"/api/v1/care/tickets/{t['a1']}/history").json()
    assert [(h["kind"], h["data"].get("text")) for h in own] == [("ticket.created", None), ("ticket.responded", "在的")]
    assert world.sup.post(f"/api/v1/care/tickets/{t['a2']}/respond", json={"text": "主管"}).status_code == 200
    new = {"shop_id": "s1", "buyer": "b", "category": "物流"}
    made = world.a1.post("/api/v1/care/tickets", json=new)
    assert (made.status_code, made.json()["owner"]) == (201, "a1")
    _forbidden(world.a1.post("/api/v1/care/tickets", json={**new, "owner": "a2"}))
    _forbidden(world.a1.post("/api/v1/care/tickets", json={**new, "shop_id": "s2"}))
    unknown = world.sup.post("/api/v1/care/tickets", json={**new, "shop_id": "no-such-shop"})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "NOT_FOUND")
    assert world.api.post("/api/v1/care/tickets", json={**new, "shop_id": "no-such-shop"}).status_code == 404


def test_other_agents_status_and_load_are_private(world: World) -> None:
    assert world.a1.get("/api/v1/agents/a1").json()["load"] == 1
    _forbidden(world.a1.get("/api/v1/agents/a2"))
    assert world.sup.get("/api/v1/agents/a2").json()["status"] == "online"
    _forbidden(world.a1.post("/api/v1/agents/a2/handover", json={"to": ["b1"]}))
    assert world.api.get("/api/v1/conversations/{}".format(world.chats["a2"])).json()["agent"] == "a2"


def test_agents_open_chats_only_in_their_shop(world: World) -> None:
    _forbidden(world.a1.post("/api/v1/conversations", json={"shop": "s2", "buyer": "walk-in"}))
    _forbidden(world.b1.post("/api/v1/conversations", json={"shop": "s1", "buyer": "walk-in"}))
    assert world.a1.post("/api/v1/conversations", json={"shop": "s1", "buyer": "walk-in"}).status_code == 201
    assert world.api.post("/api/v1/conversations", json={"shop": "s2", "buyer": "walk-in"}).status_code == 201


def test_books_statistics_and_handovers_are_the_agents_own(world: World) -> None:
    for client, text in ((world.a1, "a1 的交接"), (world.a2, "a2 的交接")):
        r = client.post("/api/v1/care/logbook", json={"shop_id": "s1", "book": "handover", "text": text, "day": DAY})
        assert r.status_code == 201, r.text
    _forbidden(world.a1.post("/api/v1/care/logbook", json={"shop_id": "s2", "book": "issues", "text": "x"}))
    window = f"shop_id=s1&book=handover&start={DAY}&end={DAY}"
    assert [e["text"] for e in world.a1.get(f"/api/v1/care/logbook?{window}").json()] == ["a1 的交接"]
    _forbidden(world.a1.get(f"/api/v1/care/logbook?{window}&author=a2"))
    assert len(world.sup.get(f"/api/v1/care/logbook?{window}").json()) == 2
    book = world.a1.get(f"/api/v1/care/handover-log?shop_id=s1&day={DAY}").json()
    assert [n["text"] for n in book["notes"]] == ["a1 的交接"]
    assert [h["note"] for h in book["handovers"]] == ["a1→a2"]
    assert len(world.sup.get(f"/api/v1/care/handover-log?shop_id=s1&day={DAY}").json()["handovers"]) == 2
    assert [h["note"] for h in world.a1.get("/api/v1/live/handovers").json()] == ["a1→a2"]
    _forbidden(world.a1.get("/api/v1/live/handovers?agent=a2"))
    assert len(world.sup.get("/api/v1/live/handovers?agent=a2").json()) == 2
    stats = world.a1.get(f"/api/v1/care/service-stats?day={DAY}").json()
    assert [r["agent_id"] for r in stats] == ["a1"]
    assert sorted(r["agent_id"] for r in world.sup.get(f"/api/v1/care/service-stats?day={DAY}").json()) == ["a1", "a2"]
    _forbidden(world.a1.get(f"/api/v1/care/surveys/stats?start={DAY}&end={DAY}&agent_id=a2"))
    assert world.a1.get(f"/api/v1/care/surveys/stats?start={DAY}&end={DAY}").json()["sent"] == 0
