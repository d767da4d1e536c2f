"""Hard roster rules as plain functions, shared by the model and the rule checker.

The CP-SAT model and the checker both derive rest requirements and forbidden
successions from here, but the checker works on a finished roster with plain
Python, so the dashboard can re-check a hand-edited cell without a solver.
"""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta

from kefu.plan.roster.types import SLOT, Agent, Roster, RosterProblem, Rules, Shift

FAMILIES = (
    "leave",
    "night_ok",
    "rest_days_per_month",
    "max_consecutive",
    "min_rest_hours",
    "min_hours",
    "max_hours",
    "min_days",
    "max_days",
)
FAMILY_TEXT = {
    "one_shift_per_day": ("每天最多一个班次", "at most one shift a day"),
    "skills": ("只能覆盖自己的技能", "agents cover only their own skills"),
    "leave": ("已批准的假期不排班", "no shift on approved leave"),
    "night_ok": ("不接受夜班的客服不排夜班", "no night shift for agents without night_ok"),
    "rest_days_per_month": ("每个自然月的最少休息天数", "minimum rest days each calendar month"),
    "max_consecutive": ("最多连续工作天数", "maximum consecutive workdays"),
    "min_rest_hours": ("两个班次之间的最少休息小时", "minimum rest hours between shifts"),
    "min_hours": ("合同最少工时", "contract minimum hours"),
    "max_hours": ("最多工时", "maximum hours"),
    "min_days": ("合同最少出勤天数", "contract minimum working days"),
    "max_days": ("合同最多出勤天数", "contract maximum working days"),
}


@dataclass(frozen=True)
class Contract:
    """An agent's working days and paid minutes owed over the horizon (leave deducted from the days)."""

    min_days: int
    max_days: int | None
    min_minutes: int
    max_minutes: int | None


def contract_bounds(problem: RosterProblem, agent: Agent) -> Contract:
    """The contract the roster must meet: a day of approved leave counts as a working day.

    Hours are hours worked, as ``kefu roster plan`` has always read
    ``min_hours``/``max_hours``: leave does not count toward them.
    """
    leave = sum(1 for d in problem.dates() if d in agent.leave)
    return Contract(
        max(0, (agent.min_days or 0) - leave),
        None if agent.max_days is None else max(0, agent.max_days - leave),
        round(agent.min_hours * 60),
        None if agent.max_hours is None else round(agent.max_hours * 60),
    )


@dataclass(frozen=True)
class MonthPart:
    """The days of one calendar month inside the horizon and the rest days it needs."""

    year: int
    month: int
    first: int  # day index, inclusive
    last: int  # day index, exclusive
    rest_days: int


def month_parts(start: date, days: int, rules: Rules) -> list[MonthPart]:
    """Calendar months touched by the horizon.

    A whole month needs ``rest_days_per_month``; a month only partly inside the
    horizon needs its pro-rata share rounded up, so a roster of two half months
    is not forced to rest twice as much as a whole one.
    """
    parts: list[MonthPart] = []
    i = 0
    while i < days:
        d = start + timedelta(days=i)
        month_len = calendar.monthrange(d.year, d.month)[1]
        end = min(days, i + month_len - d.day + 1)
        covered = end - i
        need = rules.rest_days_per_month
        if covered < month_len:
            need = math.ceil(rules.rest_days_per_month * covered / month_len)
        parts.append(MonthPart(d.year, d.month, i, end, min(need, covered)))
        i = end
    return parts


def forbidden_successions(shifts: list[Shift], min_rest_hours: float) -> list[tuple[int, int, int]]:
    """(shift a, shift b, gap in days) pairs leaving less than the minimum rest between them."""
    out = []
    need = round(min_rest_hours * 60)
    for i, a in enumerate(shifts):
        for j, b in enumerate(shifts):
            for gap in (1, 2, 3):
                if gap * 1440 + b.start - a.end < need:
                    out.append((i, j, gap))
    return out


def slot_overlaps(shift: Shift, day: int, n_slots: int) -> list[tuple[int, int]]:
    """(slot index, minutes worked in it) for a shift started on horizon day ``day``."""
    begin = day * 1440 + shift.start
    end = day * 1440 + shift.end
    out = []
    t = begin - begin % SLOT
    while t < end:
        slot = t // SLOT
        minutes = min(end, t + SLOT) - max(begin, t)
        if 0 <= slot < n_slots and minutes > 0:
            out.append((slot, minutes))
        t += SLOT
    return out


# The LNS model's view of breaks: each break's minutes spread evenly over its window. The LNS
# keeps a move only when the master (breaks placed by its LP) agrees, so this only has to point
# the right way; 1.5, tuned for the old LNS that judged by this view alone, made it trade real
# coverage for imagined break room (seed month: 97.9 % after breaks down to 94.9 %).
BREAK_MARGIN = 1.0


def effective_overlaps(shift: Shift, day: int, n_slots: int) -> list[tuple[int, int]]:
    """Like ``slot_overlaps`` but with each break's minutes spread over its window.

    The LNS model does not know where breaks will go; charging their
    expected share (times ``BREAK_MARGIN``) to the slots of the window makes
    it staff the break windows a little thicker, so the second stage has
    room to place breaks.
    """
    minutes: dict[int, float] = {t: float(m) for t, m in slot_overlaps(shift, day, n_slots)}
    for b in shift.breaks:
        lo = day * 1440 + shift.start + b.window_from
        hi = day * 1440 + shift.start + b.window_to
        for t, m in slot_overlaps(Shift("", lo - day * 1440, hi - day * 1440), day, n_slots):
            if t in minutes:
                minutes[t] -= BREAK_MARGIN * m * b.minutes / (hi - lo)
    return [(t, max(0, round(m))) for t, m in sorted(minutes.items())]


@dataclass(frozen=True)
class Violation:
    agent: str
    day: date | None
    rule: str
    message: str
    message_en: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "agent": self.agent,
            "day": self.day.isoformat() if self.day else None,
            "rule": self.rule,
            "message": self.message,
            "message_en": self.message_en,
        }


def check(problem: RosterProblem, roster: Roster) -> list[Violation]:
    """Every hard-rule violation in a roster (e.g. after a manager edits a cell)."""
    out: list[Violation] = []
    by_code = {s.code: s for s in problem.shifts}
    dates = problem.dates()
    for agent in problem.agents:
        line = roster.get(agent.id, [None] * problem.days)
        if len(line) != problem.days:
            out.append(Violation(agent.id, None, "one_shift_per_day", "天数不符", "wrong number of days"))
            continue

        def bad(day: int | None, rule: str, zh: str, en: str, aid: str = agent.id) -> None:
            out.append(Violation(aid, dates[day] if day is not None else None, rule, zh, en))

        minutes = 0
        for d, cell in enumerate(line):
            if cell is None:
                continue
            shift = by_code.get(cell.shift)
            if shift is None:
                bad(d, "one_shift_per_day", f"未知班次 {cell.shift}", f"unknown shift {cell.shift}")
                continue
            minutes += shift.paid_minutes
            if cell.skill not in agent.skills:
                bad(d, "skills", f"不会技能 {cell.skill}", f"lacks skill {cell.skill}")
            if dates[d] in agent.leave:
                bad(d, "leave", "假期中被排班", "scheduled on approved leave")
            if shift.night and not agent.night_ok:
                bad(d, "night_ok", f"不接受夜班却排了 {shift.code}", f"night shift {shift.code} without night_ok")
            for gap in (1, 2, 3):
                nxt = line[d + gap] if d + gap < problem.days else None
                if nxt is None or nxt.shift not in by_code:
                    continue
                rest = gap * 1440 + by_code[nxt.shift].start - shift.end
                if rest < problem.rules.min_rest_hours * 60:
                    bad(d + gap, "min_rest_hours", f"与前一班只隔 {rest / 60:g} 小时", f"only {rest / 60:g} h rest")
        for part in month_parts(problem.start, problem.days, problem.rules):
            rest_days = sum(1 for c in line[part.first : part.last] if c is None)
            if rest_days < part.rest_days:
                bad(part.first, "rest_days_per_month", f"{part.year}-{part.month:02d} 只休 {rest_days} 天, 至少 {part.rest_days}",
                    f"{part.year}-{part.month:02d}: {rest_days} rest days, needs {part.rest_days}")
        run = 0
        for d, cell in enumerate(line):
            run = run + 1 if cell is not None else 0
            if run == problem.rules.max_consecutive + 1:
                bad(d, "max_consecutive", f"连续工作超过 {problem.rules.max_consecutive} 天",
                    f"more than {problem.rules.max_consecutive} consecutive workdays")
        owed = contract_bounds(problem, agent)
        if minutes < owed.min_minutes:
            bad(None, "min_hours", f"工时 {minutes / 60:g} 低于合同 {owed.min_minutes / 60:g}",
                f"{minutes / 60:g} h below contract {owed.min_minutes / 60:g} h")
        if owed.max_minutes is not None and minutes > owed.max_minutes:
            bad(None, "max_hours", f"工时 {minutes / 60:g} 超过 {owed.max_minutes / 60:g}",
                f"{minutes / 60:g} h above {owed.max_minutes / 60:g} h")
        worked = sum(1 for c in line if c is not None)
        if worked < owed.min_days:
            bad(None, "min_days", f"出勤 {worked} 天, 合同至少 {owed.min_days} 天",
                f"{worked} working days, contract needs at least {owed.min_days}")
        if owed.max_days is not None and worked > owed.max_days:
            bad(None, "max_days", f"出勤 {worked} 天, 合同至多 {owed.max_days} 天",
                f"{worked} working days, contract allows at most {owed.max_days}")
    return out
