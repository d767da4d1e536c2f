"""Who is working on a day, as the duty rules see it, and the fair choice among them.

Seed 003 gives follow-ups to "the 晚班 agent" on weekdays and "the agent on
duty" at weekends, but a real roster has several of each. The choice must be
reproducible (a replay and the live worker must agree, and a manager must be
able to explain it), so it is: fewest tasks already assigned for that day,
then the smallest agent id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

DEFAULT_EVENING_CODE = "晚班"
# Roster cells that mean "not working" when no shift table says otherwise.
REST_CODES = frozenset({"", "休", "休息", "rest", "off", "OFF", "-"})


@dataclass(frozen=True)
class RosterView:
    """Shifts per day: ``days[day][agent] = shift code`` for agents who work that day."""

    days: Mapping[date, Mapping[str, str]] = field(default_factory=dict)
    evening_codes: frozenset[str] = frozenset({DEFAULT_EVENING_CODE})
    # the whole team when ``days`` holds only a window of the roster (the live worker)
    everyone: tuple[str, ...] = ()

    @classmethod
    def from_entries(
        cls,
        entries: Iterable[tuple[str, date, str]],
        evening_codes: Iterable[str] = (DEFAULT_EVENING_CODE,),
        rest_codes: frozenset[str] = REST_CODES,
        everyone: Iterable[str] = (),
    ) -> RosterView:
        """Build from (agent, day, shift code) rows; rest days are not shifts but their agents are on the team."""
        days: dict[date, dict[str, str]] = {}
        team = set(everyone)
        for agent, day, code in entries:
            team.add(agent)  # rest rows too: the team is everyone on the roster
            if code.strip() in rest_codes:
                continue
            days.setdefault(day, {})[agent] = code.strip()
        return cls(days, frozenset(evening_codes), tuple(sorted(team)))

    @cached_property
    def _pools(self) -> dict[tuple[str, date], list[str]]:
        out: dict[tuple[str, date], list[str]] = {}
        for day, shifts in self.days.items():
            out["on_duty", day] = sorted(shifts)
            out["evening", day] = sorted(a for a, code in shifts.items() if code in self.evening_codes)
        return out

    def on_duty(self, day: date) -> list[str]:
        """Agents with any shift that day, sorted by id."""
        return self._pools.get(("on_duty", day), [])

    def evening(self, day: date) -> list[str]:
        """Agents on the shop's evening shift (晚班) that day, sorted by id."""
        return self._pools.get(("evening", day), [])

    def pool(self, name: str, day: date) -> list[str]:
        return self.evening(day) if name == "evening" else self.on_duty(day)

    @cached_property
    def _agents(self) -> list[str]:
        return sorted({*self.everyone, *(a for shifts in self.days.values() for a in shifts)})

    def agents(self) -> list[str]:
        """Every agent who works at least one day of the roster (or is in ``everyone``), sorted by id."""
        return self._agents


def pick(candidates: Iterable[str], load: Mapping[str, int]) -> str:
    """The candidate with the fewest tasks so far, ties by agent id; "" when none."""
    ranked = sorted(set(candidates), key=lambda agent: (load.get(agent, 0), agent))
    return ranked[0] if ranked else ""


def evening_codes_from_shifts(shifts: Iterable[tuple[str, bool, bool]]) -> frozenset[str]:
    """Which shift codes count as 晚班, from (code, evening flag, night flag) rows.

    Explicit evening flags win; else the code 晚班 when the shop has it; else the
    night-flagged shifts. A shop that marks nothing and has no 晚班 gets none,
    and its evening tasks fall back to whoever is on duty.
    """
    rows = list(shifts)
    flagged = frozenset(code for code, evening, _night in rows if evening)
    if flagged:
        return flagged
    if any(code == DEFAULT_EVENING_CODE for code, _e, _n in rows):
        return frozenset({DEFAULT_EVENING_CODE})
    return frozenset(code for code, _evening, night in rows if night)
