"""Shift swaps and cover: what a change to two roster lines breaks, and who could take a shift.

The hard rules are the roster's own (:func:`kefu.plan.roster.rules.check`: one
shift a day, skills, approved leave, night shifts, rest days a month, consecutive
days, rest hours between shifts, contract hours). A change is judged only by the
violations it *adds*: a rule the roster already broke before the swap is the
supervisor's earlier decision, not the swap's fault, and must not block it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from kefu.domain.errors import ErrorCode, KefuError
from kefu.plan.roster.rules import FAMILY_TEXT, Violation, check
from kefu.plan.roster.types import Assignment, Roster, RosterProblem


def _line(problem: RosterProblem, roster: Roster, agent: str) -> list[Assignment | None]:
    return list(roster.get(agent) or [None] * problem.days)


def swapped(problem: RosterProblem, roster: Roster, a: str, b: str, day: int) -> Roster:
    """A copy of ``roster`` where ``a`` and ``b`` exchange their cells of horizon day ``day``.

    A cell keeps its skill: whoever takes a 售后 shift must cover 售后, so a peer
    without that skill is caught by the skills rule.
    """
    out = dict(roster)
    line_a, line_b = _line(problem, roster, a), _line(problem, roster, b)
    line_a[day], line_b[day] = line_b[day], line_a[day]
    out[a], out[b] = line_a, line_b
    return out


def taken(problem: RosterProblem, roster: Roster, agent: str, day: int, cell: Assignment) -> Roster:
    """A copy of ``roster`` where ``agent`` works ``cell`` on horizon day ``day`` (cover or pick-up)."""
    out = dict(roster)
    line = _line(problem, roster, agent)
    line[day] = cell
    out[agent] = line
    return out


def added_violations(problem: RosterProblem, before: Roster, after: Roster, agents: Iterable[str]) -> list[Violation]:
    """Hard-rule violations of ``after`` for ``agents`` that ``before`` did not already have."""
    wanted = set(agents)
    sub = replace(problem, agents=[a for a in problem.agents if a.id in wanted])
    old = {(v.agent, v.day, v.rule) for v in check(sub, before)}
    return [v for v in check(sub, after) if (v.agent, v.day, v.rule) not in old]


def rule_broken(violations: list[Violation]) -> KefuError:
    """The refusal a supervisor reads: every broken rule named, with the agent and day of the first case."""
    rules = list(dict.fromkeys(v.rule for v in violations))
    first = {r: next(v for v in violations if v.rule == r) for r in rules}

    def where(v: Violation) -> str:
        return f"{v.agent} {v.day.isoformat() if v.day else ''}".strip()

    zh = "; ".join(f"{FAMILY_TEXT.get(r, (r, r))[0]} ({where(first[r])}: {first[r].message})" for r in rules)
    en = "; ".join(f"{FAMILY_TEXT.get(r, (r, r))[1]} ({where(first[r])}: {first[r].message_en})" for r in rules)
    return KefuError(ErrorCode.ROSTER_RULE_BROKEN, f"违反排班硬性规则: {zh}", f"breaks a hard roster rule: {en}",
                     {"rules": rules, "violations": [v.as_dict() for v in violations]})


@dataclass(frozen=True)
class Fit:
    """How well one agent could take a shift; the list is ranked best first."""

    agent: str
    eligible: bool  # taking it breaks no hard rule
    rules: tuple[str, ...]  # the rules it would break (empty when eligible)
    primary_skill: bool  # the shift's skill is the agent's main one, not an overflow skill
    hours: float  # hours already rostered in the horizon (fewer = fairer to ask)


def fit_ranking(problem: RosterProblem, roster: Roster, day: int, cell: Assignment, candidates: Iterable[str],
                primary: Mapping[str, str]) -> list[Fit]:  # fmt: skip
    """Rank who could work ``cell`` on horizon day ``day``: eligible first, then main skill, then fewest hours.

    An agent already working that day is not eligible (one shift a day); the
    others are judged by the violations taking the shift would add.
    """
    by_code = {s.code: s for s in problem.shifts}
    out = []
    for agent in candidates:
        line = _line(problem, roster, agent)
        minutes = sum(by_code[c.shift].paid_minutes for c in line if c is not None and c.shift in by_code)
        if line[day] is not None:
            broken: tuple[str, ...] = ("one_shift_per_day",)
        else:
            added = added_violations(problem, roster, taken(problem, roster, agent, day, cell), [agent])
            broken = tuple(dict.fromkeys(v.rule for v in added))
        out.append(Fit(agent, not broken, broken, primary.get(agent) == cell.skill, round(minutes / 60, 2)))
    return sorted(out, key=lambda f: (not f.eligible, not f.primary_skill, f.hours, f.agent))
