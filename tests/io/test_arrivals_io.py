"""Arrival CSV in, forecast CSV out, and the call-by-call log reader; bad files are rejected whole."""

from __future__ import annotations

import gzip
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pytest

from kefu.domain.errors import ErrorCode, KefuError
from kefu.io.arrivals import bank_call_times, counts_from_times, format_grid, parse_history
from kefu.io.history import load_history


def test_parse_history_builds_day_slot_grid() -> None:
    text = "interval_start,count\n2025-09-01 09:00,3\n2025-09-01 09:30,4\n2025-09-03 10:00,5.5\n"
    grid = parse_history(text, "h.csv", 30)
    assert grid.start == date(2025, 9, 1)
    assert grid.values.shape == (3, 48)
    assert grid.values[0, 18] == 3.0 and grid.values[0, 19] == 4.0 and grid.values[2, 20] == 5.5
    assert np.isnan(grid.values[1]).all()  # 2 Sep has no rows: closed or missing
    assert int(np.sum(~np.isnan(grid.values))) == 3


def test_finer_rows_are_summed_into_the_interval_and_offsets_converted() -> None:
    text = "interval_start,count\n2025-09-01T09:00:00+08:00,1\n2025-09-01T01:15:00+00:00,2\n"
    grid = parse_history(text, "h.csv", 30)
    assert grid.values[0, 18] == 3.0  # 01:15 UTC = 09:15 Shanghai → the 09:00 half hour


def test_every_bad_row_is_reported_in_both_languages() -> None:
    text = (
        "interval_start,count\n"
        "2025-09-01 09:00,3\n"
        "yesterday,4\n"
        "2025-09-01 09:10:30,1\n"
        "2025-09-01 09:30,-2\n"
        "2025-09-01 09:00,1\n"
    )
    with pytest.raises(KefuError) as err:
        parse_history(text, "h.csv", 30)
    exc = err.value
    assert exc.code is ErrorCode.IMPORT_BAD_ROW
    assert [(r.row, r.column) for r in exc.rows] == [
        (3, "interval_start"),
        (4, "interval_start"),
        (5, "count"),
        (6, "interval_start"),
    ]
    assert exc.rows[2].reason_zh.startswith("数量须为非负数") and exc.rows[2].reason_en.startswith(
        "count must be"
    )
    assert "重复" in exc.rows[3].reason_zh and "duplicate" in exc.rows[3].reason_en


def test_missing_column_empty_file_and_bad_interval() -> None:
    with pytest.raises(KefuError) as err:
        parse_history("time,count\n2025-09-01 09:00,1\n", "h.csv", 30)
    assert err.value.code is ErrorCode.IMPORT_MISSING_COLUMN
    with pytest.raises(KefuError) as err:
        parse_history("interval_start,count\n", "h.csv", 30)
    assert err.value.code is ErrorCode.FORECAST_NO_HISTORY
    with pytest.raises(KefuError) as err:
        parse_history("interval_start,count\n2025-09-01 09:00,1\n", "h.csv", 20)
    assert err.value.code is ErrorCode.BAD_ARGUMENT


def test_gbk_file_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes("interval_start,count,备注\n2025-09-01 09:00,7,双十一\n".encode("gbk"))
    assert load_history(path, 30).grid.values[0, 18] == 7.0
    with pytest.raises(KefuError) as err:
        load_history(tmp_path / "none.csv", 30)
    assert err.value.code is ErrorCode.IMPORT_BAD_FILE


def test_format_grid_round_trips() -> None:
    text = "interval_start,count\n2025-09-01 09:00,3\n2025-09-02 23:30,4.25\n"
    grid = parse_history(text, "h.csv", 30)
    out = format_grid(grid)
    assert out == "interval_start,forecast\n2025-09-01 09:00,3.0\n2025-09-02 23:30,4.25\n"


BANK_HEADER = (
    "vru+line\tcall_id\tcustomer_id\tpriority\ttype\tdate\tvru_entry\tvru_exit\tvru_time\tq_start\tq_exit\t"
    "q_time\toutcome\tser_start\tser_exit\tser_time\tserver\r\n"
)


def _bank_row(day: str, entry: str, exit_: str, q_time: int, outcome: str) -> str:
    return f"AA0101\t1\t0\t0\tPS\t{day}\t{entry}\t{exit_}\t5\t0:00:00\t0:00:00\t{q_time}\t{outcome}\t0:00:00\t0:00:00\t0\tX\r\n"


def test_bank_reader_keeps_agent_queue_arrivals_and_crosses_midnight(tmp_path: Path) -> None:
    path = tmp_path / "calls.txt.gz"
    rows = [
        _bank_row("990201", "7:02:47", "7:02:56", 0, "AGENT"),  # served
        _bank_row("990201", "8:09:16", "8:09:22", 5, "HANG"),  # abandoned in queue: counts
        _bank_row("990201", "8:10:00", "8:10:30", 0, "HANG"),  # hung up in the IVR: not an agent arrival
        _bank_row("990201", "8:11:00", "8:11:30", 0, "PHANTOM"),
        _bank_row("990201", "23:59:55", "0:00:04", 0, "AGENT"),  # left the IVR after midnight
    ]
    with gzip.open(path, "wt", encoding="ascii", newline="") as fh:
        fh.write(BANK_HEADER + "".join(rows))
    times = bank_call_times(path)
    assert times == [
        datetime(1999, 2, 1, 7, 2, 56),
        datetime(1999, 2, 1, 8, 9, 22),
        datetime(1999, 2, 2, 0, 0, 4),
    ]


def test_counts_from_times_pads_zeros_inside_learned_hours() -> None:
    times = [datetime(2025, 9, d, 9, 5) for d in (1, 8, 15)] + [datetime(2025, 9, 1, 3, 0)]
    grid = counts_from_times(times, 60)
    assert grid.values.shape == (15, 24)
    assert grid.values[0, 9] == 1.0 and grid.values[0, 3] == 1.0
    assert np.isnan(grid.values[7, 3])  # a one-off 03:00 call does not open 03:00 on other Mondays
    assert np.isnan(grid.values[1]).all()  # Tuesdays never had a call


def test_history_coarser_than_the_interval_is_refused() -> None:
    text = "interval_start,count\n2025-09-01 09:00,3\n2025-09-01 10:00,4\n2025-09-01 11:00,4\n"
    with pytest.raises(KefuError) as err:
        parse_history(text, "h.csv", 30)
    assert err.value.code is ErrorCode.BAD_ARGUMENT and "--interval 60" in err.value.message_en
    assert parse_history(text, "h.csv", 60).values[0, 9:12].tolist() == [3.0, 4.0, 4.0]
