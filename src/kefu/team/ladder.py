"""Fines and rewards (seed 001 七, 十一, 十二) as data, and the activity-fund statement.

A violation of the work rules is fined 10 元 the first time and 30 元 the second;
the third is a dismissal warning (the seed says 开除: kefu records the warning,
people decide). Counting restarts after ``window_days``. A listing error found or
a suggestion adopted earns a reward (the seed's "X 元", a shop setting). Fines
go to the team's activity fund, whose statement is published: every fine in,
every spend out, the running balance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from kefu.care.logbook import FINE_LADDER_FEN
from kefu.domain.errors import bad_argument


@dataclass(frozen=True)
class Step:
    count: int  # the n-th violation in the window
    outcome: str  # fine | dismissal_warning
    amount_fen: int  # fine (positive number of fen taken)


# The seed's ladder: the fines of kefu.care.logbook (the one copy of the amounts), then the warning.
LADDER: tuple[Step, ...] = (*(Step(i, "fine", fen) for i, fen in enumerate(FINE_LADDER_FEN, start=1)),
                            Step(len(FINE_LADDER_FEN) + 1, "dismissal_warning", 0))
REWARDS: dict[str, tuple[str, str, int]] = {  # kind -> (zh, en, default fen)
    "listing_error": ("发现宝贝数据错误", "listing error found", 1000),
    "suggestion": ("建议被采纳", "suggestion adopted", 1000),
}
WINDOW_DAYS = 365


def parse_ladder(raw: Iterable[Mapping[str, Any]] | None) -> tuple[Step, ...]:
    """A shop's ladder from settings (``[{"outcome", "amount_fen"}, …]`` in order), or the seed's."""
    rows = list(raw or [])
    if not rows:
        return LADDER
    steps = []
    for i, r in enumerate(rows, start=1):
        outcome, amount = str(r.get("outcome", "")), r.get("amount_fen", 0)
        if outcome not in ("fine", "dismissal_warning") or not isinstance(amount, int) or amount < 0:
            raise bad_argument(f"ladder[{i}]", "应为 fine|dismissal_warning 与非负金额 (分)",
                               "needs outcome fine|dismissal_warning and a non-negative amount in fen")
        steps.append(Step(i, outcome, amount))
    return tuple(steps)


def next_step(ladder: tuple[Step, ...], earlier: int) -> Step:
    """The step for a new violation after ``earlier`` ones in the window (the last step repeats)."""
    return ladder[min(earlier, len(ladder) - 1)]


@dataclass(frozen=True)
class FundLine:
    day: date
    kind: str  # fine | spend
    amount_fen: int  # + in (fines), − out (spends)
    text: str
    balance_fen: int


def fund_statement(fines: Iterable[tuple[date, int, str]], spends: Iterable[tuple[date, int, str]],
                   opening_fen: int = 0) -> list[FundLine]:  # fmt: skip
    """Fines (amount taken, positive) and spends (positive) in date order with the running balance."""
    rows = sorted([(d, 0, "fine", abs(a), t) for d, a, t in fines] + [(d, 1, "spend", -abs(a), t) for d, a, t in spends],
                  key=lambda r: (r[0], r[1]))  # fmt: skip
    balance, out = opening_fen, []
    for day, _, kind, amount, text in rows:
        balance += amount
        out.append(FundLine(day, kind, amount, text, balance))
    return out
