"""Invariants of the pure floor under random event sequences, and replay == live (service on SQLite)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).parent))
from floor_script import FloorRunner, ServiceRunner, agent_specs, policies, script, times

from kefu.live.floor import invariant_violations
from kefu.live.model import Policy
from kefu.store.base import Base
from kefu.store.db import make_engine


@settings(max_examples=150, deadline=None)
@given(agents=agent_specs, policy=policies, ops=script)
def test_invariants_hold_after_every_event(agents: Any, policy: Policy, ops: Any) -> None:
    runner = FloorRunner(agents, policy)
    for now, item in times(ops):
        runner.apply(now, item)
        swept = policy.overflow_after is None or item[0] == "tick"
        assert invariant_violations(runner.floor, now, swept=swept) == [], item
    floor = runner.floor
    assert len(floor.conversations) == len(runner.ids)  # nothing lost
    assigned = Counter(e.subject for e in floor.events if e.kind == "conversation.assigned")
    assert all(n == 1 for n in assigned.values())  # never assigned twice from the queue
    for conv in floor.conversations.values():
        assert conv.status in ("queued", "assigned", "closed")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agents=agent_specs, policy=policies, ops=script)
def test_replay_equals_live(agents: Any, policy: Policy, ops: Any) -> None:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    try:
        pure, service = FloorRunner(agents, policy), ServiceRunner(engine, agents, policy)
        for now, item in times(ops):
            assert pure.apply(now, item) == service.apply(now, item), item
            assert pure.state() == service.state(), item
    finally:
        engine.dispose()
