"""A fast constructive line for one Curtois employee: one forward pass over the days.

The year-long instances (20–24) spent minutes of CP-SAT search just to find a
feasible line per employee (about 1–5 CPU-s each, × 50–150 employees), so the
first roster came long after the time limit. Every hard rule is per employee
and can be checked while walking the days forward, so a greedy pass that keeps
the worked minutes on a pro-rata pace, looks ahead when it opens a run (so the
minimum run length, days off and the weekend cap can still be met) and picks
the shift type that covers most missing demand builds a feasible line in
milliseconds for almost every employee. A few randomised attempts are made;
when all fail the caller falls back to the CP-SAT line search. The line is
always re-checked by the independent validator before it is used.
"""

from __future__ import annotations

import random

from kefu.plan.roster.curtois.reader import REST, Instance, line_violations


def _weekend(d: int) -> int | None:
    """The weekend index of day ``d`` (Saturday 7k+5, Sunday 7k+6), else None."""
    return d // 7 if d % 7 >= 5 else None


def greedy_line(
    inst: Instance, e: int, missing: dict[tuple[int, int], int], rng: random.Random, attempts: int = 12
) -> list[int] | None:
    """A feasible line for employee ``e`` that prefers cells in ``missing`` (day, shift) -> people short.

    Returns None when no attempt met every rule.
    """
    st = inst.staff[e]
    shifts = [s for s in range(len(inst.shifts)) if inst.cap(e, s) > 0]
    if not shifts:
        return [REST] * inst.horizon if st.min_minutes <= 0 else None
    wants: dict[tuple[int, int], int] = {}
    for ee, d, s, w in inst.on_requests:
        if ee == e:
            wants[(d, s)] = wants.get((d, s), 0) + w
    for ee, d, s, w in inst.off_requests:
        if ee == e:
            wants[(d, s)] = wants.get((d, s), 0) - w
    for attempt in range(attempts):
        # a pass most often fails by falling short (runs and rest days cap the pace), so later
        # attempts aim higher; the maximum is enforced day by day whatever the target
        target = (st.min_minutes + st.max_minutes) / 2 + attempt * 2 * min(inst.shifts[s].minutes for s in shifts)
        line = _pass(inst, e, shifts, missing, wants, target, rng)
        if line is not None and not line_violations(inst, e, line):
            return line
    return None


def _pass(
    inst: Instance,
    e: int,
    shifts: list[int],
    missing: dict[tuple[int, int], int],
    wants: dict[tuple[int, int], int],
    target: float,
    rng: random.Random,
) -> list[int] | None:
    h, st = inst.horizon, inst.staff[e]
    off = inst.days_off.get(e, set())
    forb = [set(f) for f in inst.forbidden_pairs()]
    length = [s.minutes for s in inst.shifts]
    shortest = min(length[s] for s in shifts)
    avail = [0] * (h + 1)  # avail[d] = workable days before d, for the pro-rata pace
    for d in range(h):
        avail[d + 1] = avail[d] + (d not in off)
    n_weekends = max(1, h // 7)
    line = [REST] * h
    used = dict.fromkeys(shifts, 0)
    minutes, run, rest_run, weekends = 0, 0, 0, 0
    run_exempt = rest_exempt = True  # runs touching day 0 are not held to the minimum lengths
    counted: set[int] = set()

    def new_weekend(d: int) -> bool:
        wk = _weekend(d)
        return wk is not None and wk not in counted

    def can_open(d: int) -> bool:
        """Can a run of the minimum length start on day ``d`` (days off, weekends, minutes)?"""
        need = min(st.min_consecutive, h - d)
        days = range(d, d + need)
        if any(k in off for k in days):
            return False
        extra = len({_weekend(k) for k in days if _weekend(k) is not None} - counted)
        return weekends + extra <= st.max_weekends and minutes + need * shortest <= st.max_minutes

    for d in range(h):
        prev = line[d - 1] if d else REST
        must_work = run > 0 and run < st.min_consecutive and not run_exempt
        may_work = d not in off and run < st.max_consecutive
        if run == 0 and not (rest_exempt or rest_run >= st.min_days_off):
            may_work = False
        if run == 0 and may_work and not can_open(d):
            may_work = False
        if may_work and new_weekend(d) and weekends >= st.max_weekends:
            may_work = False
        options = [
            s
            for s in shifts
            if used[s] < inst.cap(e, s)
            and (prev == REST or s not in forb[prev])
            and minutes + length[s] <= st.max_minutes
        ]
        if must_work and (not may_work or not options):
            return None
        work = False
        if may_work and options:
            pace = target * avail[d + 1] / max(1, avail[h])
            wk = _weekend(d)
            weekend_ok = wk is None or wk in counted or weekends < st.max_weekends * (wk + 1) / n_weekends + 1
            gain = max(100 * (missing.get((d, s), 0) > 0) + wants.get((d, s), 0) for s in options)
            # a run once open goes on a little past the pace: short runs waste the rest days after them
            slack = 2 * shortest if run else 0
            work = must_work or (minutes < pace + slack and weekend_ok) or (gain > 0 and minutes < pace + 2 * shortest)
        if not work:
            if run:
                rest_run, rest_exempt = 0, False
            rest_run += 1
            run = 0
            continue
        if run == 0:
            run_exempt = d == 0
        # keep a successor available when the run must go on tomorrow
        if run + 1 < st.min_consecutive and d + 1 < h:
            options = [s for s in options if any(t not in forb[s] and used[t] + (t == s) < inst.cap(e, t) for t in shifts)] or options
        s = max(options, key=lambda s: (100 * (missing.get((d, s), 0) > 0) + wants.get((d, s), 0), rng.random()))
        line[d] = s
        used[s] += 1
        minutes += length[s]
        run += 1
        wk = _weekend(d)
        if wk is not None and wk not in counted:
            counted.add(wk)
            weekends += 1
    return line if minutes >= st.min_minutes else None
