"""Service: store a roster, hand-edit a cell, re-check the rules against the shop's agents and shifts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.plan.roster.types import Assignment
from kefu.service.plan import roster as svc
from kefu.store.models.org import Agent, Shop
from kefu.store.models.plan import RosterEntry, ShiftTemplate


def _seed(session: Session) -> None:
    session.add(Shop(id="s1", name="店1"))
    session.flush()
    session.add_all([
        Agent(id="A", shop_id="s1", name="A", skills=["售前"], night_ok=False),
        Agent(id="B", shop_id="s1", name="B", skills=["售后"], night_ok=True),
        ShiftTemplate(shop_id="s1", code="白", start="09:00", end="17:00", night=False),
        ShiftTemplate(shop_id="s1", code="夜", start="23:00", end="07:00", night=True),
    ])
    session.flush()


def test_save_edit_and_recheck(session: Session) -> None:
    _seed(session)
    start = date(2026, 3, 1)
    roster: dict[str, list[Assignment | None]] = {
        "A": [Assignment("白", "售前", (("meal", 720, 750),)), None], "B": [None, Assignment("夜", "售后")]}
    assert svc.save_roster(session, "s1", start, roster) == 4
    stored = session.query(RosterEntry).filter_by(agent_id="A", day=start).one()
    assert stored.breaks == [{"kind": "meal", "start": "12:00", "end": "12:30"}]
    problem = svc.db_problem(session, "s1", start, 2)
    assert [(s.code, s.start, s.end, s.night) for s in problem.shifts] == [("夜", 1380, 1860, True), ("白", 540, 1020, False)]
    assert svc.load_roster(session, "s1", start, 2) == {
        "A": [Assignment("白", "售前"), None], "B": [None, Assignment("夜", "售后")]}
    # 2 days of March need ceil(4 * 2 / 31) = 1 rest day: both agents have one
    assert svc.check_roster(problem, svc.load_roster(session, "s1", start, 2)) == []
    svc.set_cell(session, "s1", "A", date(2026, 3, 2), "夜")
    bad = svc.check_roster(problem, svc.load_roster(session, "s1", start, 2))
    # stored agents are the seeds' full-timers: 2 days less 1 rest day owed, so a second shift breaks max_days too
    assert sorted(v.rule for v in bad) == ["max_days", "night_ok", "rest_days_per_month"]
    with pytest.raises(KefuError) as err:
        svc.set_cell(session, "s1", "A", date(2026, 3, 2), "早")
    assert err.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(KefuError):
        svc.set_cell(session, "s1", "Z", date(2026, 3, 2), "白")
