"""The roster page's month board: the stored month with everything a 客服主管 checks before signing it.

One read for the page (:func:`board`): the days with weekday and 法定节假日/调休 marks, each
agent's line, the head-count per shift and skill against the forecast's requirement (the
requirement the last plan stored on the forecast rows), the share of the requirement covered
after breaks, each agent's totals against their contract, the hard-rule violations, and the
last plan's coverage, LP bound, gap and changed cells (its ``roster.month_planned`` event).
Everything is read from stored rows, so a hand edit shows at once and nothing is re-solved.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import not_found
from kefu.domain.timeutil import SHOP_TZ
from kefu.plan.roster.rules import contract_bounds, slot_overlaps
from kefu.plan.roster.solve import totals
from kefu.plan.roster.types import SLOT, SLOTS_PER_DAY, Roster, RosterProblem
from kefu.service import access
from kefu.service.plan import actions as forecasts
from kefu.service.plan import actions_month, actions_policy, events, store
from kefu.service.plan.schemas import ChangeOut, ViolationOut
from kefu.service.plan.schemas_board import (
    BoardRowOut,
    BoardTotalsOut,
    DayMarkOut,
    HeadcountOut,
    PlanSummaryOut,
    RosterBoardOut,
    ShiftLegendOut,
    SkillCoverageOut,
)
from kefu.store.models.org import Agent, Shop

WEEKDAYS = "一二三四五六日"
CONTRACT_RULES = {"min_days", "max_days", "min_hours", "max_hours"}


def board(session: Session, viewer: access.Viewer, shop: str, month: str) -> RosterBoardOut:
    """The month as the page shows it; an agent sees their own line, totals and violations only."""
    if session.get(Shop, shop) is None:
        raise not_found("店铺 / shop", shop)
    first = actions_month.month_first(month)
    view = actions_month.stored_month(session, shop, first)
    problem = view.problem
    mine = viewer.agent_id if viewer.role == "agent" else None
    agents = [a for a in problem.agents if mine is None or a.id == mine]
    names = {a: n for a, n in session.execute(select(Agent.id, Agent.name).where(Agent.shop_id == shop))}
    plan = _plan_summary(session, shop, f"{first:%Y-%m}")
    changed: dict[str, list[int]] = defaultdict(list)
    for c in plan.changed if plan else []:
        changed[c.agent].append(date.fromisoformat(c.date).day)
    rows = [BoardRowOut(agent=a.id, name=names.get(a.id, ""), changed=changed.get(a.id, []),
                        cells=["" if c is None else c.shift for c in view.shown[a.id]],
                        leave=sorted(d.day for d in a.leave)) for a in agents]  # fmt: skip
    violations = [v for v in view.violations if mine is None or v.agent == mine]
    need = _requirement(session, shop, problem)
    coverage, covered = _coverage(session, shop, problem, need)
    return RosterBoardOut(
        shop=shop, month=f"{first:%Y-%m}", days=problem.days, marks=_marks(problem), rows=rows,
        shifts=[ShiftLegendOut(code=s.code, start=_hhmm(s.start), end=_hhmm(s.end), late=s.late) for s in problem.shifts],
        headcount=_headcount(problem, view.shown, need), coverage=coverage, covered=covered,
        totals=_totals(view, [a.id for a in agents], {v.agent for v in view.violations if v.rule in CONTRACT_RULES}),
        violations=[ViolationOut.model_validate(v.as_dict()) for v in violations],
        plan=plan if mine is None else None,
        provisional_years=actions_policy.CALENDAR.provisional_years(problem.dates()),
    )  # fmt: skip


def _hhmm(minutes: int) -> str:
    return f"{minutes % 1440 // 60:02d}:{minutes % 60:02d}"


def _marks(problem: RosterProblem) -> list[DayMarkOut]:
    out = []
    for d in problem.dates():
        info = actions_policy.CALENDAR.info(d)
        out.append(DayMarkOut(date=d.isoformat(), day=d.day, weekday=WEEKDAYS[d.weekday()], kind=info.kind.value,
                              name=info.name, makeup=info.makeup_workday))  # fmt: skip
    return out


def _requirement(session: Session, shop: str, problem: RosterProblem) -> dict[str, list[float | None]]:
    """Agents required per 30-minute slot and skill, as the last plan stored them (None: none stored)."""
    skills = sorted({k for a in problem.agents for k in a.skills if k})
    out: dict[str, list[float | None]] = {}
    for skill in skills:
        need: list[float | None] = [None] * (problem.days * SLOTS_PER_DAY)
        for row in forecasts.stored_forecast(session, shop, problem.start, problem.days, skill=skill):
            if row.required_agents is None:
                continue
            local = row.interval_start.astimezone(SHOP_TZ)
            slot = (local.date() - problem.start).days * SLOTS_PER_DAY + (local.hour * 60 + local.minute) // SLOT
            if 0 <= slot < len(need):
                need[slot] = float(row.required_agents)
        if any(v is not None for v in need):
            out[skill] = need
    return out


def _slots(problem: RosterProblem) -> dict[str, list[int]]:
    """Each shift's whole 30-minute slots of its day that no other shift works (all its slots when none)."""
    full = {s.code: {t for t, m in slot_overlaps(s, 0, SLOTS_PER_DAY) if m == SLOT} for s in problem.shifts}
    out = {}
    for code, mine in full.items():
        others = set().union(*(v for k, v in full.items() if k != code))
        out[code] = sorted(mine - others) or sorted(mine)
    return out


def _headcount(problem: RosterProblem, shown: Roster, need: dict[str, list[float | None]]) -> list[HeadcountOut]:
    """Agents per shift and skill each day; required = the peak need in the slots only that shift works."""
    skills = sorted(set(need) | {c.skill for line in shown.values() for c in line if c is not None})
    slots = _slots(problem)
    count = Counter((c.shift, c.skill, d) for line in shown.values() for d, c in enumerate(line) if c is not None)
    out = []
    for s in problem.shifts:
        for skill in skills:
            req = need.get(skill)
            required: list[int | None] = []
            for d in range(problem.days):
                peak = [v for t in slots[s.code] if req is not None and (v := req[d * SLOTS_PER_DAY + t]) is not None]
                required.append(math.ceil(max(peak) - 1e-9) if peak else None)
            out.append(HeadcountOut(shift=s.code, skill=skill, required=required,
                                    planned=[count[(s.code, skill, d)] for d in range(problem.days)]))  # fmt: skip
    return out


def _coverage(session: Session, shop: str, problem: RosterProblem, need: dict[str, list[float | None]]
              ) -> tuple[list[SkillCoverageOut], float | None]:  # fmt: skip
    """Share of each skill's requirement covered per day and over the month, and of all skills' together.

    As the planner counts it: agents on the floor per 30-minute slot, the stored breaks
    deducted, capped at the requirement.
    """
    shifts = {s.code: s for s in problem.shifts}
    n = problem.days * SLOTS_PER_DAY
    minutes: dict[str, list[float]] = {k: [0.0] * n for k in need}
    active = {a.id for a in problem.agents}
    for e in store.working_entries(session, shop, problem.dates()):
        s = shifts.get(e.shift_code)
        if s is None or e.skill not in minutes or e.agent_id not in active:
            continue
        base = (e.day - problem.start).days * 1440
        for lo, hi in _worked(s.start, s.end, list(e.breaks or [])):
            for t in range((base + lo) // SLOT, min(n, -(-(base + hi) // SLOT))):
                minutes[e.skill][t] += max(0, min(hi + base, (t + 1) * SLOT) - max(lo + base, t * SLOT))
    out = []
    total_got = total_need = 0.0
    for skill, req in need.items():
        cov = minutes[skill]
        days: list[float | None] = []
        got_all = need_all = 0.0
        for d in range(problem.days):
            pairs = [(r, cov[t] / SLOT) for t in range(d * SLOTS_PER_DAY, (d + 1) * SLOTS_PER_DAY)
                     if (r := req[t]) is not None]  # fmt: skip
            asked = sum(r for r, _c in pairs)
            got = sum(min(r, c) for r, c in pairs)
            got_all, need_all = got_all + got, need_all + asked
            days.append(round(got / asked, 4) if asked else None)
        out.append(SkillCoverageOut(skill=skill, days=days, month=round(got_all / need_all, 4) if need_all else None))
        total_got, total_need = total_got + got_all, total_need + need_all
    return out, round(total_got / total_need, 4) if total_need else None


def _totals(view: actions_month.MonthView, agents: list[str], off: set[str]) -> list[BoardTotalsOut]:
    """Each agent's totals over the stored part of the month, with what the contract owes over it."""
    base = view.checked or view.problem
    base.holidays = actions_policy.statutory_days(base)
    lines = {a: line[view.skip:] for a, line in view.shown.items()}
    by_id = {a.id: a for a in base.agents}
    out = []
    for t in totals(base, lines):
        if t.agent not in agents:
            continue
        owed = contract_bounds(base, by_id[t.agent])
        days = str(owed.min_days) if owed.min_days == owed.max_days else (
            f"≥{owed.min_days}" if owed.max_days is None else f"{owed.min_days}–{owed.max_days}")
        hours = "" if not owed.min_minutes and owed.max_minutes is None else (
            f"≥{owed.min_minutes / 60:g}" if owed.max_minutes is None
            else f"{owed.min_minutes / 60:g}–{owed.max_minutes / 60:g}")  # fmt: skip
        out.append(BoardTotalsOut(agent=t.agent, workdays=t.workdays, hours=t.hours, nights=t.nights,
                                  weekend_days=t.weekend_days, holidays=t.holidays, rest_days=t.rest_days,
                                  overtime_hours=t.overtime_hours, owed_days=days, owed_hours=hours,
                                  off_contract=t.agent in off))  # fmt: skip
    return out


def _plan_summary(session: Session, shop: str, month: str) -> PlanSummaryOut | None:
    """The month's last plan and the hand edits written after it (None: never planned here)."""
    subject = events.month_subject(shop, month)
    row = store.last_event(session, events.PlanEvent.ROSTER_MONTH_PLANNED, subject)
    if row is None:
        return None
    data = row.data or {}
    return PlanSummaryOut(
        at=f"{row.ts.astimezone(SHOP_TZ):%Y-%m-%d %H:%M}", by=row.actor, coverage=float(data.get("coverage", 0.0)),
        bound=_number(data.get("bound")), gap=_number(data.get("gap")), violations=int(data.get("violations", 0)),
        seconds=float(data.get("seconds", 0.0)), replan=bool(data.get("replan", False)),
        changed=[ChangeOut.model_validate(c) for c in data.get("changed", [])],
        edits_since=store.count_events(session, events.PlanEvent.ROSTER_CELL_SET, subject, after_id=row.id),
    )  # fmt: skip


def _number(value: object) -> float | None:
    """A stored figure, or None when the plan proved none (``null`` in the event)."""
    return None if value is None else float(str(value))


def _worked(start: int, end: int, breaks: list[dict[str, str]]) -> list[tuple[int, int]]:
    """The shift's minutes (from the day's midnight; past 1440 after midnight) with its placed breaks cut out."""
    spans = [(start, end)]
    for br in breaks:
        a, b = _minutes(str(br.get("start", ""))), _minutes(str(br.get("end", "")))
        if a is None or b is None:
            continue
        a, b = a + (1440 if a < start else 0), b + (1440 if b < start else 0)
        spans = [p for lo, hi in spans for p in ((lo, min(hi, a)), (max(lo, b), hi)) if p[0] < p[1]]
    return spans


def _minutes(hhmm: str) -> int | None:
    try:
        return int(hhmm[:2]) * 60 + int(hhmm[3:5])
    except ValueError:
        return None
