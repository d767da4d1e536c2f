"""Shift handover: conversations, tasks and follow-ups move with a note; the book keeps both sides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.live.handover import Item, Receiver, plan
from kefu.service.live import actions, actions_handover
from kefu.store.models.duty import Task
from kefu.store.models.org import Agent

T0 = datetime(2026, 11, 11, 8, 0, tzinfo=UTC)


def test_plan_respects_skill_and_room() -> None:
    items = [Item("conversation", "1", "售前"), Item("conversation", "2", "售后"), Item("conversation", "3", "售前"),
             Item("task", "t1"), Item("followup", "b9")]
    receivers = [Receiver("b", ("售前",), 1, 0), Receiver("c", ("售后",), 3, 1)]
    result = plan(items, receivers)
    assert [i.id for i in result.by_agent["b"]] == ["1", "t1"]
    assert [i.id for i in result.by_agent["c"]] == ["2", "b9"]
    assert [i.id for i in result.queued] == ["3"]


def test_hand_over_moves_everything_and_logs(session: Session) -> None:
    with session.begin():
        actions.register_agent(session, "day", "白班", ["售前", "售后"], 5, now=T0)
        actions.register_agent(session, "night1", "晚班1", ["售前"], 1, now=T0)
        actions.register_agent(session, "night2", "晚班2", ["售后"], 2, now=T0)
        actions.set_agent_status(session, "day", "online", T0)
        opened = [actions.open_conversation(session, "s", f"b{i}", g, T0 + timedelta(seconds=i))["id"]
                  for i, g in enumerate(["售前", "售后", "售前"])]
        session.add(Task(shop_id="s", task_type="pay_reminder", assignee="day", created_at=T0))
        for agent in ("night1", "night2"):
            actions.set_agent_status(session, agent, "online", T0)
    with session.begin():
        later = T0 + timedelta(hours=8)
        result = actions_handover.hand_over(session, "day", note="b2 要发票", now=later,
                                    followups=[{"buyer": "b7", "note": "明天回访"}])
    assert result.queued == [str(opened[2])]
    assert [m.id for m in result.moved["night1"]] == [str(opened[0]), "1"]
    assert [m.id for m in result.moved["night2"]] == [str(opened[1]), "b7"]
    loads = {a.id: (a.load, a.status) for a in session.query(Agent)}
    assert loads == {"day": (0, "offline"), "night1": (1, "online"), "night2": (1, "online")}
    assert actions.get_conversation(session, opened[2])["status"] == "queued"
    assert session.get(Task, 1).assignee == "night1"
    book = actions_handover.handover_log(session, agent_id="night2")
    assert [(h.from_, h.to, h.note) for h in book] == [("day", "night2", "b2 要发票")]
    assert len(actions_handover.handover_log(session, agent_id="day")) == 3  # two receivers and the queue


def test_hand_over_unknown_agents(session: Session) -> None:
    with session.begin():
        actions.register_agent(session, "a", "a", ["售前"], 1, now=T0)
    with pytest.raises(KefuError) as err:
        actions_handover.hand_over(session, "ghost")
    assert err.value.code is ErrorCode.AGENT_UNKNOWN
    with pytest.raises(KefuError) as err:
        actions_handover.hand_over(session, "a", ["nobody"])
    assert err.value.code is ErrorCode.AGENT_UNKNOWN
