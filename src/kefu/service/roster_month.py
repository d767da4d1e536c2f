"""Plan a shop's month in one step: forecast → staff needed per skill → roster → stored.

This is the supervisor's "排下个月" button: the same engines as the CLI
(``kefu forecast shop``, ``kefu staffing requirement``, ``kefu roster plan``),
joined up over the shop's own history, agents and shift templates.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.config import get_settings
from kefu.domain.errors import ErrorCode, KefuError, bad_argument, not_found
from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.io.roster_csv import write_roster
from kefu.io.roster_export import month_ics, write_xlsx
from kefu.plan.roster.rules import Violation, check
from kefu.plan.roster.solve import coverage_ratio
from kefu.plan.roster.types import SLOT, SLOTS_PER_DAY, AgentTotals, Roster, RosterProblem
from kefu.service import plan as plan_svc
from kefu.service import roster as roster_svc
from kefu.store.db import transaction
from kefu.store.migrate import upgrade
from kefu.store.models.live import Conversation
from kefu.store.models.plan import RosterEntry


@dataclass(frozen=True)
class Change:
    """One cell a re-plan changed: the stored shift before and the new one ("" = rest day)."""

    agent: str
    day: date
    before: str
    after: str


@dataclass(frozen=True)
class MonthPlan:
    """What was planned and stored, in figures a supervisor reads."""

    shop_id: str
    start: date
    days: int
    status: str
    skills: tuple[str, ...]  # skill groups with conversations and agents
    forecast_skills: tuple[str, ...]  # those with enough history to forecast
    required_agent_slots: int  # sum over intervals of agents needed (all skills)
    coverage: float  # share of the requirement covered after breaks, 0–1
    entries: int  # roster rows written
    bound: float = 1.0  # no roster under these rules covers more (the LP bound), 0–1
    gap: float = 0.0  # 1 - coverage / bound: how far the roster is from the best possible
    violations: int = 0  # hard-rule violations of the stored roster (0 unless a bug)
    totals: tuple[AgentTotals, ...] = ()
    changed: tuple[Change, ...] = ()  # cells a re-plan changed against the roster stored before
    kept_days: int = 0  # days from the start kept exactly as stored (already worked)


def plan_month(
    session: Session,
    shop_id: str,
    first_day: date,
    *,
    time_limit: float = 30.0,
    progress: Callable[[float, float], None] | None = None,
    today: date | None = None,
) -> MonthPlan:
    """Forecast each skill group from history before the month, staff it, roster it and store it.

    A roster already stored for the month is re-planned with as few changes
    as possible: the days before ``today`` (the shop's date; default now)
    are kept exactly, every later cell that changes costs, and the changed
    cells are listed.
    """
    days = calendar.monthrange(first_day.year, first_day.month)[1]
    start = first_day.replace(day=1)
    problem = roster_svc.db_problem(session, shop_id, start, days)
    if not problem.agents or not problem.shifts:
        raise KefuError(
            ErrorCode.ROSTER_INFEASIBLE,
            "店铺还没有客服或班次模板, 无法排班",
            "the shop has no agents or shift templates to roster",
            {"shop": shop_id},
        )
    groups = session.scalars(select(Conversation.group).where(Conversation.shop_id == shop_id).distinct())
    skills = sorted(g for g in groups if any(g in a.skills for a in problem.agents))
    requirement: dict[str, list[float]] = {}
    forecast_skills = []
    for skill in skills:
        need = [0.0] * (days * SLOTS_PER_DAY)
        requirement[skill] = need
        if not plan_svc.forecast_shop(session, shop_id, start, days, skill=skill):
            continue  # too little history to forecast this group: it asks for nobody
        forecast_skills.append(skill)
        for point in plan_svc.requirement(session, shop_id, start, days, skill=skill):
            local = point.interval_start
            slot = (local.date() - start).days * SLOTS_PER_DAY + (local.hour * 60 + local.minute) // SLOT
            if 0 <= slot < len(need):
                need[slot] = float(point.required or 0)
    problem.requirement = requirement
    stored = roster_svc.load_roster(session, shop_id, start, days)
    if any(cell is not None for line in stored.values() for cell in line):
        problem.previous = stored
        now = today or utc_now().astimezone(SHOP_TZ).date()
        problem.frozen_days = min(days, max(0, (now - start).days))
    result = roster_svc.plan(problem, time_limit, progress=progress)
    entries = roster_svc.save_roster(session, shop_id, start, result.roster)
    coverage = round(result.coverage_ratio if result.coverage_ratio is not None else
                     coverage_ratio(problem, result.coverage), 4)
    bound = round(result.bound if result.bound is not None else 1.0, 4)
    return MonthPlan(
        shop_id=shop_id,
        start=start,
        days=days,
        status=result.status,
        skills=tuple(skills),
        forecast_skills=tuple(forecast_skills),
        required_agent_slots=int(sum(sum(v) for v in requirement.values())),
        coverage=coverage,
        entries=entries,
        bound=bound,
        gap=round(max(0.0, 1.0 - coverage / bound) if bound else 0.0, 4),
        violations=len(check(problem, result.roster)),
        totals=tuple(result.totals),
        changed=tuple(_changes(start, problem.previous, result.roster)) if problem.previous else (),
        kept_days=problem.frozen_days,
    )


def _changes(start: date, before: Roster, after: Roster) -> list[Change]:
    """Cells whose shift differs between the stored roster and the new one."""
    out = []
    for agent, line in after.items():
        old = before.get(agent, [])
        for d, cell in enumerate(line):
            prev = old[d] if d < len(old) else None
            was, now = "" if prev is None else prev.shift, "" if cell is None else cell.shift
            if was != now:
                out.append(Change(agent, start + timedelta(days=d), was, now))
    return out


def parse_month(text: str) -> date:
    """``YYYY-MM`` → its first day; anything else is a bilingual BAD_ARGUMENT."""
    try:
        year, month = (int(x) for x in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise bad_argument("month", f"月份应为 YYYY-MM, 收到 '{text}'", f"month must be YYYY-MM, got '{text}'") from None


EXPORT_KINDS = (".csv", ".xlsx", ".ics")


def export_month(session: Session, shop_id: str, first_day: date, path: Path) -> int:
    """Write the shop's stored roster of the month as the page shows it (every active agent); rows written.

    ``.csv``: agent,date,shift with an empty shift on a rest day; ``.xlsx``:
    agents × days with totals; ``.ics``: one calendar with everyone's shifts.
    """
    kind = path.suffix.lower()
    if kind not in EXPORT_KINDS:
        raise bad_argument("out", f"导出文件须为 {'/'.join(EXPORT_KINDS)}, 收到 '{path.name}'",
                           f"the export must be {'/'.join(EXPORT_KINDS)}, got '{path.name}'")
    start = first_day.replace(day=1)
    days = calendar.monthrange(start.year, start.month)[1]
    problem = roster_svc.db_problem(session, shop_id, start, days)
    if not problem.agents:
        raise not_found("店铺/shop", shop_id)
    stored = roster_svc.load_roster(session, shop_id, start, days)
    roster: Roster = {a.id: stored.get(a.id, [None] * days) for a in problem.agents}
    if kind == ".csv":
        write_roster(path, roster, start, days)
    elif kind == ".xlsx":
        write_xlsx(path, problem, roster)
    else:
        path.write_text(month_ics(problem, roster), encoding="utf-8")
    return len(roster) * days


def plan_month_command(shop_id: str, month: str, time_limit: float,
                       progress: Callable[[float, float], None] | None = None) -> MonthPlan:
    """``kefu roster plan-month``: the page's 排班 action in one transaction of the configured database."""
    if time_limit <= 0:
        raise bad_argument("time-limit", "时间限制须大于 0", "time limit must be positive")
    first = parse_month(month)
    upgrade(get_settings().database_url)
    with transaction() as session:
        return plan_month(session, shop_id, first, time_limit=time_limit, progress=progress)


def export_month_command(shop_id: str, month: str, path: Path) -> int:
    """``kefu roster export``: the stored month of the configured database to a file."""
    first = parse_month(month)
    upgrade(get_settings().database_url)
    with transaction() as session:
        return export_month(session, shop_id, first, path)


def plan_json(result: MonthPlan) -> dict[str, object]:
    """The ``plan-month --json`` document: coverage, bound, gap, violations, per-agent days/hours/nights."""
    return {
        "coverage": result.coverage,
        "bound": result.bound,
        "gap": result.gap,
        "violations": result.violations,
        "agents": {t.agent: {"days": t.workdays, "hours": t.hours, "nights": t.nights} for t in result.totals},
        "changed": [{"agent": c.agent, "date": c.day.isoformat(), "before": c.before, "after": c.after}
                    for c in result.changed],
    }


def month_view(session: Session, shop_id: str, first_day: date) -> tuple[RosterProblem, Roster, list[Violation]]:
    """The stored month as the page shows it (every active agent) and its hard-rule violations.

    A roster stored from the middle of the month on (the demo's window, a
    shop that started rostering then) is checked from its first stored day:
    the days before it owe their pro-rata rest days to no roster.
    """
    start = first_day.replace(day=1)
    days = calendar.monthrange(start.year, start.month)[1]
    problem = roster_svc.db_problem(session, shop_id, start, days)
    stored = roster_svc.load_roster(session, shop_id, start, days)
    roster: Roster = {a.id: stored.get(a.id, [None] * days) for a in problem.agents}
    first = session.scalar(select(func.min(RosterEntry.day)).where(
        RosterEntry.shop_id == shop_id, RosterEntry.day >= start, RosterEntry.day < start + timedelta(days=days)))
    if first is None or not problem.shifts:
        return problem, roster, []
    skip = (first - start).days
    checked = roster_svc.db_problem(session, shop_id, first, days - skip)
    violations = check(checked, {a: line[skip:] for a, line in roster.items()})
    return problem, roster, violations
