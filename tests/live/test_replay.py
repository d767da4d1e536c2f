"""Replay of a day through the routing engine: waits, service level, abandonment, overtime."""

from __future__ import annotations

from datetime import datetime, timedelta

from kefu.domain.timeutil import SHOP_TZ
from kefu.live.model import AgentState, Policy
from kefu.live.replay import Arrival, StaffShift, replay

D = datetime(2026, 11, 11, 9, 0, tzinfo=SHOP_TZ)


def test_one_agent_day() -> None:
    shifts = [StaffShift(AgentState("a", ("售前",), capacity=1), D, D + timedelta(hours=1))]
    arrivals = [
        Arrival(D, "s", "b1", "售前", 60),
        Arrival(D + timedelta(seconds=10), "s", "b2", "售前", 60),  # waits 50 s for b1 to finish
        Arrival(D + timedelta(minutes=59, seconds=30), "s", "b3", "售前", 120),  # runs 90 s past shift end
        Arrival(D + timedelta(minutes=65), "s", "b4", "售前", 60, patience_s=60),  # nobody left: gives up
    ]
    result = replay(arrivals, shifts, Policy(overflow_after=None))
    summary = result.summary()
    assert (summary["offered"], summary["answered"], summary["abandoned"]) == (4, 3, 1)
    assert summary["service_level"] == 0.5  # b1 and b3 within 30 s; b2 late; b4 never
    assert (summary["max_wait_s"], summary["overtime_min"]) == (50.0, {"a": 1.5})
    assert [(i["offered"], i["service_level"]) for i in summary["intervals"]] == [(2, 0.5), (1, 1.0), (1, 0.0)]
    assert result.floor is not None and result.floor.agents["a"].status == "offline"


def test_overflow_helps_the_service_level() -> None:
    shifts = [StaffShift(AgentState("pre", ("售前",), capacity=1), D, D + timedelta(hours=2)),
              StaffShift(AgentState("post", ("售后",), ("售前",), capacity=1), D, D + timedelta(hours=2))]
    arrivals = [Arrival(D + timedelta(seconds=i), "s", f"b{i}", "售前", 600) for i in range(2)]
    without = replay(arrivals, shifts, Policy(overflow_after=None)).summary()
    with_overflow = replay(arrivals, shifts, Policy(overflow_after=20), sl_seconds=30).summary()
    assert without["service_level"] == 0.5 and without["max_wait_s"] == 599.0
    assert with_overflow["service_level"] == 1.0 and with_overflow["max_wait_s"] == 29.0  # next 10-s sweep after 20 s
