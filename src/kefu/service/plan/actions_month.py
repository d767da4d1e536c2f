"""A shop's month: its problem from the forecast, re-plans with minimal change, the stored month as shown, export.

The month is planned by the one roster action, :func:`kefu.service.plan.actions_roster.plan_roster`
with a :class:`ShopMonth` — the page's 排班 button, the API's ``/roster/month`` and ``kefu roster
plan-month`` all call it. This module holds what that action needs about months (the forecast's
requirement per skill group, the stored roster a re-plan keeps close to, the cells it changed) and
the reads of a stored month: the page's grid with its violations, and ``kefu roster export``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError, bad_argument, not_found
from kefu.domain.timeutil import SHOP_TZ, month_bounds, utc_now
from kefu.plan.roster.rules import Violation, check
from kefu.plan.roster.types import SLOT, SLOTS_PER_DAY, Roster, RosterProblem
from kefu.service.plan import actions as forecasts
from kefu.service.plan import actions_policy, roster, store
from kefu.service.plan.schemas import ChangeOut, MonthPlanOut, ShopMonth

EXPORT_KINDS = (".csv", ".xlsx", ".ics")


def month_first(month: str) -> date:
    """``YYYY-MM`` → its first day; anything else is a bilingual BAD_ARGUMENT."""
    return month_bounds(month)[0]


def month_problem(session: Session, source: ShopMonth) -> tuple[RosterProblem, MonthPlanOut]:
    """The shop's agents and shifts over the month, each skill group's requirement from its forecast.

    A roster already stored for the month becomes the problem's ``previous``: the engine keeps
    the days before ``source.today`` exactly and charges every later cell it changes.
    """
    start = source.first_day.replace(day=1)
    days = calendar.monthrange(start.year, start.month)[1]
    problem = roster.db_problem(session, source.shop, start, days)
    if not problem.agents or not problem.shifts:
        raise KefuError(ErrorCode.ROSTER_INFEASIBLE, "店铺还没有客服或班次模板, 无法排班",
                        "the shop has no agents or shift templates to roster", {"shop": source.shop})  # fmt: skip
    skills = sorted(g for g in store.conversation_groups(session, source.shop)
                    if any(g in a.skills for a in problem.agents))  # fmt: skip
    requirement: dict[str, list[float]] = {}
    forecast_skills = []
    for skill in skills:
        need = [0.0] * (days * SLOTS_PER_DAY)
        requirement[skill] = need
        if not forecasts.forecast_shop(session, source.shop, start, days, skill=skill):
            continue  # too little history to forecast this group: it asks for nobody
        forecast_skills.append(skill)
        for point in forecasts.requirement(session, source.shop, start, days, skill=skill):
            local = point.interval_start
            slot = (local.date() - start).days * SLOTS_PER_DAY + (local.hour * 60 + local.minute) // SLOT
            if 0 <= slot < len(need):
                need[slot] = float(point.required or 0)
    problem.requirement = requirement
    actions_policy.apply_policy(session, source.shop, problem)
    stored = roster.load_roster(session, source.shop, start, days)
    if any(cell is not None for line in stored.values() for cell in line):
        now = source.today or utc_now().astimezone(SHOP_TZ).date()
        begun = min(days, max(0, (now - start).days))
        if source.afresh and begun:
            raise bad_argument("afresh", f"{start:%Y-%m} 已过 {begun} 天, 已上的班须保留: 请重新调整 (不从头重排)",
                               f"{begun} days of {start:%Y-%m} are worked and stay as they were: re-plan it instead",
                               days_worked=begun)  # fmt: skip
        if not source.afresh:
            problem.previous, problem.frozen_days = stored, begun
    asked = int(sum(sum(v) for v in requirement.values()))
    return problem, MonthPlanOut(skills=skills, forecast_skills=forecast_skills, required_agent_slots=asked,
                                 kept_days=problem.frozen_days)  # fmt: skip


def changes(start: date, before: Roster, after: Roster) -> list[ChangeOut]:
    """Cells whose shift differs between the stored roster and the new one."""
    out = []
    for agent, line in after.items():
        old = before.get(agent, [])
        for d, cell in enumerate(line):
            prev = old[d] if d < len(old) else None
            was, now = "" if prev is None else prev.shift, "" if cell is None else cell.shift
            if was != now:
                out.append(ChangeOut(agent=agent, date=(start + timedelta(days=d)).isoformat(), before=was, after=now))
    return out


@dataclass(frozen=True)
class MonthView:
    """The stored month as the page shows it, and the part of it the rules are checked on."""

    problem: RosterProblem  # every active agent over the whole month
    shown: Roster
    checked: RosterProblem | None  # from the first stored day (None: nothing stored)
    skip: int  # days before the first stored one
    violations: list[Violation]


def stored_month(session: Session, shop_id: str, first_day: date) -> MonthView:
    """The stored month (every active agent) and its hard-rule violations.

    A roster stored from the middle of the month on (the demo's window, a
    shop that started rostering then) is checked from its first stored day:
    the days before it owe their pro-rata rest days to no roster.
    """
    start = first_day.replace(day=1)
    days = calendar.monthrange(start.year, start.month)[1]
    problem = roster.db_problem(session, shop_id, start, days)
    stored = roster.load_roster(session, shop_id, start, days)
    shown: Roster = {a.id: stored.get(a.id, [None] * days) for a in problem.agents}
    first = store.first_roster_day(session, shop_id, start, days)
    if first is None or not problem.shifts:
        return MonthView(problem, shown, None, 0, [])
    skip = (first - start).days
    checked = roster.db_problem(session, shop_id, first, days - skip)
    return MonthView(problem, shown, checked, skip, check(checked, {a: line[skip:] for a, line in shown.items()}))


def month_view(session: Session, shop_id: str, first_day: date) -> tuple[RosterProblem, Roster, list[Violation]]:
    """:func:`stored_month` as (problem, roster, violations)."""
    view = stored_month(session, shop_id, first_day)
    return view.problem, view.shown, view.violations


def export_month(session: Session, shop_id: str, month: str, path: Path) -> int:
    """``kefu roster export``: the stored month as the page shows it (every active agent); cells written.

    ``.csv``: agent,date,shift with an empty shift on a rest day; ``.xlsx``:
    agents × days with totals; ``.ics``: one calendar with everyone's shifts.
    The page's download buttons write the same files through :func:`export_bytes`.
    """
    from kefu.io.roster_csv import write_roster
    from kefu.io.roster_export import month_ics, write_xlsx

    kind = path.suffix.lower()
    if kind not in EXPORT_KINDS:
        raise bad_argument("out", f"导出文件须为 {'/'.join(EXPORT_KINDS)}, 收到 '{path.name}'",
                           f"the export must be {'/'.join(EXPORT_KINDS)}, got '{path.name}'")  # fmt: skip
    problem, shown, _ = month_view(session, shop_id, month_first(month))
    if not problem.agents:
        raise not_found("店铺/shop", shop_id)
    problem.holidays = actions_policy.statutory_days(problem)
    if kind == ".csv":
        write_roster(path, shown, problem.start, problem.days)
    elif kind == ".xlsx":
        write_xlsx(path, problem, shown)
    else:
        path.write_text(month_ics(problem, shown), encoding="utf-8")
    return len(shown) * problem.days


def export_bytes(session: Session, shop_id: str, month: str, kind: str) -> tuple[str, bytes]:
    """The page's download: the file ``kefu roster export --out roster-<shop>-<month><kind>`` writes, as bytes."""
    import re
    import tempfile

    name = f"roster-{re.sub(r'[^0-9A-Za-z_-]', '_', shop_id)}-{month_first(month):%Y-%m}{kind}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        export_month(session, shop_id, month, path)
        return name, path.read_bytes()
