"""The one-statement open/close (PostgreSQL hot path) writes exactly what the general path writes.

Runs on SQLite and PostgreSQL (the ``session`` fixture): same loads, same events,
same queue drain, same errors.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain.errors import KefuError
from kefu.service.live import actions
from kefu.store.models.live import Conversation, Event

T0 = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)


def _events(session: Session, cid: int) -> list[tuple[str, str | None, dict[str, object]]]:
    return [(e.kind, e.agent_id, dict(e.data)) for e in session.scalars(
        select(Event).where(Event.subject == f"conversation:{cid}").order_by(Event.id))]


def test_open_close_drain_write_the_same_rows(session: Session) -> None:
    with session.begin():
        actions.register_agent(session, "a", "a", ["售前"], 1, now=T0)
        actions.register_agent(session, "b", "b", ["售后"], 1, now=T0)
        actions.set_agent_status(session, "a", "online", T0)
        actions.set_agent_status(session, "b", "online", T0)
        first = actions.open_conversation(session, "s", "x", "售前", T0)
        assert first == {"id": first["id"], "agent": "a", "status": "assigned"}
        assert _events(session, first["id"]) == [
            ("conversation.assigned", "a", {"reason": "group", "group": "售前", "buyer": "x"})]
        row = session.get(Conversation, first["id"])
        assert row is not None and row.assigned_at == T0 and row.opened_at == T0 and row.channel == "web"
        waiting = actions.open_conversation(session, "s", "y", "售前", T0 + timedelta(seconds=1))
        assert waiting["status"] == "queued" and waiting["agent"] is None
        closed = actions.close_conversation(session, first["id"], T0 + timedelta(seconds=2))
        assert closed["status"] == "closed" and closed["agent"] == "a" and closed["buyer"] == "x"
        assert _events(session, first["id"])[-1] == ("conversation.closed", "a", {"was": "assigned"})
        assert actions.get_conversation(session, waiting["id"])["agent"] == "a"  # drained in the same call
        assert actions.get_agent(session, "a")["load"] == 1 and actions.get_agent(session, "b")["load"] == 0
        with pytest.raises(KefuError):
            actions.close_conversation(session, first["id"], T0 + timedelta(seconds=3))
        with pytest.raises(KefuError):
            actions.close_conversation(session, 10**9, T0 + timedelta(seconds=3))
        actions.close_conversation(session, waiting["id"], T0 + timedelta(seconds=4))
        assert actions.get_agent(session, "a")["load"] == 0
        closes = session.scalar(select(func.count()).select_from(Event).where(Event.kind == "conversation.closed"))
        assert closes == 2  # a double close frees nothing and logs nothing


def test_queued_close_frees_nothing(session: Session) -> None:
    with session.begin():
        actions.register_agent(session, "a", "a", ["售前"], 1, now=T0)
        actions.set_agent_status(session, "a", "online", T0)
        busy = actions.open_conversation(session, "s", "x", "售前", T0)
        queued = actions.open_conversation(session, "s", "y", "售前", T0)
        assert queued["status"] == "queued"
        actions.close_conversation(session, queued["id"], T0 + timedelta(seconds=1))
        assert _events(session, queued["id"])[-1] == ("conversation.closed", None, {"was": "queued"})
        assert actions.get_agent(session, "a")["load"] == 1 and actions.get_conversation(session, busy["id"])["agent"] == "a"


def test_the_best_candidate_wins_and_sticky_reason_is_kept(session: Session) -> None:
    with session.begin():
        for agent in ("a", "b", "c"):
            actions.register_agent(session, agent, agent, ["售前"], 3, now=T0)
            actions.set_agent_status(session, agent, "online", T0)
        first = actions.open_conversation(session, "s", "loyal", "售前", T0)
        actions.close_conversation(session, first["id"], T0 + timedelta(minutes=1))
        again = actions.open_conversation(session, "s", "loyal", "售前", T0 + timedelta(minutes=2))
        assert again["agent"] == first["agent"]
        assert _events(session, again["id"])[0][2]["reason"] == "sticky"
        spread = {actions.open_conversation(session, "s", f"n{i}", "售前", T0 + timedelta(minutes=3))["agent"]
                  for i in range(2)}
        assert first["agent"] not in spread and len(spread) == 2  # least load first
