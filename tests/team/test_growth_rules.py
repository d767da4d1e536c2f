"""The promotion track as data (seed 004): a shop's own criteria, the progress of each, whole months at a level."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kefu.domain.errors import KefuError
from kefu.team import growth


def _checks(p: growth.Promotion) -> list[tuple[str, str, str, bool]]:
    return [(c.key, c.have, c.need, c.met) for c in p.checks]


def test_progress_names_what_each_criterion_has_and_needs() -> None:
    ready = growth.promotion("初级", 3, [Decimal(95), Decimal(91), Decimal(50)], 0)
    assert _checks(ready) == [("months", "3", "3", True), ("score", "2", "2", True)]  # 初级 asks for no goal
    short = growth.promotion("中级", 4, [Decimal(101), None, Decimal(99)], 2)
    assert _checks(short) == [("months", "4", "6", False), ("score", "1", "3", False), ("goals", "2", "1", True)]
    assert short.checks[1].label == ("最近 3 个月绩效分均 ≥ 100", "KPI score ≥ 100 in each of the last 3 months")
    assert growth.promotion("组长", 30, [], 5).checks == ()


def test_a_shop_track_replaces_the_seed_track() -> None:
    assert growth.parse_track(None) == growth.TRACK and growth.parse_track([]) == growth.TRACK
    track = growth.parse_track([{"level": "初级", "min_months": 1, "min_score": "80.5", "score_months": 1}])
    assert track == (growth.Criterion("初级", 1, Decimal("80.5"), 1, 0),)
    assert growth.promotion("初级", 1, [Decimal("80.5")], 0, track).eligible is True
    free = growth.parse_track([{"level": "初级", "min_months": 0, "min_score": 0, "score_months": 0}])
    assert (growth.promotion("初级", 0, [], 0, free).checks, growth.promotion("初级", 0, [], 0, free).eligible) == ((), True)
    assert growth.promotion("初级", 1, [Decimal("80.4")], 0, track).eligible is False
    stuck = growth.promotion("中级", 99, [Decimal(200)] * 3, 9, track)  # the shop's track ends at 中级
    assert (stuck.next_level, stuck.eligible) == (None, False)
    for bad in ([{"level": "组长", "min_months": 1, "min_score": 1, "score_months": 1}],
                [{"level": "初级", "min_months": -1, "min_score": 1, "score_months": 1}],
                [{"level": "初级", "min_months": 1, "min_score": "x", "score_months": 1}],
                [{"level": "初级", "min_score": 1, "score_months": 1}]):
        with pytest.raises(KefuError) as err:
            growth.parse_track(bad)
        assert err.value.details["argument"] == "track[1]"


@pytest.mark.parametrize(("since", "day", "months"), [
    (date(2026, 1, 31), date(2026, 2, 28), 0), (date(2026, 1, 31), date(2026, 3, 31), 2),
    (date(2026, 5, 20), date(2026, 11, 19), 5), (date(2026, 5, 20), date(2026, 11, 20), 6),
    (date(2026, 12, 1), date(2026, 11, 1), 0)])  # fmt: skip
def test_whole_months_at_a_level(since: date, day: date, months: int) -> None:
    assert growth.months_between(since, day) == months
