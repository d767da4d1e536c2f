"""In / Out models of the imports area that are not an import report (``actions.ImportReport``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class CreditRunIn:
    """``kefu credit run --shop S --from D --to D --out DIR``; a rule option left as None keeps the shop's setting."""

    shop: str
    first: date
    last: date
    out: Path
    rule: str | None = None
    window_s: int | None = None
    session_gap_s: int | None = None


@dataclass(frozen=True)
class CreditRunOut:
    """What ``credit run --shop`` wrote: the same figures the CSV path prints, plus orders left out."""

    orders: int
    credited: int
    silent: int
    agent_days: int
    unlinked: int  # orders in the range without a buyer: not credited, not silent
    out: Path
