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
    night: bool = False  # needs night_ok
    breaks: tuple[BreakRule, ...] = ()
    evening: bool = False  # the shop's 晚班: shared out fairly with the night shifts

    @property
    def late(self) -> bool:
        """Counts among an agent's "nights" (evening or night work) for fairness and totals."""
        return self.night or self.evening

    @property
    def minutes(self) -> int:
        return self.end - self.start

    @property
    def paid_minutes(self) -> int:
        return self.minutes - sum(b.minutes for b in self.breaks if b.kind == "meal")


@dataclass(frozen=True)
class Agent:
    """An agent and their contract over the roster's horizon.

    ``min_days``/``max_days`` are working days in the period (the seeds' full
    timer: the period's days less 4 rest days a month, both bounds equal);
    ``min_hours``/``max_hours`` paid hours worked. A day of approved leave
    counts as a working day, not as hours (``rules.contract_bounds``).
    """

    id: str
    skills: tuple[str, ...]
    night_ok: bool = True
    min_hours: float = 0.0  # over the horizon (contract hours); 0 = no minimum
    max_hours: float | None = None
    leave: frozenset[date] = frozenset()
    min_days: int | None = None
    max_days: int | None = None


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
    """Soft-goal weights (integers: the master IP is exact); coverage per agent-minute of the 30-minute slots.

    Fairness weights are per unit of spread beyond the tolerance (hours: per
    minute) among agents on the same contract.
    """

    under: int = 20
    over: int = 1
    night_fairness: int = 2000
    weekend_fairness: int = 1000
    hours_fairness: int = 100  # per minute
    holiday_fairness: int = 1000
    switch: int = 60  # changing shift inside a week (the seeds' week of 白 then week of 晚)
    rotate: int = 30  # working the same shift as the week before (0: blocks without weekly alternation)
    preference: int = 300
    change: int = 400  # a re-plan changing a stored cell


@dataclass(frozen=True)
class Fairness:
    """The spread (busiest minus idlest) a supervisor tolerates among agents on the same contract.

    ``hours`` None means one shift (the longest paid one); ``nights``,
    ``weekends`` or ``holidays`` None are not balanced at all (nor is a
    measure whose weight is 0).
    """

    hours: float | None = None
    nights: int | None = 2
    weekends: int | None = 4
    holidays: int | None = 2


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
    fairness: Fairness = field(default_factory=Fairness)
    holidays: frozenset[date] = frozenset()  # 法定节假日 inside the horizon (balanced like weekends)
    previous: Roster | None = None  # a stored roster a re-plan should change as little as possible
    frozen_days: int = 0  # days from the start kept exactly as ``previous`` (already worked)

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


STATUTORY_HOURS_MONTH = 174.0  # 21.75 days x 8 h: hours beyond it are overtime (标准工时)


@dataclass
class AgentTotals:
    agent: str
    hours: float
    workdays: int
    nights: int  # evening and night shifts
    weekend_days: int
    rest_days: int
    holidays: int = 0
    overtime_hours: float = 0.0  # beyond the statutory hours for the horizon's share of a month


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
    bound: float | None = None  # LP upper bound on the coverage ratio any roster under these rules reaches
    coverage_ratio: float | None = None  # share of the requirement covered after breaks
