"""The pay run's attendance and overtime, read from the live floor's records.

Pay (:mod:`kefu.service.credit.actions_pay`) takes both through hooks so that it never guesses
them; these are the hooks a shop uses by default:

* **overtime pay**: every overtime day a supervisor booked as *paid* (not as
  调休) in the month, at its legal rate (150 % workday, 200 % rest day, 300 %
  statutory holiday) of the hourly wage. The hourly wage is the monthly base
  ÷ 21.75 paid days ÷ 8 hours, the standard Chinese conversion (劳社部发〔2008〕3号).
  Each booking is a line of evidence.
* **attendance**: the share of the agent's rostered working days on which the
  agent was online or away at some point. No rostered day → no figure (the
  KPI item then scores 0 and the report says so).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.orm import Session

from kefu.domain.timeutil import local_midnight, month_bounds
from kefu.service.credit import store

PAID_DAYS_PER_MONTH = Decimal("21.75")
HOURS_PER_DAY = 8


def overtime_from_bookings(session: Session, base_fen: Callable[[str], int]) -> Callable[[str, str], tuple[int, list[str]]]:
    """Hook: (agent, month) → (overtime pay in fen, evidence), from ``overtime.recorded`` events."""

    def hook(agent: str, month: str) -> tuple[int, list[str]]:
        first, nxt = month_bounds(month)
        hourly = Decimal(base_fen(agent)) / PAID_DAYS_PER_MONTH / HOURS_PER_DAY
        total, evidence = Decimal(0), []
        rows = store.overtime_bookings(session, agent, first, nxt)
        for subject, data in rows:
            day = subject.rsplit(":", 1)[-1]
            if data.get("comp_leave") or not data.get("minutes"):
                continue
            minutes, rate = int(data["minutes"]), Decimal(str(data["rate"]))
            total += hourly * minutes / 60 * rate
            evidence.append(f"overtime:{day}:{minutes}min×{rate.normalize():f}")
        return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP)), evidence

    return hook


def attendance_from_presence(session: Session) -> Callable[[str, str], float | None]:
    """Hook: (agent, month) → worked rostered days ÷ rostered days, or None without a roster."""

    def hook(agent: str, month: str) -> float | None:
        first, nxt = month_bounds(month)
        days = store.rostered_days(session, agent, first, nxt)
        if not days:
            return None
        start, end = local_midnight(first), local_midnight(nxt)
        spans = store.present_spans(session, agent, start, end)
        worked = sum(1 for d in days if any(_overlaps(s, e, local_midnight(d), local_midnight(d + timedelta(days=1)))
                                           for s, e in spans))
        return round(worked / len(days), 4)

    return hook


def _overlaps(start: datetime, end: datetime | None, lo: datetime, hi: datetime) -> bool:
    return start < hi and (end is None or end > lo)
