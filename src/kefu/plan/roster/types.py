"""Plain data for the customer-service roster: agents, shift templates, rules, results.

Times inside the engine are minutes from the first day's local midnight, so a
shift that ends after midnight simply runs past 1440 and the 30-minute
requirement is one list per skill over the whole horizon. Callers (CSV, API)
convert to and from calendar dates once, at the edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

SLOT = 30  # minutes per requirement interval
SLOTS_PER_DAY = 1440 // SLOT


@dataclass(frozen=True)
class BreakRule:
    """A break a shift must contain: ``minutes`` long, starting and ending inside the window.

    The window is given in minutes after the shift start, so it is the same for
    every day the template is used.
    """

    kind: str  # meal | short
    minutes: int
    window_from: int
    window_to: int


@dataclass(frozen=True)
class Shift:
    code: str
    start: int  # minutes after local midnight
    end: int  # minutes after local midnight of the start day; > start (next-day ends add 1440)
    night: bool = False
    breaks: tuple[BreakRule, ...] = ()

    @property
    def minutes(self) -> int:
        return self.end - self.start

    @property
    def paid_minutes(self) -> int:
        return self.minutes - sum(b.minutes for b in self.breaks if b.kind == "meal")


@dataclass(frozen=True)
class Agent:
    id: str
    skills: tuple[str, ...]
    night_ok: bool = True
    min_hours: float = 0.0  # over the horizon (contract hours); 0 = no minimum
    max_hours: float | None = None
    leave: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Rules:
    """Hard work rules (labour-law settings of the shop)."""

    rest_days_per_month: int = 4
    max_consecutive: int = 6
    min_rest_hours: float = 10.0


@dataclass(frozen=True)
class Preference:
    """An agent's wish: work ``shift`` on ``day`` ("" = wants the day off)."""

    agent: str
    day: date
    shift: str
    weight: int = 1


@dataclass(frozen=True)
class Weights:
    """Soft-goal weights; coverage weights are per agent-minute of the 30-minute slots."""

    under: int = 20
    over: int = 1
    night_fairness: int = 200
    weekend_fairness: int = 100
    switch: int = 20  # changing shift between consecutive workdays (rotation, same-shift blocks)
    preference: int = 300


@dataclass
class RosterProblem:
    start: date
    days: int
    agents: list[Agent]
    shifts: list[Shift]
    requirement: dict[str, list[float]]  # skill -> agents needed per slot, len days * SLOTS_PER_DAY
    rules: Rules = field(default_factory=Rules)
    preferences: list[Preference] = field(default_factory=list)
    weights: Weights = field(default_factory=Weights)

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    @property
    def skills(self) -> list[str]:
        seen = dict.fromkeys(self.requirement)
        for a in self.agents:
            seen.update(dict.fromkeys(a.skills))
        return list(seen)


@dataclass(frozen=True)
class Assignment:
    """One worked day: the shift, the skill covered and the breaks placed (minutes from horizon start)."""

    shift: str
    skill: str
    breaks: tuple[tuple[str, int, int], ...] = ()  # (kind, start, end)


Roster = dict[str, list[Assignment | None]]  # agent -> one entry per day (None = rest day)


@dataclass
class AgentTotals:
    agent: str
    hours: float
    workdays: int
    nights: int
    weekend_days: int
    rest_days: int


@dataclass
class RosterResult:
    roster: Roster
    status: str
    objective: float
    seconds: float
    coverage: dict[str, list[float]]  # skill -> effective agents per slot (breaks deducted)
    totals: list[AgentTotals]
    service_level: dict[str, list[float | None]] | None = None
    notes: list[str] = field(default_factory=list)
