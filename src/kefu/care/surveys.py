"""Satisfaction surveys: the five levels buyers see and the figures supervisors read.

Why response rate sits next to the score: a 4.9 average from 3 answers out of
300 surveys says little, so every report carries how many buyers answered.
Rates are ``Decimal`` rounded half-up to 4 places so that reports add up.

Pure: plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from kefu.domain.errors import bad_argument

LEVELS: dict[int, str] = {5: "非常满意", 4: "满意", 3: "一般", 2: "不满意", 1: "很不满意"}
_BY_LABEL = {label: score for score, label in LEVELS.items()}
_Q = Decimal("0.0001")


def parse_score(value: int | str) -> int:
    """1–5 as a number or one of the five Chinese labels (非常满意 … 很不满意)."""
    if isinstance(value, str):
        v = value.strip()
        if v in _BY_LABEL:
            return _BY_LABEL[v]
        if not v.isdigit():
            raise bad_argument(
                "score", f"无法识别的评价 '{value}'", f"unreadable score '{value}'", allowed=list(_BY_LABEL)
            )
        value = int(v)
    if value not in LEVELS:
        raise bad_argument("score", "评分应为 1 到 5", "score must be 1 to 5", allowed=sorted(LEVELS))
    return value


@dataclass(frozen=True)
class SurveyFact:
    sent_at: datetime
    score: int | None  # None = not answered
    agent_id: str | None = None


def _rate(num: int, den: int) -> Decimal | None:
    return (Decimal(num) / Decimal(den)).quantize(_Q, ROUND_HALF_UP) if den else None


def survey_stats(surveys: Iterable[SurveyFact]) -> dict[str, object]:
    """Sent, answered, response rate, the five-level distribution, satisfied share (满意+非常满意) and mean."""
    items = list(surveys)
    answered = [s.score for s in items if s.score is not None]
    dist = {LEVELS[k]: sum(1 for s in answered if s == k) for k in sorted(LEVELS, reverse=True)}
    satisfied = sum(1 for s in answered if s >= 4)
    mean = (
        (Decimal(sum(answered)) / Decimal(len(answered))).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if answered
        else None
    )
    return {
        "sent": len(items),
        "answered": len(answered),
        "response_rate": _rate(len(answered), len(items)),
        "distribution": dist,
        "satisfied_rate": _rate(satisfied, len(answered)),
        "mean_score": mean,
    }
