"""Roster use-cases: plan from files or plain rows, solve a Curtois instance, check and store a roster.

The CLI, the API and the dashboard call these; the engine in ``kefu.plan.roster``
stays free of files and databases.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument
from kefu.io import roster_csv
from kefu.plan.roster.curtois import reader as curtois
from kefu.plan.roster.curtois import solve as curtois_solve
from kefu.plan.roster.rules import Violation, check, month_parts
from kefu.plan.roster.solve import coverage_ratio, plan_roster
from kefu.plan.roster.types import Agent as EngineAgent
from kefu.plan.roster.types import Assignment, BreakRule, Roster, RosterProblem, RosterResult, Rules, Shift
from kefu.service.plan.actions_rules import shop_rules
from kefu.store.models.plan import RosterEntry


@dataclass
class PlanFiles:
    agents: Path
    shifts: Path
    requirement: Path
    preferences: Path | None = None


def load_problem(files: PlanFiles, start: date, days: int, rules: Rules) -> RosterProblem:
    """Read and check every input file; all file errors surface before any solving."""
    if days < 1 or days > 62:
        raise bad_argument("days", "天数须在 1 到 62 之间", "days must be between 1 and 62", days=days)
    agents = roster_csv.read_agents(files.agents)
    shifts = roster_csv.read_shifts(files.shifts)
    requirement = roster_csv.read_requirement(files.requirement, start, days)
    prefs = roster_csv.read_preferences(files.preferences) if files.preferences else []
    return RosterProblem(start, days, agents, shifts, requirement, rules, prefs)


def plan(problem: RosterProblem, time_limit: float, progress: Callable[[float, float], None] | None = None,
         workers: int = 1) -> RosterResult:
    if time_limit <= 0:
        raise bad_argument("time-limit", "时间限制须大于 0", "time limit must be positive")
    return plan_roster(problem, time_limit, progress=progress, workers=workers)


def result_summary(problem: RosterProblem, result: RosterResult) -> dict[str, Any]:
    """A JSON-ready report: status, coverage ratio, per-agent totals and breaks."""
    return {
        "status": result.status,
        "seconds": round(result.seconds, 2),
        "objective": result.objective,
        "coverage_ratio": round(coverage_ratio(problem, result.coverage), 4),
        "totals": [t.__dict__ for t in result.totals],
        "notes": result.notes,
    }


def service_level(problem: RosterProblem, result: RosterResult, volume: Path, aht_s: float, target_s: float,
                  concurrency: int = 1) -> dict[str, list[float]]:
    """Predicted service level per skill and 30-minute slot from the roster's coverage after breaks."""
    from kefu.plan.roster.service_level import predicted_service_level

    calls = roster_csv.read_requirement(volume, problem.start, problem.days, column="calls")
    n = problem.days * 48
    return {skill: predicted_service_level(result.coverage.get(skill, [0.0] * n), c, aht_s, target_s, concurrency)
            for skill, c in calls.items()}


def solve_curtois(path: Path, time_limit: float, seed: int = 0, workers: int = 1,
                  progress: Callable[[float, int], None] | None = None) -> dict[str, Any]:
    """``kefu roster curtois`` as data: objective recomputed by the validator, roster by employee."""
    if time_limit <= 0:
        raise bad_argument("time-limit", "时间限制须大于 0", "time limit must be positive")
    inst = curtois.load_instance(path)
    res = curtois_solve.solve(inst, time_limit, seed=seed, workers=workers, progress=progress)
    return {
        "objective": curtois.objective(inst, res.roster),
        "status": res.status,
        "seconds": round(res.seconds, 3),
        "roster": curtois.roster_as_codes(inst, res.roster),
    }


def check_roster(problem: RosterProblem, roster: Roster) -> list[Violation]:
    """Hard-rule violations of a (possibly hand-edited) roster."""
    return check(problem, roster)


def save_roster(session: Session, shop_id: str, start: date, roster: Roster) -> int:
    """Replace the shop's roster entries for the roster's days; returns rows written."""
    days = max((len(v) for v in roster.values()), default=0)
    dates = [date.fromordinal(start.toordinal() + d) for d in range(days)]
    if dates:
        session.execute(delete(RosterEntry).where(RosterEntry.shop_id == shop_id, RosterEntry.day.in_(dates),
                                                  RosterEntry.agent_id.in_(list(roster))))
    n = 0
    for agent, line in roster.items():
        for d, cell in enumerate(line):
            session.add(RosterEntry(
                shop_id=shop_id, agent_id=agent, day=dates[d],
                shift_code="" if cell is None else cell.shift,
                skill="" if cell is None else cell.skill,
                breaks=[] if cell is None else [{"kind": k, "start": _hhmm(s), "end": _hhmm(e)} for k, s, e in cell.breaks],
            ))
            n += 1
    session.flush()
    return n


def _hhmm(minutes: int) -> str:
    """Local wall-clock HH:MM of a minute counted from the horizon's first midnight."""
    return f"{minutes % 1440 // 60:02d}:{minutes % 60:02d}"


def load_roster(session: Session, shop_id: str, start: date, days: int) -> Roster:
    dates = [date.fromordinal(start.toordinal() + d) for d in range(days)]
    rows = session.scalars(select(RosterEntry).where(RosterEntry.shop_id == shop_id, RosterEntry.day.in_(dates)))
    out: Roster = {}
    for r in rows:
        line = out.setdefault(r.agent_id, [None] * days)
        line[(r.day - start).days] = Assignment(r.shift_code, r.skill) if r.shift_code else None
    return out


def problem_from_rows(
    start: date,
    days: int,
    rules: Rules,
    agents: list[dict[str, Any]],
    shifts: list[dict[str, Any]],
    requirement: list[dict[str, Any]],
    preferences: list[dict[str, Any]] | None = None,
) -> RosterProblem:
    """The API's JSON rows through the same checks as the CSV files (errors name row and column)."""
    import csv
    import io
    import tempfile

    def to_csv(name: str, header: list[str], rows: list[dict[str, Any]]) -> Path:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=header, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: _csv_cell(v) for k, v in r.items()})
        path = Path(tmp) / name
        path.write_text(buf.getvalue(), encoding="utf-8")
        return path

    with tempfile.TemporaryDirectory() as tmp:
        files = PlanFiles(
            to_csv("agents", ["agent", "skills", "night_ok", "min_hours", "max_hours", "leave", "min_days", "max_days"], agents),
            to_csv("shifts", ["code", "start", "end", "night", "breaks"], shifts),
            to_csv("requirement", ["interval_start", "skill", "agents"], requirement),
            to_csv("preferences", ["agent", "date", "shift", "weight"], preferences) if preferences else None,
        )
        return load_problem(files, start, days, rules)


def _csv_cell(value: Any) -> str:
    """A JSON value as the text a CSV cell would hold; the CSV validator then judges it.

    Lists join with "|" as in the CSV contract; anything else becomes its text, so
    a null or a nested object in a list is reported as a bad cell, never a crash.
    """
    if value is None:
        return ""
    if value is True or value is False:
        return "1" if value else "0"
    if isinstance(value, list):
        return "|".join(_csv_cell(v) for v in value)
    return str(value)


def roster_rows(problem: RosterProblem, roster: Roster) -> list[dict[str, Any]]:
    """agent/date/shift/skill/breaks rows (breaks as local HH:MM) for JSON answers."""
    out = []
    for agent, line in roster.items():
        for d, cell in enumerate(line):
            out.append({
                "agent": agent,
                "date": date.fromordinal(problem.start.toordinal() + d).isoformat(),
                "shift": "" if cell is None else cell.shift,
                "skill": "" if cell is None else cell.skill,
                "breaks": [] if cell is None else [{"kind": k, "start": _hhmm(s), "end": _hhmm(e)}
                                                   for k, s, e in cell.breaks],
            })
    return out


def roster_from_rows(problem: RosterProblem, rows: list[dict[str, Any]]) -> Roster:
    """A hand-edited roster (agent, date, shift, skill) back into engine form; unknown days are rejected."""
    from kefu.domain.errors import RowError, bad_rows

    out: Roster = {a.id: [None] * problem.days for a in problem.agents}
    errors = []
    for i, r in enumerate(rows, start=1):
        try:
            d = (date.fromisoformat(str(r.get("date", ""))) - problem.start).days
        except ValueError:
            d = -1
        agent = str(r.get("agent", ""))
        if agent not in out:
            errors.append(RowError(i, "agent", f"未知客服 {agent}", f"unknown agent {agent}", "roster"))
        elif not 0 <= d < problem.days:
            errors.append(RowError(i, "date", "日期不在排班期内", "date outside the roster period", "roster"))
        elif r.get("shift"):
            skills = next(a.skills for a in problem.agents if a.id == agent)
            out[agent][d] = Assignment(str(r["shift"]), str(r.get("skill") or skills[0]))
    if errors:
        raise bad_rows("roster", errors)
    return out


def db_problem(session: Session, shop_id: str, start: date, days: int, rules: Rules | None = None) -> RosterProblem:
    """The shop's agents (contracts, approved leave) and shift templates (breaks, 晚班) as an engine problem.

    No requirement: enough for checking edits; ``actions_month`` adds the
    forecast's. Contracts: ``min_days_month``/``max_days_month`` and
    ``min_hours_month``/``max_hours_month`` per calendar month (part-timers),
    pro rata for a part of a month; no days set means the seeds' full-timer,
    who works every day but the month's rest days.
    """
    from kefu.store.models.org import Agent
    from kefu.store.models.plan import ShiftTemplate

    rules = rules or shop_rules(session, shop_id)  # the shop's saved roster rules (the rule editor)
    rows = list(session.scalars(select(Agent).where(Agent.shop_id == shop_id, Agent.active).order_by(Agent.id)))
    leave = _approved_leave(session, [a.id for a in rows], start, days)
    agents = [_engine_agent(a, start, days, rules, leave.get(a.id, frozenset())) for a in rows]
    shifts = [_engine_shift(s) for s in session.scalars(
        select(ShiftTemplate).where(ShiftTemplate.shop_id == shop_id).order_by(ShiftTemplate.code))]
    return RosterProblem(start, days, agents, shifts, {}, rules)


def _engine_agent(a: Any, start: date, days: int, rules: Rules, leave: frozenset[date]) -> EngineAgent:
    """A stored agent and contract over the horizon (per-month days summed over the months it touches)."""
    lo = hi = 0
    hours_lo, hours_hi = 0.0, 0.0
    for part in month_parts(start, days, rules):
        covered = part.last - part.first
        share = covered / calendar.monthrange(part.year, part.month)[1]
        if a.min_days_month is None and a.max_days_month is None:
            lo += covered - part.rest_days
            hi += covered - part.rest_days
        else:
            lo += math.floor((a.min_days_month or 0) * share)
            hi += covered if a.max_days_month is None else min(covered, math.ceil(a.max_days_month * share))
        hours_lo += math.floor((a.min_hours_month or 0) * share)
        hours_hi += math.ceil((a.max_hours_month or 0) * share)
    skills = tuple(a.skills or []) + tuple(a.secondary_skills or []) or ("",)
    return EngineAgent(a.id, skills, a.night_ok, leave=leave, min_days=lo or None, max_days=hi, min_hours=hours_lo,
                       max_hours=None if a.max_hours_month is None else hours_hi)


def _engine_shift(s: Any) -> Shift:
    """A shift template in engine minutes; its breaks' windows become minutes after the shift start."""
    a, b = _minutes(s.start), _minutes(s.end)
    breaks = []
    for br in s.breaks or []:
        window = br.get("window") or [s.start, s.end]
        lo, hi = (_minutes(window[0]) - a) % 1440, (_minutes(window[1]) - a) % 1440
        breaks.append(BreakRule(str(br.get("kind", "meal")), int(br.get("minutes", 30)), lo, hi))
    return Shift(s.code, a, b if b > a else b + 1440, s.night, tuple(breaks), evening=s.evening)


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:5])


def _approved_leave(session: Session, agent_ids: list[str], start: date, days: int) -> dict[str, frozenset[date]]:
    """Approved leave per agent, the days inside the horizon."""
    from kefu.store.models.plan import LeaveRequest

    last = start + timedelta(days=days - 1)
    out: dict[str, set[date]] = {}
    for r in session.scalars(select(LeaveRequest).where(
            LeaveRequest.agent_id.in_(agent_ids), LeaveRequest.status == "approved",
            LeaveRequest.first_day <= last, LeaveRequest.last_day >= start)):
        d = max(r.first_day, start)
        while d <= min(r.last_day, last):
            out.setdefault(r.agent_id, set()).add(d)
            d += timedelta(days=1)
    return {k: frozenset(v) for k, v in out.items()}


def set_cell(session: Session, shop_id: str, agent_id: str, day: date, shift_code: str) -> str:
    """A supervisor's hand edit of one roster cell ("" = rest day); the skill defaults to the agent's first.

    Returns the shift the cell held before ("" = rest or nothing stored).
    """
    from kefu.domain.errors import not_found
    from kefu.store.models.org import Agent
    from kefu.store.models.plan import ShiftTemplate

    agent = session.get(Agent, agent_id)
    if agent is None or agent.shop_id != shop_id:
        raise not_found("客服 / agent", agent_id)
    if shift_code and session.scalar(select(ShiftTemplate.id).where(
            ShiftTemplate.shop_id == shop_id, ShiftTemplate.code == shift_code)) is None:
        raise not_found("班次 / shift", shift_code)
    entry = session.scalar(select(RosterEntry).where(RosterEntry.agent_id == agent_id, RosterEntry.day == day))
    if entry is None:
        entry = RosterEntry(shop_id=shop_id, agent_id=agent_id, day=day, breaks=[])
        session.add(entry)
    before = entry.shift_code or ""
    entry.shift_code = shift_code
    entry.skill = (agent.skills or [""])[0] if shift_code else ""
    entry.breaks = []
    session.flush()
    return before
