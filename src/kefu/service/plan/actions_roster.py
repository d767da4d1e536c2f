"""Roster use-cases: plan a roster (one action for CLI, API and dashboard), check edits, read the stored one.

Planning takes one of three sources — the CLI's files, the API's JSON rows, or a shop's
month with the requirement forecast from its own history (:mod:`actions_month`; a month
already stored is re-planned with minimal change) — turns it into the engine's problem,
solves it, stores it when asked (the shop's rows for those days are replaced) and writes
the CLI's files when asked. Every caller gets the same :class:`RosterPlanOut`, with the
coverage, the LP bound and the gap.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from kefu.domain.timeutil import utc_now
from kefu.plan.roster.solve import totals
from kefu.plan.roster.types import RosterProblem, RosterResult, Rules
from kefu.service import access
from kefu.service.plan import actions_month, events, roster
from kefu.service.plan.schemas import (
    RosterCheckOut,
    RosterFiles,
    RosterGridOut,
    RosterOutputs,
    RosterPlanOut,
    RosterRowOut,
    RosterRowsIn,
    RosterRulesIn,
    ShopMonth,
    StoredRosterOut,
    StoredRosterRowOut,
    ViolationOut,
)

RosterSource = RosterFiles | RosterRowsIn | ShopMonth


def _rules(r: RosterRulesIn) -> Rules:
    return Rules(r.rest_days_per_month, r.max_consecutive, r.min_rest_hours)


def _problem(source: RosterFiles | RosterRowsIn) -> RosterProblem:
    if isinstance(source, RosterFiles):
        files = roster.PlanFiles(source.agents, source.shifts, source.requirement, source.preferences)
        return roster.load_problem(files, source.start, source.days, _rules(source.rules))
    return roster.problem_from_rows(source.start, source.days, _rules(source.rules), source.agents, source.shifts,
                                    source.requirement, source.preferences or None)  # fmt: skip


def plan_roster(
    source: RosterSource,
    *,
    time_limit: float,
    session: Session | None = None,
    store_for: str | None = None,
    outputs: RosterOutputs | None = None,
    progress: Callable[[float, float], None] | None = None,
    by: str = "system",
) -> RosterPlanOut:
    """Plan a roster from ``source``; store it for ``store_for`` (a shop month is always stored for its shop).

    A shop month's plan is also written as one ``roster.month_planned`` event by ``by``: the
    page shows its coverage, bound, gap and changed cells from it.
    """
    month = None
    if isinstance(source, ShopMonth):
        if session is None:
            raise ValueError("a shop month is planned from the database: pass the session")
        problem, month = actions_month.month_problem(session, source)
        store_for = source.shop
    else:
        problem = _problem(source)
    result = roster.plan(problem, time_limit, progress=progress)
    entries = 0
    if store_for:
        if session is None:
            raise ValueError("storing a roster needs the session")
        entries = roster.save_roster(session, store_for, problem.start, result.roster)
    if month is not None and problem.previous:
        month.changed = actions_month.changes(problem.start, problem.previous, result.roster)
    summary = roster.result_summary(problem, result)
    bound, gap = plan_quality(summary["coverage_ratio"], result.bound)
    out = RosterPlanOut(**summary, start=problem.start, days=problem.days, entries=entries, month=month,
                        bound=bound, gap=gap,
                        violations=len(roster.check_roster(problem, result.roster)),
                        roster=[RosterRowOut(**r) for r in roster.roster_rows(problem, result.roster)])  # fmt: skip
    if isinstance(source, ShopMonth) and session is not None:
        _record(session, source.shop, problem, out, by)
    if outputs is not None:
        _write(outputs, problem, result, summary)
    return out


def plan_quality(coverage: float, bound: float | None) -> tuple[float | None, float | None]:
    """The LP bound and the gap ``1 - coverage / bound`` as reported (4 places); both None when no bound was proven.

    An unproven bound is not 100 %: reporting 1.0 would read as "the best
    possible roster covers everything" and the gap as a real distance.
    """
    if bound is None:
        return None, None
    return round(bound, 4), round(max(0.0, 1.0 - coverage / bound), 4) if bound > 0 else 0.0


def _record(session: Session, shop: str, problem: RosterProblem, out: RosterPlanOut, by: str) -> None:
    """The month's plan as one ``roster.month_planned`` event (the page's summary and changed cells)."""
    changed = out.month.changed if out.month else []
    events.roster_month_planned(session, shop_id=shop, month=f"{problem.start:%Y-%m}", by=by, at=utc_now(), data={
        "coverage": out.coverage_ratio, "bound": out.bound, "gap": out.gap, "violations": out.violations,
        "seconds": out.seconds, "replan": problem.previous is not None, "changed": [c.model_dump() for c in changed]})


def _write(outputs: RosterOutputs, problem: RosterProblem, result: RosterResult, summary: dict[str, object]) -> None:
    """The CLI's files: roster CSV, and on request the Excel roster, one .ics per agent, the JSON report."""
    from kefu.io import roster_export
    from kefu.io.roster_csv import write_roster

    write_roster(outputs.out, result.roster, problem.start, problem.days)
    if outputs.volume:
        summary["service_level"] = roster.service_level(problem, result, outputs.volume, outputs.aht_s,
                                                        outputs.target_s, outputs.concurrency)  # fmt: skip
        summary["coverage"] = {k: [round(v, 2) for v in c] for k, c in result.coverage.items()}
    if outputs.xlsx:
        roster_export.write_xlsx(outputs.xlsx, problem, result.roster)
    if outputs.ics_dir:
        roster_export.write_ics_dir(outputs.ics_dir, problem, result.roster)
    if outputs.report:
        outputs.report.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")


def check_rows(source: RosterRowsIn, rows: list[dict[str, object]]) -> RosterCheckOut:
    """Hard-rule violations of a hand-edited roster (empty list = all rules hold)."""
    problem = _problem(source)
    edited = roster.roster_from_rows(problem, rows)
    return RosterCheckOut(violations=[ViolationOut.model_validate(v.as_dict()) for v in roster.check_roster(problem, edited)])


def stored(session: Session, shop: str, start: date, days: int) -> StoredRosterOut:
    """The stored roster of a shop for a period, one row per agent and day."""
    lines = roster.load_roster(session, shop, start, days)
    rows = [StoredRosterRowOut(agent=a, date=date.fromordinal(start.toordinal() + d).isoformat(),
                               shift="" if c is None else c.shift, skill="" if c is None else c.skill)
            for a, line in sorted(lines.items()) for d, c in enumerate(line)]  # fmt: skip
    return StoredRosterOut(shop=shop, start=start.isoformat(), days=days, roster=rows)


def grid(session: Session, viewer: access.Viewer, shop: str, year: int, month: int) -> RosterGridOut:
    """The dashboard's month grid and the rule violations of the stored roster (an agent: their own line)."""
    problem, shown, checked = actions_month.month_view(session, shop, date(year, month, 1))
    if viewer.role == "agent":
        problem.agents = [a for a in problem.agents if a.id == viewer.agent_id]
        shown = {a: line for a, line in shown.items() if a == viewer.agent_id}
        checked = [v for v in checked if v.agent == viewer.agent_id]
    rows = [{"agent": a, **{f"d{d + 1}": "" if c is None else c.shift for d, c in enumerate(line)}}
            for a, line in shown.items()]  # fmt: skip
    return RosterGridOut(days=problem.days, rows=rows, totals=[t.__dict__ for t in totals(problem, shown)],
                         violations=[ViolationOut.model_validate(v.as_dict()) for v in checked],
                         agents=[a.id for a in problem.agents], shifts=[s.code for s in problem.shifts])  # fmt: skip


def set_cell(session: Session, shop_id: str, agent_id: str, day: date, shift_code: str, *, by: str = "system") -> None:
    """A supervisor's hand edit of one roster cell ("" = rest day), written with its ``roster.cell_set`` event."""
    before = roster.set_cell(session, shop_id, agent_id, day, shift_code)
    events.roster_cell_set(session, shop_id=shop_id, agent_id=agent_id, day=day.isoformat(), shift=shift_code,
                           before=before, by=by, at=utc_now())  # fmt: skip


def solve_curtois(path: Path, time_limit: float, *, seed: int = 0, workers: int = 1,
                  progress: Callable[[float, int], None] | None = None) -> dict[str, Any]:  # fmt: skip
    """``kefu roster curtois``: a Curtois & Qu benchmark instance solved by the same engine, as data."""
    return roster.solve_curtois(path, time_limit, seed=seed, workers=workers, progress=progress)
