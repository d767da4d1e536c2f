"""Platform assessment profiles: a shop's platform decides how its response rate is timed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from credit_frames import msgs, orders

from kefu.credit.pipeline import run_credit
from kefu.credit.profiles import profiles
from kefu.credit.rules import CreditRules
from kefu.domain.errors import ErrorCode, KefuError

# Agent A on Nov 3 (shop time): answers after 10 s at 08:30, 4 minutes at 10:00, 20 s at 11:00.
ROWS = (
    ("b1", "A", "2026-11-03 08:30:00", "in"),
    ("b1", "A", "2026-11-03 08:30:10", "out"),
    ("b2", "A", "2026-11-03 10:00:00", "in"),
    ("b2", "A", "2026-11-03 10:04:00", "out"),
    ("b3", "A", "2026-11-03 11:00:00", "in"),
    ("b3", "A", "2026-11-03 11:00:20", "out"),
)
DAY = msgs(*ROWS)


# The same day plus a question at 23:30 answered after 2 minutes: outside Douyin's and PDD's 08:00–23:00.
LATE = msgs(*ROWS, ("b4", "A", "2026-11-03 23:30:00", "in"), ("b4", "A", "2026-11-03 23:32:00", "out"))


def fast(settings: dict[str, object], day: object = DAY) -> tuple[object, object, object]:
    result = run_credit(day, orders(), CreditRules.from_settings(settings))
    r = result.agent_day[result.agent_day["agent"] == "A"].iloc[0]
    return r["fast_base"], r["fast_rounds"], r["fast_rate"]


def test_each_platform_times_responses_its_own_way() -> None:
    assert fast({"profile": "taobao"}) == (3, 2, Decimal("0.6667"))  # 3 minutes, 08:00–24:00
    assert fast({"profile": "jd"}) == (2, 1, Decimal("0.5000"))  # 30 seconds, 09:00–23:00: 08:30 not counted
    assert fast({"profile": "jd", "fast_reply_s": 300}) == (2, 2, Decimal("1.0000"))  # the shop's own setting wins
    assert fast({}) == fast({"profile": "taobao"})  # the defaults are Taobao's rule
    assert fast({"profile": "taobao"}, LATE) == (4, 3, Decimal("0.7500"))  # 23:30 counts until 24:00
    assert fast({"profile": "douyin"}, LATE) == (3, 2, Decimal("0.6667"))  # 3 minutes, 08:00–23:00
    assert fast({"profile": "pdd"}, LATE) == (3, 3, Decimal("1.0000"))  # 5 minutes, 08:00–23:00


def test_profiles_cite_their_rule_and_unknown_ones_are_refused() -> None:
    assert sorted(profiles()) == ["douyin", "jd", "pdd", "taobao"]
    assert all(p.source and p.title for p in profiles().values())
    with pytest.raises(KefuError) as info:
        CreditRules.from_settings({"profile": "tiktok"})
    assert info.value.code == ErrorCode.BAD_ARGUMENT
    assert info.value.message_en == "argument profile: unknown platform profile 'tiktok' (known: douyin, jd, pdd, taobao)"
