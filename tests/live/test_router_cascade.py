"""The routing cascade step by step: sticky (with 挂起), dedicated, group, overflow, queue, shift end, bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.domain.errors import ErrorCode, KefuError
from kefu.live.floor import Floor, invariant_violations
from kefu.live.model import (
    AgentState,
    BotMode,
    Contact,
    Policy,
    Reason,
    Request,
    Status,
    Strategy,
    group_for,
)
from kefu.live.router import eligibility, reassign_due, route

T0 = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)


def agent(aid: str, *, skills: tuple[str, ...] = ("售前",), cap: int = 3, load: int = 0,
          status: Status = Status.ONLINE, **kw: object) -> AgentState:
    return AgentState(aid, skills=skills, capacity=cap, load=load, status=status, **kw)  # type: ignore[arg-type]


def req(buyer: str = "b", group: str = "售前", opened: datetime = T0) -> Request:
    return Request(1, "shop", buyer, group, opened)


def test_least_load_ratio_then_longest_idle() -> None:
    agents = [agent("a", cap=4, load=2), agent("b", cap=2, load=0, last_assigned_at=T0),
              agent("c", cap=2, load=0, last_assigned_at=T0 - timedelta(minutes=5)), agent("d", cap=2, load=1)]
    decision = route(req(), agents, None, Policy(), T0)
    assert [c.agent_id for c in decision.candidates] == ["c", "b", "a", "d"]
    assert decision.reason is Reason.GROUP


def test_weighted_strategy_divides_by_weight() -> None:
    agents = [agent("a", cap=10, load=4, weight=4), agent("b", cap=10, load=2, weight=1)]
    assert route(req(), agents, None, Policy(strategy=Strategy.WEIGHTED), T0).agent_id == "a"
    assert route(req(), agents, None, Policy(), T0).agent_id == "b"


def test_sticky_online_within_hours_beats_load() -> None:
    agents = [agent("busy", load=2), agent("free")]
    contact = Contact("busy", T0 - timedelta(hours=71))
    decision = route(req(), agents, contact, Policy(), T0)
    assert (decision.agent_id, decision.reason) == ("busy", Reason.STICKY)
    stale = Contact("busy", T0 - timedelta(hours=73))
    assert route(req(), agents, stale, Policy(), T0).agent_id == "free"


def test_away_agent_gets_only_recent_buyers() -> None:
    away = agent("away", status=Status.AWAY)
    assert eligibility(away, req(), Contact("away", T0 - timedelta(hours=23)), Policy(), T0) is Reason.STICKY
    assert eligibility(away, req(), Contact("away", T0 - timedelta(hours=25)), Policy(), T0) is None
    assert eligibility(away, req(), None, Policy(), T0) is None
    full = agent("away", status=Status.AWAY, cap=1, load=1)
    assert eligibility(full, req(), Contact("away", T0), Policy(), T0) is None


def test_break_and_offline_get_nothing() -> None:
    for status in (Status.BREAK, Status.OFFLINE):
        a = agent("a", status=status)
        assert eligibility(a, req(), Contact("a", T0), Policy(dedicated={"b": "a"}), T0) is None


def test_dedicated_before_group() -> None:
    agents = [agent("vip", skills=("售后",), load=2), agent("x")]
    decision = route(req(), agents, None, Policy(dedicated={"b": "vip"}), T0)
    assert [(c.agent_id, c.reason) for c in decision.candidates] == [("vip", Reason.DEDICATED), ("x", Reason.GROUP)]


def test_overflow_only_after_waiting() -> None:
    helper = agent("h", skills=("售后",), secondary_skills=("售前",))
    policy = Policy(overflow_after=60)
    assert route(req(opened=T0), [helper], None, policy, T0 + timedelta(seconds=59)).candidates == ()
    late = route(req(opened=T0), [helper], None, policy, T0 + timedelta(seconds=60))
    assert (late.agent_id, late.reason) == ("h", Reason.OVERFLOW)
    assert route(req(opened=T0), [helper], None, Policy(overflow_after=None), T0 + timedelta(hours=1)).candidates == ()


def test_no_new_conversations_after_shift_end() -> None:
    a = agent("a", shift_end=T0)
    assert eligibility(a, req(), None, Policy(), T0 - timedelta(seconds=1)) is Reason.GROUP
    assert eligibility(a, req(), Contact("a", T0), Policy(), T0) is None


def test_shop_scoping() -> None:
    assert eligibility(agent("a", shop="other"), req(), None, Policy(), T0) is None
    assert eligibility(agent("a", shop="shop"), req(), None, Policy(), T0) is Reason.GROUP


def test_bot_modes() -> None:
    a = [agent("a")]
    assert route(req(), a, None, Policy(bot_mode=BotMode.BOT_FIRST), T0, use_bot=True).bot
    assert not route(req(), a, None, Policy(bot_mode=BotMode.BOT_FIRST), T0, use_bot=False).bot
    assert not route(req(), a, None, Policy(), T0, use_bot=True).bot
    mixed = Policy(bot_mode=BotMode.MIXED, bot_share_percent=50)
    picks = [route(req(f"b{i}"), a, None, mixed, T0, use_bot=True).bot for i in range(400)]
    assert 120 < sum(picks) < 280  # a stable share by buyer, near half
    assert picks == [route(req(f"b{i}"), a, None, mixed, T0, use_bot=True).bot for i in range(400)]


def test_group_by_order_state_and_keywords() -> None:
    assert group_for(None) == "售前"
    assert group_for("等待买家付款") == "售前"
    assert group_for("卖家已发货") == "售后"
    assert group_for("等待买家付款", "我要退货", (("退货", "售后"),)) == "售后"


def test_policy_from_settings_rejects_bad_values() -> None:
    with pytest.raises(KefuError) as err:
        Policy.from_settings({"strategy": "random"})
    assert err.value.code is ErrorCode.BAD_ARGUMENT
    with pytest.raises(KefuError):
        Policy.from_settings({"bot_share_percent": 101})
    policy = Policy.from_settings({"sticky_hours": 24, "dedicated": {"b": "a"}, "reassign_after": 120})
    assert (policy.sticky_hours, policy.dedicated, policy.reassign_after) == (24.0, {"b": "a"}, 120.0)


def test_reassign_due_only_when_enabled_and_unanswered() -> None:
    on = Policy(reassign_after=120)
    asked = T0
    assert not reassign_due(asked, None, Policy(), T0 + timedelta(hours=1))
    assert not reassign_due(asked, None, on, T0 + timedelta(seconds=119))
    assert reassign_due(asked, None, on, T0 + timedelta(seconds=120))
    assert not reassign_due(asked, T0 + timedelta(seconds=5), on, T0 + timedelta(seconds=500))


def test_floor_queue_oldest_first_and_drain_on_close() -> None:
    floor = Floor()
    floor.add_agent(agent("a", cap=1, status=Status.OFFLINE))
    c1 = floor.open("shop", "b1", "售前", T0)
    c2 = floor.open("shop", "b2", "售前", T0 + timedelta(seconds=1))
    floor.set_status("a", Status.ONLINE, T0 + timedelta(seconds=2))
    assert (c1.agent_id, c2.status) == ("a", "queued")
    floor.close(c1.id, T0 + timedelta(seconds=3))
    assert (c2.status, c2.agent_id) == ("assigned", "a")
    with pytest.raises(KefuError) as err:
        floor.set_status("a", Status.OFFLINE, T0 + timedelta(seconds=4))
    assert err.value.code is ErrorCode.AGENT_HAS_OPEN_CONVERSATIONS
    assert invariant_violations(floor, T0 + timedelta(seconds=4)) == []


def test_transfer_counts_reception_when_buyer_writes_again() -> None:
    floor = Floor()
    floor.add_agent(agent("a"))
    floor.add_agent(agent("b", skills=("售后",)))
    conv = floor.open("shop", "buyer", "售前", T0)
    floor.transfer(conv.id, T0 + timedelta(seconds=5), to_group="售后")
    assert (conv.agent_id, conv.group, floor.agents["a"].load) == ("b", "售后", 0)
    kinds = [e.kind for e in floor.events]
    assert "conversation.reception" not in kinds
    floor.message(conv.id, "out", T0 + timedelta(seconds=6))
    floor.message(conv.id, "in", T0 + timedelta(seconds=7))
    floor.message(conv.id, "in", T0 + timedelta(seconds=8))
    assert [e.kind for e in floor.events].count("conversation.reception") == 1
    floor.transfer(conv.id, T0 + timedelta(seconds=9), to_group="售前")
    assert (conv.agent_id, floor.agents["b"].load) == ("a", 0)
    with pytest.raises(KefuError) as err:  # only b serves 售后 besides the sender: b has room, a is excluded
        floor.transfer(conv.id, T0 + timedelta(seconds=10), to_group="售前")
    assert err.value.code is ErrorCode.AGENT_AT_CAPACITY and conv.agent_id == "a"


def test_auto_reassign_on_no_reply() -> None:
    floor = Floor(policy=Policy(reassign_after=120))
    floor.add_agent(agent("a", last_assigned_at=T0 - timedelta(hours=1)))
    floor.add_agent(agent("b", last_assigned_at=T0))
    conv = floor.open("shop", "buyer", "售前", T0)
    assert conv.agent_id == "a"
    floor.message(conv.id, "in", T0 + timedelta(seconds=1))
    floor.tick(T0 + timedelta(seconds=100))
    assert conv.agent_id == "a"
    floor.tick(T0 + timedelta(seconds=121))
    assert conv.agent_id == "b"
    assert floor.events[-1].kind == "conversation.reassigned"
