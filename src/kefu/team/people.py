"""Onboarding and early 转正 (seed 001 九), attendance marks (seed 001 六).

New hires are trained one-to-one by a mentor (一人带一个) through a checklist;
probation ends on a date (劳动合同法 第19条: at most six months); the fastest may
become regular early, which kefu *proposes* when the checklist is done and the
probationer's KPI figures reach the team's norm. Lateness is not allowed and
absence needs leave: a rostered shift not joined in time, or not at all, without
approved leave is marked.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from kefu.domain.errors import bad_argument

CHECKLIST = (
    "账号与工具开通 / accounts and tools ready",
    "上机操作培训 (一人带一个) / hands-on training with the mentor",
    "认识全部产品 / knows every product",
    "快捷短语与售后流程 / reply templates and after-sales steps",
    "跟班接待 / receptions under supervision",
    "规章制度 / house rules",
)
MAX_PROBATION_MONTHS = 6


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def probation_end(start: date, months: int) -> date:
    if not 1 <= months <= MAX_PROBATION_MONTHS:
        raise bad_argument("months", "试用期应为 1–6 个月 (劳动合同法第19条)", "probation lasts 1–6 months (Labour Contract Law art. 19)")
    return add_months(start, months)


@dataclass(frozen=True)
class Target:
    metric: str
    label: str
    lower_is_better: bool = False


@dataclass(frozen=True)
class Check:
    metric: str
    label: str
    value: Decimal | None
    norm: Decimal | None
    met: bool


def meets(value: Decimal | None, norm: Decimal | None, lower_is_better: bool) -> bool:
    if value is None or norm is None:
        return False
    return value <= norm if lower_is_better else value >= norm


@dataclass(frozen=True)
class EarlyRegular:
    eligible: bool
    checklist_done: bool
    checks: tuple[Check, ...]


def early_regular(checklist_done: bool, figures: Mapping[str, Decimal | None], norms: Mapping[str, Decimal | None],
                  targets: Iterable[Target]) -> EarlyRegular:  # fmt: skip
    """Propose early 转正 when the checklist is done and every target reaches the team norm."""
    checks = tuple(Check(t.metric, t.label, figures.get(t.metric), norms.get(t.metric),
                         meets(figures.get(t.metric), norms.get(t.metric), t.lower_is_better)) for t in targets)  # fmt: skip
    return EarlyRegular(checklist_done and bool(checks) and all(c.met for c in checks), checklist_done, checks)


@dataclass(frozen=True)
class RosteredShift:
    """One rostered shift of one agent in real time (``minutes``: scheduled, meal breaks deducted)."""

    agent: str
    day: date
    start: datetime
    end: datetime
    minutes: int
    on_leave: bool


@dataclass(frozen=True)
class Mark:
    agent: str
    day: date
    kind: str  # late | absent
    minutes: int
    final: bool = True  # False: late so far, the agent has not come yet and the shift is still on


Span = tuple[datetime, datetime | None]  # a presence interval (None: still lasting)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def attendance_marks(shifts: Iterable[RosteredShift], present: Mapping[str, Sequence[Span]], now: datetime,
                     grace_minutes: int = 0) -> list[Mark]:  # fmt: skip
    """The marks known at ``now`` from the agents' presence (online, away or on a break) in their shifts.

    Not present more than ``grace_minutes`` after the start: *late* — final with the
    minutes once the agent came, provisional (minutes so far) while the shift is on
    and nobody came. No presence for the whole shift: *absent*. Shifts on approved
    leave carry no mark.
    """
    out = []
    for s in shifts:
        if s.on_leave or _minutes(now - s.start) <= grace_minutes:
            continue
        until = min(now, s.end)
        came = [max(a, s.start) for a, b in present.get(s.agent, ()) if a < until and (b is None or b > s.start)]
        if came:
            late = _minutes(min(came) - s.start)
            if late > grace_minutes:
                out.append(Mark(s.agent, s.day, "late", late))
        elif now >= s.end:
            out.append(Mark(s.agent, s.day, "absent", s.minutes))
        else:
            out.append(Mark(s.agent, s.day, "late", _minutes(now - s.start), final=False))
    return out
