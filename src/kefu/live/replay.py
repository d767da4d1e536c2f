"""Replay a day through the real routing engine: planning's service-level prediction.

Erlang formulas assume one pooled queue; the floor has sticky buyers, skill
groups, overflow, per-agent capacity and shift edges. Running the same
:class:`~kefu.live.floor.Floor` the live service mirrors over simulated (or
recorded) arrivals gives the service level the real policy would produce.
A discrete-event loop: arrivals, shift starts and ends, chat completions,
buyers who give up, and periodic sweeps (overflow) when the policy needs them.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from kefu.live.floor import Floor
from kefu.live.model import AgentState, Policy, Status


@dataclass(frozen=True)
class Arrival:
    at: datetime
    shop: str
    buyer: str
    group: str
    handle_s: float  # how long the chat keeps the agent once assigned
    patience_s: float | None = None  # the buyer leaves the queue after this long (None = waits)


@dataclass(frozen=True)
class StaffShift:
    agent: AgentState  # id, skills, secondary skills, capacity, weight, shop
    start: datetime
    end: datetime


@dataclass
class ReplayResult:
    offered: int = 0
    answered: int = 0
    answered_in_target: int = 0
    abandoned: int = 0
    waits_s: list[float] = field(default_factory=list)
    by_interval: dict[datetime, list[int]] = field(default_factory=dict)  # start -> [offered, in target]
    overtime_s: dict[str, float] = field(default_factory=dict)  # agent -> seconds worked past shift end
    floor: Floor | None = None

    @property
    def service_level(self) -> float | None:
        return None if self.offered == 0 else self.answered_in_target / self.offered

    def summary(self) -> dict[str, Any]:
        waits = sorted(self.waits_s)
        return {
            "offered": self.offered, "answered": self.answered, "abandoned": self.abandoned,
            "service_level": None if self.service_level is None else round(self.service_level, 4),
            "avg_wait_s": round(sum(waits) / len(waits), 1) if waits else 0.0,
            "max_wait_s": round(waits[-1], 1) if waits else 0.0,
            "overtime_min": {a: round(s / 60, 1) for a, s in sorted(self.overtime_s.items()) if s > 0},
            "intervals": [{"start": k.isoformat(), "offered": v[0],
                           "service_level": None if v[0] == 0 else round(v[1] / v[0], 4)}
                          for k, v in sorted(self.by_interval.items())],
        }


def replay(arrivals: Sequence[Arrival], shifts: Sequence[StaffShift], policy: Policy, *,
           sl_seconds: float = 30, interval_minutes: int = 30, tick_s: float = 10) -> ReplayResult:
    """Run the routing engine over a day; waits and service level per interval."""
    floor = Floor(policy=policy)
    result = ReplayResult(floor=floor)
    heap: list[tuple[datetime, int, str, Any]] = []
    seq = 0

    def push(at: datetime, kind: str, payload: Any) -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(heap, (at, seq, kind, payload))

    for shift in shifts:
        push(shift.start, "shift_start", shift)
        push(shift.end, "shift_end", shift)
    for arrival in arrivals:
        push(arrival.at, "arrive", arrival)
    if policy.overflow_after is not None and arrivals:
        first, last = min(x.at for x in arrivals), max(x.at for x in arrivals)
        t = first
        while t <= last + timedelta(seconds=policy.overflow_after + tick_s):
            push(t, "tick", None)
            t += timedelta(seconds=tick_s)

    handle: dict[int, Arrival] = {}
    started: set[int] = set()
    leaving: dict[str, datetime] = {}
    seen = 0
    step = timedelta(minutes=interval_minutes)

    def bucket(at: datetime) -> list[int]:
        midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
        k = int((at - midnight).total_seconds() // step.total_seconds())
        return result.by_interval.setdefault(midnight + k * step, [0, 0])

    def settle(now: datetime) -> None:
        """Schedule completions for new assignments; log waits; let leaving agents go."""
        nonlocal seen
        for ev in floor.events[seen:]:
            if ev.kind == "conversation.assigned" and ev.subject.startswith("conversation:"):
                cid = int(ev.subject.split(":")[1])
                if cid in started:
                    continue
                started.add(cid)
                conv = floor.conversations[cid]
                wait = (now - conv.opened_at).total_seconds()
                result.waits_s.append(wait)
                result.answered += 1
                if wait <= sl_seconds:
                    result.answered_in_target += 1
                    bucket(conv.opened_at)[1] += 1
                push(now + timedelta(seconds=handle[cid].handle_s), "done", cid)
        seen = len(floor.events)
        for agent_id, end in list(leaving.items()):
            agent = floor.agents[agent_id]
            if agent.load == 0:
                result.overtime_s[agent_id] = result.overtime_s.get(agent_id, 0.0) + max(
                    0.0, (now - end).total_seconds())
                if agent.status is not Status.OFFLINE:
                    floor.set_status(agent_id, Status.OFFLINE, now)
                del leaving[agent_id]

    while heap:
        now, _, kind, payload = heapq.heappop(heap)
        if kind == "shift_start":
            s: StaffShift = payload
            if s.agent.id not in floor.agents:
                floor.add_agent(AgentState(s.agent.id, s.agent.skills, s.agent.secondary_skills, s.agent.capacity,
                                           weight=s.agent.weight, shop=s.agent.shop))
            floor.agents[s.agent.id].shift_end = s.end
            leaving.pop(s.agent.id, None)
            floor.set_status(s.agent.id, Status.ONLINE, now)
        elif kind == "shift_end":
            leaving[payload.agent.id] = payload.end  # the night shift extends while buyers still chat
        elif kind == "arrive":
            a: Arrival = payload
            conv = floor.open(a.shop, a.buyer, a.group, a.at)
            handle[conv.id] = a
            result.offered += 1
            bucket(a.at)[0] += 1
            if a.patience_s is not None:
                push(a.at + timedelta(seconds=a.patience_s), "give_up", conv.id)
        elif kind == "done":
            if floor.conversations[payload].status != "closed":
                floor.close(payload, now)
        elif kind == "give_up":
            if floor.conversations[payload].status == "queued":
                floor.close(payload, now)
                result.abandoned += 1
        elif kind == "tick":
            floor.tick(now)
        settle(now)
    return result
