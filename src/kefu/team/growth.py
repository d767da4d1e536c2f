"""Goals and the promotion track (seed 004).

Each agent gets a development direction for the next six months and KPI targets
set at 120–130 % of the team's norm ("指标按照120%或130%来定义, 做得到就进行提拔"):
for a lower-is-better figure such as response time the target is the norm
divided by the factor. The track 初级 → 中级 → 高级 → 组长 promotes on criteria
read from the monthly KPI score: months at the level, recent months at or above
a score, goals met. The criteria are data (a shop may set its own track in
``settings["team"]["track"]``); each is reported with what the agent has and
what it needs, so the agent's page can show progress, not only a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from kefu.domain.errors import bad_argument

LEVELS = ("初级", "中级", "高级", "组长")
LEVEL_EN = {"初级": "junior", "中级": "intermediate", "高级": "senior", "组长": "team lead"}
FACTOR_MIN, FACTOR_MAX = Decimal("1.2"), Decimal("1.3")
GOAL_MONTHS = 6


def goal_target(norm: Decimal, factor: Decimal, lower_is_better: bool) -> Decimal:
    """The target for a team norm: norm × factor, or norm ÷ factor when lower is better."""
    if not FACTOR_MIN <= factor <= FACTOR_MAX:
        raise bad_argument("factor", "目标系数应在 1.2–1.3 之间 (团队常模的 120%–130%)",
                           "the factor must be 1.2–1.3 (120–130 % of the team norm)", value=str(factor))
    if norm <= 0:
        raise bad_argument("norm", "团队常模须大于 0", "the team norm must be positive", value=str(norm))
    value = norm / factor if lower_is_better else norm * factor
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def goal_met(value: Decimal | None, target: Decimal, lower_is_better: bool) -> bool:
    if value is None:
        return False
    return value <= target if lower_is_better else value >= target


@dataclass(frozen=True)
class Criterion:
    """What it takes to leave ``level`` for the next one."""

    level: str
    min_months: int  # months at the level
    min_score: Decimal  # monthly KPI score needed …
    score_months: int  # … in each of this many latest months
    goals_met: int  # goals reached (any period)


TRACK = (
    Criterion("初级", 3, Decimal(90), 2, 0),
    Criterion("中级", 6, Decimal(100), 3, 1),
    Criterion("高级", 12, Decimal(100), 3, 2),
)


def parse_track(raw: Sequence[Mapping[str, Any]] | None) -> tuple[Criterion, ...]:
    """A shop's track from settings (``[{"level", "min_months", "min_score", "score_months", "goals_met"}, …]``), or the seed's."""
    rows = list(raw or [])
    if not rows:
        return TRACK
    out = []
    for i, r in enumerate(rows, start=1):
        rule: Criterion | None
        try:
            rule = Criterion(str(r["level"]), int(r["min_months"]), Decimal(str(r["min_score"])), int(r["score_months"]),
                             int(r.get("goals_met", 0)))  # fmt: skip
        except (KeyError, TypeError, ValueError, ArithmeticError):
            rule = None
        if rule is None or rule.level not in LEVELS[:-1] or min(rule.min_months, rule.score_months, rule.goals_met) < 0:
            raise bad_argument(f"track[{i}]", f"职级应为 {'|'.join(LEVELS[:-1])}, 月数与目标数不能为负",
                               f"level must be {'|'.join(LEVELS[:-1])}; months and goals non-negative")
        out.append(rule)
    return tuple(out)


@dataclass(frozen=True)
class Check:
    """One criterion of the next step: what the agent has against what it needs."""

    key: str  # months | score | goals
    label: tuple[str, str]  # (zh, en)
    have: str
    need: str
    met: bool


@dataclass(frozen=True)
class Promotion:
    level: str
    next_level: str | None
    eligible: bool
    reasons: tuple[tuple[str, str], ...]  # unmet criteria, (zh, en)
    checks: tuple[Check, ...] = ()


def promotion(level: str, months_at_level: int, scores: Sequence[Decimal | None], goals_met: int,
              track: Sequence[Criterion] = TRACK) -> Promotion:  # fmt: skip
    """Whether an agent at ``level`` meets the criteria for the next; ``scores`` latest month first."""
    if level not in LEVELS:
        raise bad_argument("level", f"职级应为 {'|'.join(LEVELS)}", f"level must be {'|'.join(LEVELS)}", value=level)
    rule = next((c for c in track if c.level == level), None)
    if rule is None:
        return Promotion(level, None, False, (("已是最高职级", "already at the top level"),))
    recent = list(scores[: rule.score_months])
    good = sum(1 for s in recent if s is not None and s >= rule.min_score)
    checks = tuple(c for c, need in (
        (Check("months", (f"在本职级满 {rule.min_months} 个月", f"{rule.min_months} months at the level"),
               str(months_at_level), str(rule.min_months), months_at_level >= rule.min_months), rule.min_months),
        (Check("score", (f"最近 {rule.score_months} 个月绩效分均 ≥ {rule.min_score}",
                         f"KPI score ≥ {rule.min_score} in each of the last {rule.score_months} months"),
               str(good), str(rule.score_months), good >= rule.score_months), rule.score_months),
        (Check("goals", (f"达成目标 {rule.goals_met} 个", f"{rule.goals_met} goals met"),
               str(goals_met), str(rule.goals_met), goals_met >= rule.goals_met), rule.goals_met),
    ) if need > 0)  # fmt: skip  # a criterion asking for nothing is not shown
    reasons = []
    if months_at_level < rule.min_months:
        reasons.append((f"在本职级 {months_at_level} 个月, 需要 {rule.min_months}",
                        f"{months_at_level} months at the level, needs {rule.min_months}"))
    if good < rule.score_months:
        reasons.append((f"最近 {rule.score_months} 个月绩效分均 ≥ {rule.min_score}",
                        f"KPI score ≥ {rule.min_score} in each of the last {rule.score_months} months"))
    if goals_met < rule.goals_met:
        reasons.append((f"达成目标 {goals_met} 个, 需要 {rule.goals_met}", f"{goals_met} goals met, needs {rule.goals_met}"))
    return Promotion(level, LEVELS[LEVELS.index(level) + 1], not reasons, tuple(reasons), checks)


def months_between(since: date, day: date) -> int:
    """Whole months from ``since`` to ``day`` (0 when ``day`` is earlier)."""
    months = (day.year - since.year) * 12 + day.month - since.month - (day.day < since.day)
    return max(months, 0)
