"""Predicted service level per slot from roster coverage (uses kefu.plan.staffing's Erlang C)."""

from __future__ import annotations

import pytest

from kefu.plan.roster.service_level import predicted_service_level
from kefu.plan.staffing import erlang_c_service_level


def test_whole_and_fractional_coverage() -> None:
    whole = predicted_service_level([3.0, 0.0, 5.0], [20.0, 0.0, 60.0], aht_s=180, target_s=20)
    exact3 = float(erlang_c_service_level(20.0, 1800.0, 180.0, 3, 20.0))
    exact5 = float(erlang_c_service_level(60.0, 1800.0, 180.0, 5, 20.0))
    assert whole == [round(exact3, 4), 1.0, round(exact5, 4)]
    # 60 calls × 180 s / 1800 s = 6 Erlangs: 5 agents are overloaded → 0
    assert whole[2] == 0.0
    half = predicted_service_level([2.5], [20.0], aht_s=180, target_s=20)[0]
    two = float(erlang_c_service_level(20.0, 1800.0, 180.0, 2, 20.0))
    assert half == pytest.approx((two + exact3) / 2, abs=1e-4)
