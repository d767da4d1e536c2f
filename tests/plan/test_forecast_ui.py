"""The /forecast page's chart data (no browser): open intervals only, re-forecast after now."""

from __future__ import annotations

from datetime import datetime, timedelta

from kefu.domain.timeutil import SHOP_TZ
from kefu.service.plan.schemas import Point
from kefu.ui.pages.forecast import chart_options


def test_chart_options_from_intraday_view() -> None:
    base = datetime(2025, 9, 22, tzinfo=SHOP_TZ)
    step = timedelta(minutes=30)
    points = [Point(base + step * s, None, None, 0, 0, 1.0) for s in range(48)]
    points[18] = Point(base + step * 18, 4.0, 8.0, 3, 2, 0.5, p10=2.0, p90=6.5)
    points[19] = Point(base + step * 19, 4.0, None, 3, 3, 0.83456)
    refc: list[float | None] = [None] * 48
    refc[18], refc[19] = 8.0, 6.0
    fva, rvs = chart_options(
        {"points": points, "reforecast": refc, "now_slot": 19, "multiplier": 1.5, "offers": []}
    )
    assert fva["xAxis"]["data"] == ["09:00", "09:30"]
    # the band is P10 (invisible) stacked under P90 − P10 (shaded); 09:30 has no band
    assert [s["data"] for s in fva["series"]] == [[2.0, None], [4.5, None], [4.0, 4.0], [None, 6.0], [8.0, None]]
    assert [s["data"] for s in rvs["series"]] == [[3, 3], [2, 3], [50.0, 83.5]]
    assert rvs["series"][0]["name"] == "需要"
