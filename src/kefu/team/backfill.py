"""Fill the shifts a leave freed with as few roster changes as the rules allow (issue 22).

The month around the leave is the roster engine's problem (the shop's agents, contracts,
approved leave, shifts, hard rules and the forecast requirement) with the stored roster,
already without the agent's leave days. Each freed shift is offered, in day order, to the
agent whose move wins back the most uncovered requirement: one change when an agent
resting that day may work one more day or one working another shift that day switches
(its old shift matters less), two when it must give a worked day back (its rest day
moves: the contract's days stay exact), never more. A move is taken only when
it covers more of the requirement than it uncovers and the agent's whole month still
keeps every hard rule (the engine's own checker); days before ``frozen_days`` (already
worked) never change. Nobody is moved for a shift the forecast does not ask for.

Why not the engine's month re-plan: at an approval's few seconds its search starts over
and, on the demo's December, changed 50 cells of a stored month with no leave at all
(and covered less); a repair that moves at most two cells per freed shift is the
"minimal change" the supervisor expects, and it answers at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from kefu.plan.roster.rules import check
from kefu.plan.roster.types import SLOT, SLOTS_PER_DAY, Assignment, Roster, RosterProblem, Shift


@dataclass(frozen=True)
class Move:
    """One changed cell: ``before``/``after`` shift codes ("" = rest)."""

    agent: str
    day: date
    before: str
    after: str
    skill: str


@dataclass(frozen=True)
class Filled:
    roster: Roster
    moves: tuple[Move, ...]
    won: float  # agent-slots of the requirement won back
    unfilled: int  # freed shifts nobody could take with a gain


def _slots(shift: Shift, day: int, horizon: int) -> range:
    first = day * SLOTS_PER_DAY + shift.start // SLOT
    return range(first, min(horizon, day * SLOTS_PER_DAY + -(-shift.end // SLOT)))


Change = tuple[int, Assignment, int]  # (day, cell, +1 works it / -1 no longer)


class _Cover:
    """Agents per skill and 30-minute slot against the requirement (breaks not deducted)."""

    def __init__(self, problem: RosterProblem, roster: Roster) -> None:
        self.need = problem.requirement
        self.shifts = {s.code: s for s in problem.shifts}
        self.horizon = problem.days * SLOTS_PER_DAY
        self.have = {k: [0.0] * len(v) for k, v in self.need.items()}
        for line in roster.values():
            for d, cell in enumerate(line):
                if cell is not None:
                    self.apply([(d, cell, 1)])

    def _spots(self, change: Change) -> list[tuple[str, int]]:
        day, cell, _ = change
        if cell.skill not in self.have or cell.shift not in self.shifts:
            return []
        return [(cell.skill, i) for i in _slots(self.shifts[cell.shift], day, self.horizon)]

    def apply(self, changes: list[Change]) -> None:
        for change in changes:
            for skill, i in self._spots(change):
                self.have[skill][i] += change[2]

    def delta(self, changes: list[Change]) -> float:
        """Agent-slots of the requirement covered more (less, when negative) after ``changes``."""
        spots = {x for c in changes for x in self._spots(c)}
        if not spots:
            return 0.0
        before = sum(min(self.need[k][i], self.have[k][i]) for k, i in spots)
        self.apply(changes)
        after = sum(min(self.need[k][i], self.have[k][i]) for k, i in spots)
        self.apply([(d, c, -n) for d, c, n in changes])
        return after - before


def _keeps_rules(problem: RosterProblem, agent_index: int, line: list[Assignment | None]) -> bool:
    agent = problem.agents[agent_index]
    return not check(replace(problem, agents=[agent]), {agent.id: line})


Option = tuple[float, int, str, list[Change]]  # (net gain, cells changed, agent, its changes)


def _options(problem: RosterProblem, a: int, line: list[Assignment | None], cover: _Cover, day: int,
             cell: Assignment) -> list[Option]:  # fmt: skip
    """Agent ``a``'s legal ways to work ``cell`` on ``day``, fewest changes first, each with its net gain."""
    agent, now = problem.agents[a], line[day]
    tried: list[list[Change]] = []
    if now is None:
        tried.append([(day, cell, 1)])  # one more day worked (contract permitting)
        tried += [[(day, cell, 1), (e, given, -1)] for e in range(problem.frozen_days, problem.days)
                  if e != day and (given := line[e]) is not None]  # its rest day moves here
    elif now.shift != cell.shift:
        tried.append([(day, now, -1), (day, cell, 1)])  # another shift that day becomes this one
    out: list[Option] = []
    for changes in tried:
        net = cover.delta(changes)
        if net <= 0 or (out and net <= out[0][0]):
            continue
        moved = [*line]
        for d, c, n in changes:
            moved[d] = c if n > 0 else (None if moved[d] == c else moved[d])
        if _keeps_rules(problem, a, moved):
            out.insert(0, (net, len({d for d, _, _ in changes}), agent.id, changes))
    return out


def _best(problem: RosterProblem, roster: Roster, cover: _Cover, day: int, cell: Assignment, skip: str) -> Option | None:
    """The legal move for ``cell`` on ``day`` that wins back the most requirement (then: the fewest cells)."""
    best: Option | None = None
    shift, when = cover.shifts.get(cell.shift), date.fromordinal(problem.start.toordinal() + day)
    if shift is None:
        return None
    for a, agent in enumerate(problem.agents):
        line = roster.get(agent.id)
        if (agent.id == skip or line is None or cell.skill not in agent.skills or when in agent.leave
                or (shift.night and not agent.night_ok)):
            continue
        for option in _options(problem, a, line, cover, day, cell):
            if best is None or (option[0], -option[1]) > (best[0], -best[1]):
                best = option
    return best


def backfill(problem: RosterProblem, roster: Roster, freed: list[tuple[int, Assignment]], skip: str) -> Filled:
    """Fill ``freed`` (day index, the shift it had) from ``roster`` without agent ``skip``; the moves made."""
    out = {a: [*line] for a, line in roster.items()}
    cover = _Cover(problem, out)
    moves: list[Move] = []
    won, unfilled = 0.0, 0
    for day, cell in sorted(freed, key=lambda f: f[0]):
        found = _best(problem, out, cover, day, cell, skip) if day >= problem.frozen_days else None
        if found is None:
            unfilled += 1
            continue
        net, _, agent, changes = found
        cover.apply(changes)
        line = out[agent]
        for d, c, n in sorted(changes, key=lambda x: x[2]):  # removals first: a switch frees its day
            before = line[d]
            line[d] = c if n > 0 else None
            moves.append(Move(agent, problem.start + timedelta(days=d), "" if before is None else before.shift,
                              "" if line[d] is None else c.shift, c.skill))  # fmt: skip
        won += net
    return Filled(out, tuple(_merge(moves)), won, unfilled)


def _merge(moves: list[Move]) -> list[Move]:
    """One move per cell (a switch is a removal and an addition on one day), by agent and day."""
    cells: dict[tuple[str, date], Move] = {}
    for m in moves:
        first = cells.get((m.agent, m.day))
        cells[(m.agent, m.day)] = m if first is None else Move(m.agent, m.day, first.before, m.after, m.skill)
    return sorted((m for m in cells.values() if m.before != m.after), key=lambda m: (m.agent, m.day))
