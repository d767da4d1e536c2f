"""Second stage: place each worked shift's breaks so interval coverage stays high.

Shifts are fixed by the first stage; here every break picks a start on a
15-minute grid inside its window, one CP-SAT model per day (the breaks of one
day's shifts interact only through the coverage of the same quarter hours).
The objective is the requirement left uncovered per quarter hour, then a small
pull toward the middle of each window so ties land where a supervisor expects.
"""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from kefu.plan.roster.types import SLOT, SLOTS_PER_DAY, Assignment, Roster, RosterProblem

QUARTER = 15


def quarter_coverage(problem: RosterProblem, roster: Roster) -> dict[str, list[int]]:
    """Agent-minutes on shift per skill and quarter hour, before breaks."""
    nq = problem.days * 1440 // QUARTER
    cov = {k: [0] * nq for k in problem.skills}
    by_code = {s.code: s for s in problem.shifts}
    for line in roster.values():
        for d, cell in enumerate(line):
            if cell is None or cell.shift not in by_code:
                continue
            sh = by_code[cell.shift]
            begin, end = d * 1440 + sh.start, d * 1440 + sh.end
            q = begin // QUARTER
            while q * QUARTER < end and q < nq:
                mins = min(end, (q + 1) * QUARTER) - max(begin, q * QUARTER)
                if mins > 0 and cell.skill in cov:
                    cov[cell.skill][q] += mins
                q += 1
    return cov


def place_breaks(problem: RosterProblem, roster: Roster, time_limit: float = 10.0) -> tuple[Roster, dict[str, list[int]]]:
    """The roster with breaks filled in, and the quarter-hour coverage after breaks."""
    cov = quarter_coverage(problem, roster)
    nq = problem.days * 1440 // QUARTER
    out = {k: list(v) for k, v in roster.items()}
    by_code = {s.code: s for s in problem.shifts}
    deadline = time.monotonic() + time_limit
    for d in range(problem.days):
        m = cp_model.CpModel()
        choices: list[tuple[str, int, str, int, int, cp_model.IntVar]] = []  # agent, rule#, kind, start, end, var
        penalties: list[cp_model.LinearExprT] = []
        for agent_id, line in out.items():
            cell = line[d]
            if cell is None or cell.shift not in by_code or not by_code[cell.shift].breaks:
                continue
            sh = by_code[cell.shift]
            base = d * 1440 + sh.start
            mine: list[tuple[int, int, cp_model.IntVar]] = []
            for r, rule in enumerate(sh.breaks):
                lo = base + rule.window_from
                hi = base + rule.window_to - rule.minutes
                starts = list(range(lo - lo % QUARTER + (QUARTER if lo % QUARTER else 0), hi + 1, QUARTER)) or [lo]
                mid = (lo + hi) / 2
                vs = []
                for st in starts:
                    v = m.new_bool_var("")
                    vs.append(v)
                    choices.append((agent_id, r, rule.kind, st, st + rule.minutes, v))
                    penalties.append(round(abs(st - mid) / QUARTER) * v)
                    for ost, oend, ov in mine:
                        if st < oend and ost < st + rule.minutes:  # one break at a time
                            m.add_bool_or([v.negated(), ov.negated()])
                m.add_exactly_one(vs)
                mine.extend((c[3], c[4], c[5]) for c in choices[-len(vs):])
        if not choices:
            continue
        skill_of = {a: out[a][d].skill for a in {c[0] for c in choices}}  # type: ignore[union-attr]
        loss: dict[tuple[str, int], list[cp_model.LinearExpr]] = {}
        for agent_id, _r, _kind, st, end, v in choices:
            q = st // QUARTER
            while q * QUARTER < end and q < nq:
                mins = min(end, (q + 1) * QUARTER) - max(st, q * QUARTER)
                loss.setdefault((skill_of[agent_id], q), []).append(mins * v)
                q += 1
        under_terms: list[cp_model.IntVar] = []
        for (skill, q), terms in loss.items():
            req = problem.requirement.get(skill)
            need = round(req[q * QUARTER // SLOT] * QUARTER) if req else 0
            under = m.new_int_var(0, max(0, need), "")
            offset: int = need - cov[skill][q]
            m.add(under - cp_model.LinearExpr.sum(terms) >= offset)
            under_terms.append(under)
        m.minimize(100 * cp_model.LinearExpr.sum(under_terms) + cp_model.LinearExpr.sum(penalties))
        solver = cp_model.CpSolver()
        left = deadline - time.monotonic()
        solver.parameters.max_time_in_seconds = max(0.01, left / max(1, problem.days - d))
        solver.parameters.num_workers = 1
        # past the deadline the remaining days take the nearest-to-middle placement at once
        solved = left > 0.05 and solver.solve(m) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        chosen = _chosen(solver, choices) if solved else _fallback(choices)
        placed: dict[str, list[tuple[str, int, int]]] = {}
        for i, (agent_id, _r, kind, st, end, _v) in enumerate(choices):
            if i in chosen:
                placed.setdefault(agent_id, []).append((kind, st, end))
                q = st // QUARTER
                while q * QUARTER < end and q < nq:
                    cov[skill_of[agent_id]][q] -= min(end, (q + 1) * QUARTER) - max(st, q * QUARTER)
                    q += 1
        for agent_id, items in placed.items():
            cell = out[agent_id][d]
            assert cell is not None
            out[agent_id][d] = Assignment(cell.shift, cell.skill, tuple(sorted(items, key=lambda b: b[1])))
    return out, cov


def _chosen(solver: cp_model.CpSolver, choices: list[tuple[str, int, str, int, int, cp_model.IntVar]]) -> set[int]:
    return {i for i, c in enumerate(choices) if solver.boolean_value(c[5])}


def _fallback(choices: list[tuple[str, int, str, int, int, cp_model.IntVar]]) -> set[int]:
    """No solution in time (a loaded machine): each break at the first free start nearest its window middle."""
    groups: dict[tuple[str, int], list[int]] = {}
    for i, c in enumerate(choices):
        groups.setdefault((c[0], c[1]), []).append(i)
    taken: dict[str, list[tuple[int, int]]] = {}
    out: set[int] = set()
    for (agent_id, _r), idx in groups.items():
        mid = (choices[idx[0]][3] + choices[idx[-1]][3]) / 2
        for i in sorted(idx, key=lambda j: abs(choices[j][3] - mid)):
            st, end = choices[i][3], choices[i][4]
            if all(end <= a or b <= st for a, b in taken.get(agent_id, [])):
                taken.setdefault(agent_id, []).append((st, end))
                out.add(i)
                break
    return out


def slot_coverage(quarters: dict[str, list[int]], days: int) -> dict[str, list[float]]:
    """Effective agents per 30-minute slot (mean of its two quarter hours)."""
    n = days * SLOTS_PER_DAY
    return {k: [(q[2 * t] + q[2 * t + 1]) / SLOT for t in range(n)] for k, q in quarters.items()}
