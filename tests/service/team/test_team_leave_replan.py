"""Leave approval re-plans the month with minimal change (issue 22), on the demo shop's December.

December is planned first by the roster area's month action (what the roster page's 排班 button
does), from the demo's forecast. An agent then takes two days of leave; the approval frees its
cells and re-plans. The figures are the engine's, so the assertions are the contract: the
database changed exactly where the approval says, the agent rests on its leave days, the month
keeps every hard rule, each other agent moved got its event, and the re-plan stayed under the cap;
or, when the re-plan fails, the roster is back to the freed one and the gaps are open shifts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.demo.actions import load_demo
from kefu.service.plan import actions_month, actions_roster
from kefu.service.plan.actions_roster import plan_roster
from kefu.service.plan.schemas import ShopMonth
from kefu.service.team import actions, actions_leave_roster, schemas
from kefu.store.db import session_factory
from kefu.store.models.live import Event
from kefu.store.models.org import Shop
from kefu.store.models.plan import RosterEntry

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
DEC = date(2026, 12, 1)
BOSS = actions.Actor("boss", "admin")

Cells = dict[tuple[str, date], str]


@pytest.fixture
def planned(engine: Engine) -> Engine:
    load_demo(engine, seed=5, days=21, agents=4, now=NOW)
    with session_factory(engine)() as s, s.begin():
        plan_roster(ShopMonth("demo", DEC), time_limit=3, session=s)
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


def test_approval_replans_the_month_changing_only_what_it_lists(planned: Engine) -> None:
    with session_factory(planned)() as s, s.begin():
        before = month(s)
        agent, first, last = two_working_days(before)
        out = leave(s, agent, first, last)
        approved = actions.approve_leave(s, BOSS, out.id, "同意", now=NOW, time_limit=3)
        after = month(s)
        violations = actions_month.month_view(s, "demo", DEC)[2]
        told = {a: d["roster_changes"] for a, d in s.execute(select(Event.agent_id, Event.data).where(
            Event.kind == "leave.roster_replanned", Event.subject == f"leave:{out.id}"))}  # fmt: skip
        approval = s.scalars(select(Event.data).where(Event.kind == "leave.approved")).one()
    assert approved.replan is not None and approved.replan.outcome == "replanned", approved.replan
    listed = {(c.agent, c.day.isoformat()): (c.before, c.after) for c in approved.roster_changes}
    assert diff(before, after) == listed  # the roster changed exactly where the approval says
    for day in (first, last):
        assert listed[(agent, day.isoformat())] == (before[(agent, day)], "")
    assert violations == []
    moved = [c for c in approved.roster_changes if (c.agent, c.day) not in {(agent, first), (agent, last)}]
    assert len(moved) <= actions_leave_roster.MAX_CHANGES_PER_FREED * 2
    assert sorted(told) == sorted({c.agent for c in moved if c.agent != agent})
    for other, cells in told.items():
        assert [(c["day"], c["before"], c["after"]) for c in cells] == [
            (c.day.isoformat(), c.before, c.after) for c in approved.roster_changes if c.agent == other]
    assert approval["replan"] == {"outcome": "replanned", "reason": "", "reason_en": ""}
    assert approval["roster_changes"] == [c.model_dump(mode="json") for c in approved.roster_changes]


def test_a_failed_replan_is_rolled_back_and_the_gaps_offered(planned: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine stores its month, then the approval's re-plan fails: none of it stays; the gaps become open shifts."""
    real = actions_leave_roster.plan_roster

    def stores_then_fails(*args: object, **kwargs: object) -> object:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise KefuError(ErrorCode.ROSTER_INFEASIBLE, "找不到满足规则的排班", "no roster meets the rules")

    monkeypatch.setattr(actions_leave_roster, "plan_roster", stores_then_fails)
    with session_factory(planned)() as s, s.begin():
        before = month(s)
        agent, first, last = two_working_days(before)
        out = leave(s, agent, first, last)
        approved = actions.approve_leave(s, BOSS, out.id, now=NOW, time_limit=1)
        after = month(s)
        offered = actions.list_open_shifts(s, BOSS, shop_id="demo", now=NOW)
    assert diff(before, after) == {(agent, first.isoformat()): (before[(agent, first)], ""),
                                   (agent, last.isoformat()): (before[(agent, last)], "")}
    assert approved.replan == schemas.ReplanOut(outcome="freed", reason="无法重排: 找不到满足规则的排班",
                                                reason_en="could not re-plan: no roster meets the rules",
                                                open_shifts=[o.id for o in offered])  # fmt: skip
    assert [(o.day, o.shift_code, o.source) for o in offered] == [
        (first, before[(agent, first)], f"leave:{out.id}"), (last, before[(agent, last)], f"leave:{out.id}")]


def test_a_month_already_breaking_a_rule_is_not_reshuffled(planned: Engine) -> None:
    """A hand edit left someone without enough rest days: the approval frees the cells and says why it did not re-plan."""
    with session_factory(planned)() as s, s.begin():
        cells = month(s)
        agent, first, last = two_working_days(cells)
        other = sorted({a for a, _ in cells} - {agent})[0]
        shift = next(c for (a, _), c in sorted(cells.items()) if a == other and c)
        for (a, d), c in cells.items():
            if a == other and not c:
                actions_roster.set_cell(s, "demo", other, d, shift)  # every rest day worked
        before = month(s)
        out = leave(s, agent, first, last)
        approved = actions.approve_leave(s, BOSS, out.id, now=NOW, time_limit=1)
        after = month(s)
    assert approved.replan is not None and approved.replan.outcome == "freed"
    assert approved.replan.reason.startswith("2026-12 的排班已违反 ") and "重排会大改" in approved.replan.reason
    assert set(diff(before, after)) == {(agent, first.isoformat()), (agent, last.isoformat())}


def test_a_replan_moving_more_than_the_cap_falls_back(planned: Engine) -> None:
    """The shop allows no other cell to move: whatever the engine proposes beyond the freed cells is refused."""
    with session_factory(planned)() as s, s.begin():
        s.get(Shop, "demo").settings = {**(s.get(Shop, "demo").settings or {}),
                                        "team": {"leave": {"replan_max_changes": 0, "replan_seconds": 2}}}  # fmt: skip
        before = month(s)
        agent, first, last = two_working_days(before)
        out = leave(s, agent, first, last)
        approved = actions.approve_leave(s, BOSS, out.id, now=NOW)
        after = month(s)
    assert approved.replan is not None
    assert set(diff(before, after)) == {(agent, first.isoformat()), (agent, last.isoformat())}  # nobody else moved
    if approved.replan.outcome == "freed":  # the engine wanted to move someone: refused, saying so
        assert approved.replan.reason.startswith("重排需改动 ") and approved.replan.reason.endswith("超过上限 0")
    else:  # the engine moved nobody: nothing to refuse
        assert approved.replan.outcome == "replanned"
