"""Service paths the contract tests do not reach: bot mode, sweep after a commit-order race, sticky 挂起, monitor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.live import actions
from kefu.store.models.live import Conversation, Event
from kefu.store.models.org import Shop

T0 = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)


def test_bot_first_then_handover_to_human(session: Session) -> None:
    with session.begin():
        session.add(Shop(id="s", name="s", settings={"live": {"bot_mode": "bot_first"}}))
        actions.register_agent(session, "a", "a", ["售前"], 1, now=T0)
        actions.set_agent_status(session, "a", "online", T0)
        opened = actions.open_conversation(session, "s", "b", "售前", T0)
        assert opened["status"] == "bot" and opened["agent"] is None
        assert actions.get_agent(session, "a")["load"] == 0
        assert actions.bot_handover(session, opened["id"], T0 + timedelta(seconds=30)).agent == "a"


def test_sweep_assigns_what_a_commit_race_left_waiting(session: Session) -> None:
    with session.begin():
        actions.register_agent(session, "a", "a", ["售前"], 2, now=T0)
        actions.set_agent_status(session, "a", "online", T0)
        # as if another worker queued it while this agent's capacity was being freed
        session.execute(insert(Conversation).values(shop_id="s", buyer="b", group="售前", status="queued",
                                                    opened_at=T0))
        assert actions.queue_snapshot(session, T0 + timedelta(seconds=9))[0].waited_s == 9
        assert actions.sweep(session, T0 + timedelta(seconds=10)).model_dump() == {"assigned": 1, "reassigned": 0}
        assert actions.sweep(session, T0 + timedelta(seconds=11)).model_dump() == {"assigned": 0, "reassigned": 0}
        assert actions.get_agent(session, "a")["load"] == 1 and actions.queue_snapshot(session) == []


def test_away_agent_keeps_recent_buyers_only(session: Session) -> None:
    with session.begin():
        for agent in ("a", "b"):
            actions.register_agent(session, agent, agent, ["售前"], 3, now=T0)
            actions.set_agent_status(session, agent, "online", T0)
        first = actions.open_conversation(session, "s", "loyal", "售前", T0)
        actions.close_conversation(session, first["id"], T0 + timedelta(minutes=5))
        actions.set_agent_status(session, first["agent"], "away", T0 + timedelta(minutes=6))
        again = actions.open_conversation(session, "s", "loyal", "售前", T0 + timedelta(hours=2))
        assert (again["agent"], again["status"]) == (first["agent"], "assigned")  # sticky to the 挂起 agent
        reason = session.scalar(select(Event.data).where(Event.subject == f"conversation:{again['id']}"))
        assert reason["reason"] == "sticky"
        other = actions.open_conversation(session, "s", "new", "售前", T0 + timedelta(hours=2))
        assert other["agent"] != first["agent"]
        later = actions.open_conversation(session, "s", "loyal", "售前", T0 + timedelta(hours=30))
        assert later["agent"] == first["agent"]  # the open chat makes the contact current


def test_monitor_snapshot_figures(session: Session) -> None:
    with session.begin():
        actions.register_agent(session, "a", "a", ["售前"], 1, now=T0)
        actions.set_agent_status(session, "a", "online", T0)
        fast = actions.open_conversation(session, "s", "b1", "售前", T0)["id"]
        slow = actions.open_conversation(session, "s", "b2", "售前", T0 + timedelta(seconds=1))["id"]
        actions.post_message(session, fast, "in", "在吗", T0 + timedelta(seconds=2))
        actions.post_message(session, fast, "out", "在", T0 + timedelta(seconds=62))
        actions.post_message(session, fast, "in", "发货?", T0 + timedelta(seconds=70))
        actions.close_conversation(session, fast, T0 + timedelta(seconds=400))  # b2 waited 399 s
        snap = actions.monitor_snapshot(session, T0 + timedelta(seconds=401))
    assert (snap.queue_length, snap.longest_wait_s, snap.load, snap.capacity) == (0, 0, 1, 1)
    assert snap.agents_by_status == {"online": 1, "away": 0, "break": 0, "offline": 0}
    assert snap.service_level == 0.5 and snap.offered == 2
    assert snap.response_3min_rate == 0.5  # one answer in 60 s, one question unanswered for 331 s
    assert snap.no_data == ""
    with session.begin():  # everyone leaves: the figures say "no data", not the last answers' rates
        actions.close_conversation(session, slow, T0 + timedelta(seconds=402))
        actions.set_agent_status(session, "a", "offline", T0 + timedelta(seconds=402))
        closed = actions.monitor_snapshot(session, T0 + timedelta(seconds=403))
    assert (closed.service_level, closed.response_3min_rate, closed.offered, closed.no_data) == (
        None, None, 0, "no_agent_working")
    assert closed.agents[0].since == (T0 + timedelta(seconds=402)).isoformat()
    with session.begin():  # back at work, an hour later: nothing in the window to judge
        actions.set_agent_status(session, "a", "online", T0 + timedelta(hours=2))
        quiet = actions.monitor_snapshot(session, T0 + timedelta(hours=2, seconds=1))
    assert (quiet.service_level, quiet.response_3min_rate, quiet.no_data) == (None, None, "nothing_in_window")


def test_unknowns_and_offline_rules(session: Session) -> None:
    with session.begin():
        actions.register_agent(session, "a", "a", ["售前"], 1, now=T0)
        for call, code in ((lambda: actions.set_agent_status(session, "x", "online"), ErrorCode.AGENT_UNKNOWN),
                           (lambda: actions.close_conversation(session, 5), ErrorCode.CONVERSATION_UNKNOWN),
                           (lambda: actions.register_agent(session, "b", "b", ["售前"], 0), ErrorCode.BAD_ARGUMENT),
                           (lambda: actions.transfer_conversation(session, 5, to_group="售后"),
                            ErrorCode.CONVERSATION_UNKNOWN)):
            with pytest.raises(KefuError) as err:
                call()
            assert err.value.code is code
