"""The demo floor: rotation with rest days, presence without gaps, conversations on rostered agents."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from kefu.domain.timeutil import SHOP_TZ
from kefu.sim.arrivals import window_epochs
from kefu.sim.shop import DAY_SHIFT, NIGHT_SHIFT, SHIFT_CUT_MINUTE, build_demo_shop, make_roster

START = date(2026, 10, 23)


@pytest.mark.parametrize("agents", [3, 4, 12])
def test_roster_four_rest_days_a_month_none_on_double_11(agents: int) -> None:
    # 23 Oct – 22 Nov: October's 9 days owe ceil(4 × 9 / 31) = 2 rest days, November's 22 owe ceil(4 × 22 / 30) = 3
    roster = make_roster(agents, START, 31, {date(2026, 11, 11)})
    peak = (date(2026, 11, 11) - START).days
    for row in roster:
        assert len(row) == 31
        assert (row[:9].count(""), row[9:].count("")) == (2, 3)
        assert set(row) <= {"", DAY_SHIFT, NIGHT_SHIFT}
        assert row[peak] != ""
        for first, last in ((0, 9), (9, 31)):  # at most 6 days in a row within each month
            assert "".join("x" if c else "." for c in row[first:last]).find("x" * 7) < 0
    # every day both shifts are staffed, and within a month the evening shifts differ by at most 2
    for d in range(31):
        codes = {row[d] for row in roster}
        assert {DAY_SHIFT, NIGHT_SHIFT} <= codes
    for first, last in ((0, 9), (9, 31)):
        nights = [row[first:last].count(NIGHT_SHIFT) for row in roster]
        assert max(nights) - min(nights) <= 2


def test_presence_is_a_gapless_timeline_per_agent() -> None:
    shop = build_demo_shop(3, 5, 4, START)
    first, end = window_epochs(START, 5)
    for a in range(4):
        spans = [(s, e, st) for ag, st, s, e in shop.presence if ag == a]
        assert spans[0][0] == first
        for (s1, e1, _), (s2, _e2, _) in zip(spans, spans[1:], strict=False):
            assert e1 == s2 and s1 < e1
        assert spans[-1][1] is None  # the current status
        worked = [x for x in spans if x[2] == "break"]
        shifts = sum(1 for code in shop.roster[a] if code)
        assert len(worked) == shifts  # one meal break per shift
    assert shop.as_of == end


def test_conversations_go_to_agents_on_that_shift_and_skill() -> None:
    shop = build_demo_shop(1, 7, 6, START)
    first, _ = window_epochs(START, 7)
    b = shop.block
    for i in range(len(b.conv_start)):
        day = int((b.conv_start[i] - first) // 86400)
        local = datetime.fromtimestamp(int(b.conv_start[i]), SHOP_TZ)
        code = DAY_SHIFT if local.hour * 60 + local.minute < SHIFT_CUT_MINUTE else NIGHT_SHIFT
        on_shift = [k for k, row in enumerate(shop.roster) if row[day] == code]
        agent = int(shop.conv_agent[i])
        if on_shift:
            assert agent in on_shift
        skill = "售后" if b.conv_aftersale[i] else "售前"
        if any(skill in shop.agents[k].skills for k in on_shift):
            assert skill in shop.agents[agent].skills
    # probation agents take fewer contacts
    counts = np.bincount(shop.conv_agent, minlength=6)
    probation = [i for i, a in enumerate(shop.agents) if a.probation]
    assert probation == [4, 5]
    assert counts[probation].mean() < counts[:4].mean()


def test_cut_at_now_nothing_after_and_open_chats_on_working_agents() -> None:
    # 20:05 on the last day: the evening shift is at work
    now = int(datetime(2026, 10, 25, 20, 5, tzinfo=SHOP_TZ).timestamp())
    shop = build_demo_shop(2, 3, 6, START, as_of=now)
    b = shop.block
    assert shop.as_of == now
    assert b.msg_ts.max() <= now and b.conv_start.max() <= now and b.order_created.max() <= now
    assert (b.order_paid <= now).all()
    working = {a for a, st, _s, e in shop.presence if e is None and st != "offline"}
    assert working
    open_agents = shop.conv_agent[shop.conv_open]
    assert set(open_agents.tolist()) <= working
    for a in set(open_agents.tolist()):
        assert (open_agents == a).sum() <= shop.agents[a].capacity
    assert shop.conv_open.sum() > 0
    assert (b.conv_end[shop.conv_open] > now - 600).all()


def test_demo_traffic_scales_with_agents_and_double_11() -> None:
    shop = build_demo_shop(1, 31, 12, START)
    first, _ = window_epochs(START, 31)
    day = (shop.block.conv_start - first) // 86400
    per_day = np.bincount(day[~shop.block.conv_aftersale], minlength=31)
    peak = (date(2026, 11, 11) - START).days
    assert per_day[peak] == per_day.max()
    ordinary = per_day[(date(2026, 10, 28) - START).days]  # a Wednesday before the lead-up
    assert 3.0 < per_day[peak] / ordinary < 5.0
    assert 100 < np.median(per_day) < 300
    assert START + timedelta(days=30) == date(2026, 11, 22)


@pytest.mark.parametrize("agents", [3, 12])
def test_every_human_reply_is_sent_at_work_and_night_shift_extends(agents: int) -> None:
    shop = build_demo_shop(1, 10, agents, START)
    b = shop.block
    spans: dict[int, list[tuple[int, int | None, str]]] = {}
    for a, status, s, e in shop.presence:
        spans.setdefault(a, []).append((s, e, status))
    human = np.flatnonzero(b.msg_out & ~b.msg_auto)
    assert len(human) > 1000
    for k in human:
        a, t = int(shop.conv_agent[b.msg_conv[k]]), int(b.msg_ts[k])
        status = next(st for s, e, st in spans[a] if s <= t and (e is None or t < e))
        assert status in ("online", "break"), (a, t)
    # some evening chat ran past 22:30 + 20 min and its agent stayed online for it
    late = [e for a, st, s, e in shop.presence if st == "online" and e is not None
            and datetime.fromtimestamp(e, SHOP_TZ).time() > datetime(2026, 1, 1, 22, 51).time()]  # fmt: skip
    assert late


def test_early_morning_messages_wait_for_the_day_shift() -> None:
    shop = build_demo_shop(2, 7, 4, START)
    b = shop.block
    start_local = [datetime.fromtimestamp(int(t), SHOP_TZ) for t in b.conv_start]
    early = np.array([t.hour < 9 for t in start_local])
    assert early.sum() > 20
    human = b.msg_out & ~b.msg_auto & early[b.msg_conv]
    for t in b.msg_ts[human]:
        local = datetime.fromtimestamp(int(t), SHOP_TZ)
        assert (local.hour, local.minute) >= (9, 0)
    # the buyer got the auto-reply at once
    auto = b.msg_auto & early[b.msg_conv]
    assert auto.sum() > 0
