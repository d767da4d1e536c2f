"""The roster page's board: day marks, head-count against the requirement, coverage after breaks, totals
against the contract, the last plan and the edits since, the agent's own view, the page's downloads;
contracts and fairness controls validated and reaching the month's problem."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.plan.roster.types import Assignment, Fairness, RosterProblem
from kefu.service.plan import actions_board, actions_month, actions_policy, events
from kefu.service.plan import actions_roster as svc
from kefu.service.plan.roster import db_problem, save_roster
from kefu.service.plan.schemas import ShopMonth
from kefu.store.models.live import Event
from kefu.store.models.org import Agent, Shop
from kefu.store.models.plan import Forecast, ShiftTemplate

OCT = date(2026, 10, 1)
REST = {4, 11, 18, 25}  # the Sundays: 27 days worked, runs of at most six


@dataclass
class Viewer:
    role: str
    agent_id: str | None = None


BOSS = Viewer("supervisor")


def _seed(session: Session) -> None:
    session.add(Shop(id="s1", name="店1"))
    session.flush()
    meal = [{"kind": "meal", "minutes": 30, "window": ["11:30", "13:30"]}]
    session.add_all([
        Agent(id="A", shop_id="s1", name="小美", skills=["售前"]),
        Agent(id="B", shop_id="s1", name="阿杰", skills=["售后"]),
        ShiftTemplate(shop_id="s1", code="白", start="09:00", end="16:30", breaks=meal),
        ShiftTemplate(shop_id="s1", code="晚", start="16:00", end="22:30", evening=True, breaks=meal),
    ])  # fmt: skip
    lines: dict[str, list[Assignment | None]] = {"A": [], "B": []}
    for d in range(31):
        work = d + 1 not in REST
        lines["A"].append(Assignment("白", "售前", (("meal", d * 1440 + 720, d * 1440 + 750),)) if work else None)
        lines["B"].append(Assignment("晚", "售后") if work else None)
    save_roster(session, "s1", OCT, lines)
    # 售前 needs one agent 09:00–16:00 on 2 October, two at 16:00–16:30 and one at 17:00–17:30
    need = {t: 1.0 for t in range(18, 32)} | {32: 2.0, 34: 1.0}
    midnight = datetime(2026, 10, 1, 16, 0, tzinfo=UTC)  # 2 October 00:00 in Shanghai
    session.add_all(Forecast(shop_id="s1", skill="售前", interval_start=midnight + timedelta(minutes=30 * t),
                             forecast=5.0, required_agents=v, model="auto", created_at=midnight) for t, v in need.items())
    session.flush()


def test_board_marks_headcount_coverage_and_totals(session: Session) -> None:
    _seed(session)
    b = actions_board.board(session, BOSS, "s1", "2026-10")
    assert (b.days, b.month, len(b.marks), b.plan, b.violations) == (31, "2026-10", 31, None, [])
    one, four, five, ten = (b.marks[d - 1] for d in (1, 4, 5, 10))
    assert (one.weekday, one.kind, one.name) == ("四", "statutory", "国庆节")
    assert (four.weekday, four.kind, five.kind, five.name) == ("日", "rest", "rest", "国庆节")
    assert (ten.weekday, ten.kind, ten.makeup) == ("六", "workday", True)  # 调休上班
    assert [(s.code, s.start, s.end, s.late) for s in b.shifts] == [("晚", "16:00", "22:30", True),
                                                                   ("白", "09:00", "16:30", False)]
    assert [(r.agent, r.name, r.cells[0], r.cells[3]) for r in b.rows] == [("A", "小美", "白", ""), ("B", "阿杰", "晚", "")]
    heads = {(h.shift, h.skill): h for h in b.headcount}
    assert sorted(heads) == [("晚", "售前"), ("晚", "售后"), ("白", "售前"), ("白", "售后")]
    assert heads[("白", "售前")].planned[:5] == [1, 1, 1, 0, 1] and heads[("白", "售后")].planned[:2] == [0, 0]
    # required = the peak need in the hours only that shift works (白 09:00–16:00, 晚 16:30–22:30)
    assert heads[("白", "售前")].required[:3] == [None, 1, None] and heads[("晚", "售前")].required[1] == 1
    assert heads[("晚", "售后")].required == [None] * 31
    # 2 October: A covers 13 of the 14 single slots (the meal at 12:00), 1 of the 2 at 16:00 and none at 17:00
    assert [(c.skill, c.days[1], c.month) for c in b.coverage] == [("售前", round(14 / 17, 4), round(14 / 17, 4))]
    assert b.coverage[0].days[0] is None and b.covered == round(14 / 17, 4)
    a, bb = b.totals
    assert (a.agent, a.workdays, a.hours, a.nights, a.weekend_days, a.holidays, a.rest_days, a.overtime_hours) == (
        "A", 27, 189.0, 0, 5, 3, 4, 15.0)  # 白 pays 7 h; Saturdays worked; 1–3 October statutory
    assert (bb.workdays, bb.hours, bb.nights, bb.overtime_hours, bb.owed_days, bb.owed_hours) == (27, 162.0, 27, 0.0,
                                                                                                 "27", "")
    assert not a.off_contract and not bb.off_contract


def test_an_edit_is_rechecked_and_counted_after_the_last_plan(session: Session) -> None:
    _seed(session)
    events.roster_month_planned(session, shop_id="s1", month="2026-10", by="boss", at=datetime(2026, 9, 30, tzinfo=UTC),
                                data={"coverage": 0.9, "bound": 0.95, "gap": 0.0526, "violations": 0, "seconds": 3.2,
                                      "replan": True, "changed": [{"agent": "A", "date": "2026-10-09", "before": "晚",
                                                                   "after": "白"}]})  # fmt: skip
    svc.set_cell(session, "s1", "A", date(2026, 10, 12), "", by="boss")
    b = actions_board.board(session, BOSS, "s1", "2026-10")
    assert b.rows[0].cells[11] == "" and b.rows[0].changed == [9]
    assert [(v.agent, v.rule) for v in b.violations] == [("A", "min_days")]
    assert b.totals[0].off_contract and not b.totals[1].off_contract
    assert b.plan is not None
    assert (b.plan.at, b.plan.by, b.plan.gap, b.plan.edits_since, b.plan.replan) == ("2026-09-30 08:00", "boss", 0.0526, 1,
                                                                                     True)
    edit = session.scalars(select(Event).where(Event.kind == "roster.cell_set")).one()
    assert (edit.subject, edit.actor, edit.data) == ("roster:s1:2026-10", "boss",
                                                     {"date": "2026-10-12", "before": "白", "after": ""})


def test_an_agent_sees_their_own_line_only(session: Session) -> None:
    _seed(session)
    b = actions_board.board(session, Viewer("agent", "B"), "s1", "2026-10")
    assert [r.agent for r in b.rows] == ["B"] and [t.agent for t in b.totals] == ["B"] and b.plan is None
    with pytest.raises(KefuError) as err:
        actions_board.board(session, BOSS, "nope", "2026-10")
    assert err.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(KefuError) as bad:
        actions_board.board(session, BOSS, "s1", "2026-13")
    assert bad.value.code is ErrorCode.BAD_ARGUMENT


def test_the_page_downloads_are_the_export_files(session: Session) -> None:
    _seed(session)
    name, body = actions_month.export_bytes(session, "s1", "2026-10", ".ics")
    assert name == "roster-s1-2026-10.ics" and body.decode().count("BEGIN:VEVENT") == 2 * 27
    name, body = actions_month.export_bytes(session, "s1", "2026-10", ".xlsx")
    assert name == "roster-s1-2026-10.xlsx" and body[:2] == b"PK"
    with pytest.raises(KefuError) as err:
        actions_month.export_bytes(session, "s1", "2026-10", ".pdf")
    assert err.value.code is ErrorCode.BAD_ARGUMENT


def test_contracts_are_checked_stored_and_planned_with(session: Session) -> None:
    _seed(session)
    with pytest.raises(KefuError) as err:
        actions_policy.save_contract(session, "s1", "A", {"min_hours": 120, "max_hours": 100}, by="boss")
    assert err.value.code is ErrorCode.BAD_ARGUMENT and "min_hours" in err.value.message
    with pytest.raises(KefuError) as bad:
        actions_policy.save_contract(session, "s1", "A", {"max_days": 40}, by="boss")
    assert "max_days" in bad.value.message_en
    with pytest.raises(KefuError) as gone:
        actions_policy.save_contract(session, "s1", "Z", {}, by="boss")
    assert gone.value.code is ErrorCode.NOT_FOUND
    assert actions_policy.contracts(session, "s1")[0].full_time
    out = actions_policy.save_contract(session, "s1", "A", {"min_days": 16, "max_days": 20, "min_hours": 100,
                                                            "max_hours": 120}, by="boss")  # fmt: skip
    assert (out.min_days, out.max_days, out.min_hours, out.max_hours, out.full_time) == (16, 20, 100, 120, False)
    whole = db_problem(session, "s1", OCT, 31).agents[0]
    assert (whole.min_days, whole.max_days, whole.min_hours, whole.max_hours) == (16, 20, 100, 120)
    half = db_problem(session, "s1", date(2026, 11, 16), 15).agents[0]  # half of November, pro rata
    assert (half.min_days, half.max_days, half.min_hours, half.max_hours) == (8, 10, 50, 60)
    b = actions_board.board(session, BOSS, "s1", "2026-10")
    assert (b.totals[0].owed_days, b.totals[0].owed_hours, b.totals[0].off_contract) == ("16–20", "100–120", True)
    assert {v.rule for v in b.violations} == {"max_days", "max_hours"}


def test_fairness_versions_and_the_month_problem(session: Session) -> None:
    _seed(session)
    assert actions_policy.fairness(session, "s1").version == 0
    with pytest.raises(KefuError) as err:
        actions_policy.save_fairness(session, "s1", {"rotation": "daily"}, by="boss")
    assert err.value.code is ErrorCode.BAD_ARGUMENT and actions_policy.fairness(session, "s1").version == 0
    saved = actions_policy.save_fairness(session, "s1", {"hours": 7.5, "nights": 1, "weekends": None, "holidays": 1,
                                                         "rotation": "blocks"}, by="boss")  # fmt: skip
    assert (saved.version, saved.saved_by, saved.nights, saved.weekends) == (1, "boss", 1, None)
    problem = RosterProblem(OCT, 31, [], [], {})
    actions_policy.apply_policy(session, "s1", problem)
    assert problem.fairness == Fairness(hours=7.5, nights=1, weekends=None, holidays=1)
    assert (problem.weights.switch, problem.weights.rotate) == (60, 0)  # whole weeks on one shift, no alternation
    assert problem.holidays == frozenset({date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 3)})


def test_an_impossible_contract_is_explained_and_nothing_is_stored(session: Session) -> None:
    _seed(session)
    actions_policy.save_contract(session, "s1", "A", {"min_days": 31}, by="boss")  # but four rest days a month
    with pytest.raises(KefuError) as err:
        svc.plan_roster(ShopMonth("s1", OCT), time_limit=2, session=session, by="boss")
    assert err.value.code is ErrorCode.ROSTER_INFEASIBLE
    assert "A: " in err.value.message and "合同最少出勤天数" in err.value.message
    assert [c["agent"] for c in err.value.details["conflicts"]] == ["A"]
    assert session.scalars(select(Event).where(Event.kind == "roster.month_planned")).all() == []
    assert actions_board.board(session, BOSS, "s1", "2026-10").rows[0].cells[3] == ""  # the stored month as it was


def test_a_plan_without_a_proven_bound_shows_neither_bound_nor_gap(session: Session) -> None:
    """The event's ``null`` bound reaches the page as None (shown 未证明 / not proven), not as 100 %."""
    _seed(session)
    events.roster_month_planned(session, shop_id="s1", month="2026-10", by="boss", at=datetime(2026, 9, 30, tzinfo=UTC),
                                data={"coverage": 0.9, "bound": None, "gap": None, "violations": 0, "seconds": 3.2,
                                      "replan": False, "changed": []})  # fmt: skip
    b = actions_board.board(session, BOSS, "s1", "2026-10")
    assert b.plan is not None
    assert (b.plan.coverage, b.plan.bound, b.plan.gap) == (0.9, None, None)
