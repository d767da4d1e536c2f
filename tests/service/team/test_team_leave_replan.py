"""Leave approval fills the gap with minimal change (issue 22), on the demo shop's December.

December holds a rota that keeps every rule of the shop; the requirement is the demo's own
forecast. An agent takes two days of leave; the approval frees its cells and fills them. The
assertions are the contract: the database changed exactly where the approval says, the agent
rests on its leave days, each freed shift was taken by a colleague (switching from the evening
shift: nobody rests those days, and a rest day cannot move without a run of seven), the month
keeps every hard rule, and each colleague moved got its event. (The exact moves are tested on a hand-made week in
``tests/team/test_backfill.py``.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from kefu.service.demo.actions import load_demo
from kefu.service.plan import actions_month
from kefu.service.team import actions, schemas
from kefu.store.db import session_factory
from kefu.store.models.live import Event
from kefu.store.models.plan import RosterEntry

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
DEC = date(2026, 12, 1)
BOSS = actions.Actor("boss", "admin")

Cells = dict[tuple[str, date], str]


@pytest.fixture
def planned(engine: Engine) -> Engine:
    """The demo shop (its forecast from 21 days of chats) with a December rota: kf01 on 白班, the others on 晚班,
    each resting one weekday in seven (27 days, runs of six, as the shop's contract and rules ask)."""
    load_demo(engine, seed=5, days=21, agents=4, now=NOW)
    with session_factory(engine)() as s, s.begin():
        s.execute(delete(RosterEntry).where(RosterEntry.day >= DEC))
        for i, agent in enumerate(("kf01", "kf02", "kf03", "kf04")):
            for d in range(31):
                shift = "" if d % 7 == 3 + i else ("白班" if agent == "kf01" else "晚班")
                s.add(RosterEntry(shop_id="demo", agent_id=agent, day=DEC + timedelta(days=d), shift_code=shift,
                                  skill="售前" if shift else "", breaks=[]))  # fmt: skip
    return engine


def month(session: Session) -> Cells:
    rows = session.scalars(select(RosterEntry).where(RosterEntry.day >= DEC, RosterEntry.day <= date(2026, 12, 31)))
    return {(r.agent_id, r.day): r.shift_code for r in rows}


def two_working_days(cells: Cells) -> tuple[str, date, date]:
    """The first agent working two days in a row in the second week (a leave that takes two shifts)."""
    for (agent, day), shift in sorted(cells.items()):
        nxt = day + timedelta(days=1)
        if day.day >= 7 and shift and cells.get((agent, nxt)):
            return agent, day, nxt
    raise AssertionError("no agent works two days in a row")


def leave(session: Session, agent: str, first: date, last: date) -> schemas.LeaveOut:
    who = actions.agent_actor(session, agent)
    return actions.request_leave(session, who, schemas.LeaveIn(agent_id=agent, kind="事假", first_day=first,
                                                               last_day=last, reason="家里有事"), now=NOW)  # fmt: skip


def diff(before: Cells, after: Cells) -> dict[tuple[str, str], tuple[str, str]]:
    return {(a, d.isoformat()): (before.get((a, d), ""), after.get((a, d), ""))
            for a, d in set(before) | set(after) if before.get((a, d), "") != after.get((a, d), "")}


def test_approval_fills_the_gap_changing_only_what_it_lists(planned: Engine) -> None:
    with session_factory(planned)() as s, s.begin():
        before = month(s)
        agent, first, last = two_working_days(before)
        out = leave(s, agent, first, last)
        approved = actions.approve_leave(s, BOSS, out.id, "同意", now=NOW)
        after = month(s)
        violations = actions_month.month_view(s, "demo", DEC)[2]
        told = {a: d["roster_changes"] for a, d in s.execute(select(Event.agent_id, Event.data).where(
            Event.kind == "leave.roster_replanned", Event.subject == f"leave:{out.id}"))}  # fmt: skip
        approval = s.scalars(select(Event.data).where(Event.kind == "leave.approved")).one()
        pages = {a: actions.my_page(s, actions.agent_actor(s, a), now=NOW) for a in told}
    assert approved.replan == schemas.ReplanOut(outcome="replanned")  # the demo's forecast asks for both shifts
    listed = {(c.agent, c.day.isoformat()): (c.before, c.after) for c in approved.roster_changes}
    assert diff(before, after) == listed  # the roster changed exactly where the approval says
    for day in (first, last):
        assert listed[(agent, day.isoformat())] == (before[(agent, day)], "")
    assert violations == []  # every hard rule of the month still holds
    moved = [c for c in approved.roster_changes if c.agent != agent]
    taken = sorted((c.day, c.after) for c in moved if c.after)
    assert taken == [(first, before[(agent, first)]), (last, before[(agent, last)])]  # each freed shift taken once
    assert [c.before for c in moved] == ["晚班", "晚班"]  # one colleague each day, switching shift: one cell each
    assert sorted(told) == sorted({c.agent for c in moved})
    for other, cells in told.items():
        assert [(c["day"], c["before"], c["after"]) for c in cells] == [
            (c.day.isoformat(), c.before, c.after) for c in moved if c.agent == other]
    for other, page in pages.items():  # each colleague moved reads it on its page
        assert [(n.day, n.before, n.after, n.because) for n in page.roster_notices] == [
            (c.day, c.before, c.after, approved.agent_name) for c in moved if c.agent == other]
    assert approval["replan"] == {"outcome": "replanned", "reason": "", "reason_en": ""}
    assert approval["roster_changes"] == [c.model_dump(mode="json") for c in approved.roster_changes]
