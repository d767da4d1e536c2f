"""Error objects and aware-time helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from kefu.domain.errors import ErrorCode, KefuError, RowError, bad_rows
from kefu.domain.timeutil import SHOP_TZ, business_day, parse_aware, parse_day


def test_bad_rows_carries_every_row_in_both_languages() -> None:
    err = bad_rows("orders.csv", [RowError(3, "订单编号", "为空", "is empty", "orders.csv")])
    assert err.code is ErrorCode.IMPORT_BAD_ROW
    assert err.http_status == 422
    assert err.as_dict()["rows"] == [
        {"file": "orders.csv", "row": 3, "column": "订单编号", "reason": "为空", "reason_en": "is empty"}
    ]
    assert str(err.rows[0]) == "orders.csv 第3行 [订单编号] 为空 / row 3 [订单编号] is empty"


def test_unknown_code_maps_to_400() -> None:
    assert KefuError(ErrorCode.BAD_ARGUMENT, "坏", "bad").http_status == 400


def test_parse_aware_reads_naive_text_as_shop_time() -> None:
    assert parse_aware("2026-11-11 00:00:00") == datetime(2026, 11, 10, 16, tzinfo=UTC)
    assert parse_aware("2026-11-11T00:00:00+00:00").utcoffset() == timedelta(0)


def test_parse_errors_are_kefu_errors() -> None:
    with pytest.raises(KefuError) as exc:
        parse_day("2026-13-01")
    assert exc.value.code is ErrorCode.BAD_ARGUMENT
    with pytest.raises(KefuError):
        parse_aware("yesterday")


def test_business_day_cut_hour() -> None:
    late = datetime(2026, 11, 11, 3, 30, tzinfo=SHOP_TZ)
    assert business_day(late) == date(2026, 11, 11)
    assert business_day(late, cut_hour=4) == date(2026, 11, 10)


def test_injected_clock_starts_at_a_fixed_instant_and_runs() -> None:
    """KEFU_CLOCK_START / @pytest.mark.clock: the process's now begins at a fixed instant and runs."""
    from kefu.config import Settings, _clock_start
    from kefu.domain import timeutil

    start = datetime(2026, 11, 20, 23, 0, tzinfo=SHOP_TZ)
    before = timeutil._clock
    assert _clock_start("2026-11-20T23:00:00+08:00") == start
    with timeutil.clock_from(start):
        first = timeutil.utc_now()
        assert timedelta(0) <= first - start < timedelta(minutes=5)
        assert first.tzinfo is UTC
        timeutil.start_clock_at(start)  # started again at the same instant (a second app): time never goes back
        assert timeutil.utc_now() >= first
    assert timeutil._clock is before  # the previous clock again
    assert _clock_start("") is None
    with pytest.raises(RuntimeError, match="offset"):
        _clock_start("2026-11-20T23:00:00")
    with pytest.raises(KefuError, match="KEFU_CLOCK_START"):
        Settings(environment="production", configured_secret="s" * 32, clock_start=start)


@pytest.mark.clock("2026-11-11T09:30:00+08:00")
def test_the_clock_marker_fixes_now_for_one_test() -> None:
    from kefu.domain.timeutil import utc_now

    assert timedelta(0) <= utc_now() - datetime(2026, 11, 11, 1, 30, tzinfo=UTC) < timedelta(minutes=5)
