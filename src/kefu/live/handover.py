"""Shift handover (交接) planning: who of the next shift takes which open item (pure).

Open conversations need a receiver with the group's skill and room (else they
wait in the queue, oldest first, like any other); pending tasks and buyers to
follow up are spread so that the receiver with the fewest items gets the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction


@dataclass(frozen=True)
class Item:
    kind: str  # conversation | task | followup
    id: str
    group: str = ""
    buyer: str = ""
    note: str = ""


@dataclass
class Receiver:
    agent_id: str
    skills: tuple[str, ...]
    capacity: int
    load: int
    items: int = 0


@dataclass
class Plan:
    by_agent: dict[str, list[Item]] = field(default_factory=dict)
    queued: list[Item] = field(default_factory=list)  # conversations nobody of the next shift has room for


def plan(items: Sequence[Item], receivers: Sequence[Receiver]) -> Plan:
    """Conversations by least load ÷ capacity among skilled receivers with room; the rest by fewest items."""
    result = Plan({r.agent_id: [] for r in receivers})
    for item in items:
        if item.kind == "conversation":
            fit = [r for r in receivers if r.load < r.capacity and (not item.group or item.group in r.skills)]
            if not fit:
                result.queued.append(item)
                continue
            best = min(fit, key=lambda r: (Fraction(r.load, max(r.capacity, 1)), r.items, r.agent_id))
            best.load += 1
        else:
            if not receivers:
                continue
            skilled = [r for r in receivers if item.group and item.group in r.skills] or list(receivers)
            best = min(skilled, key=lambda r: (r.items, r.agent_id))
        best.items += 1
        result.by_agent[best.agent_id].append(item)
    return result
