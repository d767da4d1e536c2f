"""In / Out models of the promotion track (seed 004, issue 22 item 8) and the fines ladder as the pages show it.

Kept beside :mod:`kefu.service.team.schemas` (which holds the other team models) so
neither grows past a screenful per topic. KPI scores are exact decimal text.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from kefu.service.schemas import ApiIn, Day
from kefu.service.team.schemas import Note


class CriterionOut(BaseModel):
    """One criterion of the next step: what the agent has against what it needs."""

    key: str  # months | score | goals
    label: str
    label_en: str
    have: str
    need: str
    met: bool


class MonthScoreOut(BaseModel):
    month: str  # YYYY-MM, a completed month
    score: str | None  # the month's KPI points (None: no figures, or probation)


class PromotionOut(BaseModel):
    """Where an agent stands on 初级 → 中级 → 高级 → 组长, and what the next level still needs."""

    agent_id: str
    agent_name: str
    level: str
    level_en: str
    since: date | None  # on the level since (hire day when never promoted)
    months_at_level: int
    next_level: str | None  # None at the top
    next_level_en: str
    eligible: bool  # every criterion met: the supervisor may promote
    criteria: list[CriterionOut]
    scores: list[MonthScoreOut]  # latest completed month first
    goals_met: int
    track: list[str]  # the levels in order


class NormOut(BaseModel):
    """A metric's team norm (mean of the graded agents, last completed month): the base of a 120–130 % goal."""

    shop_id: str
    metric: str
    month: str
    norm: str | None  # None: no agent had the figure that month
    agents: int


class PromoteIn(ApiIn):
    """A supervisor promotes an eligible agent to the next level from ``day`` on."""

    day: Day
    note: Note = ""


class LadderStepOut(BaseModel):
    """A step of the fines ladder (``count``: the n-th violation in the window) or a reward kind (count 0)."""

    count: int
    outcome: str  # fine | dismissal_warning | listing_error | suggestion
    label: str
    amount_fen: int


class LadderOut(BaseModel):
    """The shop's fines ladder and rewards as data (seed 001 七 / 十一: 10 元, 30 元, then a dismissal warning)."""

    shop_id: str
    window_days: int
    steps: list[LadderStepOut]
    rewards: list[LadderStepOut]
