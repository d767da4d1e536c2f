"""Seed-shaped months to roster: the shop of seeds 001/002 as a ``RosterProblem`` (benchmarks and tests).

Seed 001's shop runs 白班 09:00–16:30 and 晚班 16:00–22:30 in rotation with
four rest days a month, the rest worked; seed 002 adds an early and a middle
shift, a lunch break and a short break, and the promotion peaks. So the
month here has four shifts (早 08:00–15:30, 白, 中 13:00–20:30, 晚 — the
evening one), two skills (售前 and 售后, some agents both), full-timers on
the seeds' contract (the month's days less 4, exactly) and a few
part-timers (10–18 days) for the peak, and a 30-minute requirement per
skill with busier
weekends and a promotion peak with its lead-up and after-sales tail, each
day's shape that of a shift mix (so it can be covered) with noise.

``wide_month`` is the older synthetic benchmark (60 agents, five shifts, a
night shift) with the same contracts. Both are pure: plain data out.
"""

from __future__ import annotations

import calendar
import math
import random
from datetime import date, timedelta

from kefu.plan.roster.rules import slot_overlaps
from kefu.plan.roster.types import SLOTS_PER_DAY, Agent, BreakRule, RosterProblem, Rules, Shift

SEED_SHIFTS = [
    Shift("早", 8 * 60, 15 * 60 + 30, False, (BreakRule("meal", 30, 150, 300), BreakRule("short", 15, 330, 420))),
    Shift("白", 9 * 60, 16 * 60 + 30, False, (BreakRule("meal", 30, 150, 270), BreakRule("short", 15, 330, 420))),
    Shift("中", 13 * 60, 20 * 60 + 30, False, (BreakRule("meal", 30, 240, 360), BreakRule("short", 15, 60, 180))),
    Shift("晚", 16 * 60, 22 * 60 + 30, False, (BreakRule("meal", 30, 90, 210), BreakRule("short", 15, 240, 330)),
          evening=True),
]
SEED_MIX = [0.2, 0.3, 0.15, 0.35]  # the day's staff per shift the demand is shaped by (early, day, middle, evening)
PEAK = {"售前": (1.15, 1.35, 1.0), "售后": (1.0, 1.15, 1.3)}  # lead-up, peak day, day after


def _full_timer_days(start: date, days: int, rest: int = 4) -> int:
    month_len = calendar.monthrange(start.year, start.month)[1]
    return days - math.ceil(rest * days / month_len)


def seed_month(seed: int = 0, start: date = date(2026, 12, 1), n_agents: int = 28, peak_day: int = 12,
               load: float = 0.82) -> RosterProblem:
    """The seed shop's month: ``load`` is the ordinary day's requirement against the full-timers on duty."""
    rng = random.Random(seed)
    days = calendar.monthrange(start.year, start.month)[1]
    n_part = max(2, n_agents // 7)
    full = _full_timer_days(start, days)
    agents = []
    for i in range(n_agents):
        part = i >= n_agents - n_part
        kind = i % 7
        skills = ("售后",) if kind in (2, 5) else ("售前", "售后") if kind == 6 else ("售前",)
        agents.append(Agent(f"kf{i + 1:02d}", skills, True, min_days=10 if part else full,
                            max_days=18 if part else full))
    presale = sum(1 for a in agents if "售前" in a.skills and a.min_days == full) - 0.5 * sum(
        1 for a in agents if len(a.skills) == 2 and a.min_days == full)
    aftersale = sum(1 for a in agents if a.min_days == full) - presale
    on_duty = {"售前": presale * full / days, "售后": aftersale * full / days}
    n_slots = days * SLOTS_PER_DAY
    requirement = {k: [0.0] * n_slots for k in on_duty}
    for d in range(days):
        day = start + timedelta(days=d)
        weekend = 1.1 if day.weekday() >= 5 else 1.0
        for skill, heads in on_duty.items():
            lead, peak, after = PEAK[skill]
            factor = {peak_day - 2: lead, peak_day - 1: lead, peak_day: peak, peak_day + 1: after}.get(day.day, 1.0)
            # the day's staff needed, shaped like a shift mix, each half hour with some noise
            staff = heads * load * weekend * factor
            for shift, mix in zip(SEED_SHIFTS, SEED_MIX, strict=True):
                for t, mins in slot_overlaps(shift, d, n_slots):
                    requirement[skill][t] += staff * mix * mins / 30
        for skill in requirement:
            for t in range(d * SLOTS_PER_DAY, (d + 1) * SLOTS_PER_DAY):
                requirement[skill][t] = round(requirement[skill][t] * rng.uniform(0.93, 1.07), 2)
    return RosterProblem(start, days, agents, list(SEED_SHIFTS), requirement, Rules(4, 6, 10))


WIDE_SHIFTS = [
    Shift("早", 8 * 60, 16 * 60 + 30, False, (BreakRule("meal", 30, 180, 330), BreakRule("short", 15, 60, 150))),
    Shift("白", 9 * 60, 17 * 60 + 30, False, (BreakRule("meal", 30, 150, 300), BreakRule("short", 15, 330, 450))),
    Shift("中", 12 * 60, 20 * 60 + 30, False, (BreakRule("meal", 30, 300, 420),)),
    Shift("晚", 16 * 60, 24 * 60 + 30, False, (BreakRule("meal", 30, 120, 240),), evening=True),
    Shift("夜", 22 * 60, 32 * 60, True, (BreakRule("short", 15, 180, 360),)),
]


def wide_month(n_agents: int = 60, seed: int = 1, start: date = date(2026, 3, 1), days: int = 31) -> RosterProblem:
    """60 agents, 2 skills, five shifts with a night shift, demand drawn from shift head-counts (coverable)."""
    rng = random.Random(seed)
    full = _full_timer_days(start, days)
    agents = []
    for i in range(n_agents):
        roll = rng.random()
        skills = ("售前",) if roll < 0.45 else ("售后",) if roll < 0.8 else ("售前", "售后")
        agents.append(Agent(f"A{i:03d}", skills, night_ok=rng.random() < 0.5, min_days=full, max_days=full))
    n_slots = days * SLOTS_PER_DAY
    req = {"售前": [0.0] * n_slots, "售后": [0.0] * n_slots}
    share = {"售前": 0.55, "售后": 0.45}
    on_duty = n_agents * 27 / 31 * 0.8
    for d in range(days):
        weekend = (start + timedelta(days=d)).weekday() >= 5
        for skill, part in share.items():
            heads = on_duty * part * (1.1 if weekend else 1.0)
            for shift, wgt in zip(WIDE_SHIFTS, [0.25, 0.25, 0.2, 0.22, 0.08], strict=True):
                count = max(0, round(heads * wgt + rng.uniform(-1.5, 1.5)))
                for t, mins in slot_overlaps(shift, d, n_slots):
                    req[skill][t] += count * mins / 30
    return RosterProblem(start, days, agents, list(WIDE_SHIFTS), req, Rules(4, 6, 10))
