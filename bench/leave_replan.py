"""Leave approval on the user's path: how much of the coverage a leave takes does the minimal-change fill win back,
and how many cells does it move? (issue 22)

The demo shop (``load_demo``: its own chat history) plans December with the roster area's month action,
as the roster page's button does. Then, one at a time and each rolled back, agents ask for two days of
事假 on days they work, and a supervisor approves through ``kefu.service.team.actions.approve_leave`` (the
action behind ``kefu leave approve``, the API and /team). The yardstick is the forecast requirement the
month was planned against, counted the simplest way (agent-slots of 30 minutes a shift covers for its
skill, breaks not deducted), compared with the baseline of freeing the cells only (main before this
change): ``recovered`` is the share of the agent-slots the leave took that the fill wins back.

    python bench/leave_replan.py [--agents 8] [--history 21] [--leaves 6] [--plan-time 30]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from kefu.service.demo.actions import load_demo
from kefu.service.plan import actions_month
from kefu.service.plan.actions_roster import plan_roster
from kefu.service.plan.schemas import ShopMonth
from kefu.service.team import actions, schemas
from kefu.store.db import make_engine, session_factory
from kefu.store.migrate import upgrade
from kefu.store.models.plan import RosterEntry

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
DEC = date(2026, 12, 1)
SLOT = 30

Cells = dict[tuple[str, date], tuple[str, str]]  # (agent, day) -> (shift, skill)


def month(session: Session) -> Cells:
    rows = session.query(RosterEntry).filter(RosterEntry.day >= DEC, RosterEntry.day <= date(2026, 12, 31))
    return {(r.agent_id, r.day): (r.shift_code, r.skill) for r in rows}


def covered(cells: Cells, need: dict[str, list[float]], shifts: dict[str, tuple[int, int]]) -> float:
    """Agent-slots of the requirement the roster covers (each slot capped at the requirement)."""
    have: dict[str, list[float]] = {k: [0.0] * len(v) for k, v in need.items()}
    for (_agent, day), (shift, skill) in cells.items():
        if not shift or skill not in have or shift not in shifts:
            continue
        start, end = shifts[shift]
        base = (day - DEC).days * (1440 // SLOT)
        for slot in range(start // SLOT, -(-end // SLOT)):
            if 0 <= base + slot < len(have[skill]):
                have[skill][base + slot] += 1
    return sum(min(r, c) for k, req in need.items() for r, c in zip(req, have[k], strict=True))


def cases(cells: Cells, n: int) -> list[tuple[str, date]]:
    """``n`` (agent, first day) pairs with two worked days in a row, agents and weeks taken in turn."""
    agents = sorted({a for a, _ in cells})
    out: list[tuple[str, date]] = []
    for i in range(n * 10):
        agent, day = agents[i % len(agents)], DEC + timedelta(days=3 + (i * 5) % 24)
        if cells.get((agent, day), ("", ""))[0] and cells.get((agent, day + timedelta(days=1)), ("", ""))[0]:
            out.append((agent, day))
        if len(out) == n:
            break
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--agents", type=int, default=8)
    ap.add_argument("--history", type=int, default=21)
    ap.add_argument("--leaves", type=int, default=6)
    ap.add_argument("--plan-time", type=float, default=30.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        load_demo(engine, seed=5, days=args.history, agents=args.agents, now=NOW)
        factory = session_factory(engine)
        with factory() as s, s.begin():
            plan_roster(ShopMonth("demo", DEC), time_limit=args.plan_time, session=s)
        with factory() as s:
            problem, _ = actions_month.month_problem(s, ShopMonth("demo", DEC))
            s.rollback()  # the forecast's rows: not kept
            base = month(s)
        shifts = {x.code: (x.start, x.end) for x in problem.shifts}
        need = problem.requirement
        rows = []
        for agent, first in cases(base, args.leaves):
            last = first + timedelta(days=1)
            with factory() as s:
                s.begin()
                out = actions.request_leave(s, actions.agent_actor(s, agent), schemas.LeaveIn(
                    agent_id=agent, kind="事假", first_day=first, last_day=last), now=NOW)  # fmt: skip
                t0 = time.perf_counter()
                done = actions.approve_leave(s, actions.Actor("bench", "admin"), out.id, now=NOW)
                seconds = time.perf_counter() - t0
                after = month(s)
                broken = len(actions_month.month_view(s, "demo", DEC)[2])
                s.rollback()
            freed = {k: (("", "") if k in {(agent, first), (agent, last)} else v) for k, v in base.items()}
            c0, c1, c2 = covered(base, need, shifts), covered(freed, need, shifts), covered(after, need, shifts)
            others = sum(1 for c in done.roster_changes if c.agent != agent or not first <= c.day <= last)
            won = (c2 - c1) / (c0 - c1) if c0 > c1 else 1.0
            rows.append((done.replan.outcome if done.replan else "", others, c0 - c1, c2 - c1, won, broken, seconds))
            print(f"{agent} {first}~{last}: {rows[-1][0]}, {others} other cells moved, lost {c0 - c1:.0f} "
                  f"agent-slots, won back {c2 - c1:.0f} ({won:.0%}), {broken} violations, {seconds:.1f} s", flush=True)
    n = len(rows)
    lost, back = sum(r[2] for r in rows), sum(r[3] for r in rows)
    print(f"cases={n} replanned={sum(r[0] == 'replanned' for r in rows)} moved_mean={sum(r[1] for r in rows) / n:.1f} "
          f"moved_max={max(r[1] for r in rows)} lost_slots={lost:.0f} won_back={back:.0f} "
          f"recovered={back / lost if lost else 1.0:.3f} violations={sum(r[5] for r in rows)} "
          f"seconds_mean={sum(r[6] for r in rows) / n:.1f}")


if __name__ == "__main__":
    main()
