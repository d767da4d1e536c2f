"""The compiled M.csv reader gives exactly what Arrow's reader gives, or steps aside."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from kefu.credit.ingest import MSG_COLUMNS
from kefu.domain.errors import KefuError
from kefu.io import credit_csv as files
from kefu.io import fastcsv

HEADER = "shop,buyer,agent,ts,direction,auto\n"
ROWS = [
    "s1,tb0001,s1:kf01,2026-11-06T13:16:21+08:00,in,0",
    "s1,tb0001,s1:kf01,2026-11-06T13:16:23+08:00,out,1",
    "s1,tb0001,s1:kf01,2026-11-06T13:17:00+08:00,out,0",
    "s2,买家一号,s2:kf2,2024-02-29T23:59:59-05:30,in,",
    "s2,tb0000000000001,s2:kf2,2026-01-01T00:00:00Z,in,1",  # 15 bytes
    "s1,tb0001,s1:kf01,1969-12-31T23:59:59+00:00,out,0",
]


def _arrow(path: Path) -> pa.Table:
    return files._read(path, files.MSG_TYPES)


def _same(fast: pa.Table, slow: pa.Table) -> None:
    assert fast.column_names == list(MSG_COLUMNS)
    for name in MSG_COLUMNS:
        a, b = fast.column(name), slow.column(name)
        if pa.types.is_dictionary(a.type):
            a, b = a.cast(pa.string()), b.cast(pa.string())
        assert a.to_pylist() == b.to_pylist(), name


def _write(tmp_path: Path, text: str, name: str = "m.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_fast_reader_equals_arrow_on_every_value_form(tmp_path: Path) -> None:
    path = _write(tmp_path, HEADER + "\n".join(ROWS) + "\n")
    fast = fastcsv.read_fixed(path)
    assert fast is not None
    _same(fast, _arrow(path))
    assert fast.column("auto").null_count == 1
    assert fast.column("ts").to_pylist()[3].isoformat() == "2024-03-01T05:29:59+00:00"


def test_a_quoted_header_over_plain_rows_keeps_the_fast_path(tmp_path: Path) -> None:
    quoted = ",".join(f'"{n}"' for n in HEADER.strip().split(",")) + "\n"  # as Arrow and Excel write headers
    path = _write(tmp_path, quoted + "\n".join(ROWS) + "\n")
    fast = fastcsv.read_fixed(path)
    assert fast is not None
    _same(fast, _arrow(path))


def test_ids_that_extend_or_shorten_the_row_before(tmp_path: Path) -> None:
    ids = ["tb1", "tb1", "tb12", "tb12", "tb1", "t", "tb1", "tb1x"]
    rows = [f"s1,{b},{b}:kf,2026-11-06T13:16:2{i}+08:00,in,0" for i, b in enumerate(ids)]
    path = _write(tmp_path, HEADER + "\n".join(rows) + "\n")
    fast = fastcsv.read_fixed(path)
    assert fast is not None
    assert fast.column("buyer").to_pylist() == ids
    _same(fast, _arrow(path))


def test_crlf_no_final_newline_reordered_and_extra_columns(tmp_path: Path) -> None:
    rows = [",".join([r.split(",")[i] for i in (3, 0, 5, 1, 4, 2)]) + ",x" for r in ROWS[:3]]
    path = _write(tmp_path, "ts,shop,auto,buyer,direction,agent,note\r\n" + "\r\n".join(rows))
    fast = fastcsv.read_fixed(path)
    assert fast is not None
    _same(fast, _arrow(path))


def test_many_small_blocks_give_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [
        f"s{i % 3},tb{i // 7:05d},s{i % 3}:kf{i % 11},2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:{i % 60:02d}+08:00,{'in' if i % 2 else 'out'},{i % 2}"
        for i in range(3000)
    ]
    path = _write(tmp_path, HEADER + "\n".join(rows) + "\n")
    monkeypatch.setattr(fastcsv, "BLOCK_BYTES", 997)
    fast = fastcsv.read_fixed(path)
    assert fast is not None and fast.column("buyer").num_chunks > 100
    _same(fast, _arrow(path))


@pytest.mark.parametrize(
    "row",
    [
        's1,"tb,1",s1:kf01,2026-11-06T13:16:21+08:00,in,0',  # quoted
        "s1,tb0000000000000001,s1:kf01,2026-11-06T13:16:21+08:00,in,0",  # id over 15 bytes
        "s1,tb1,s1:kf01,2026-11-06T13:16:21.5+08:00,in,0",  # fractional seconds
        "s1,tb1,s1:kf01,2026-11-06 13:16:21+08:00,in,0",  # space separator
        "s1,tb1,s1:kf01,2026-02-30T13:16:21+08:00,in,0",  # no such day
        "s1,tb1,s1:kf01,2026-11-06T13:16:21,in,0",  # no offset
        "s1,tb1,s1:kf01,2026-11-06T13:16:21+08:00,IN,0",
        "s1,tb1,s1:kf01,2026-11-06T13:16:21+08:00,in,2",
        "s1,tb1,s1:kf01,2026-11-06T13:16:21+08:00,in",  # a field short
        "s1,tb1,s1:kf01,2026-11-06T13:16:21+08:00,in,0,9",  # a field over
        "",  # blank line
    ],
)
def test_rows_off_the_shape_fall_back_to_arrow(tmp_path: Path, row: str) -> None:
    path = _write(tmp_path, HEADER + ROWS[0] + "\n" + row + "\n" + ROWS[1] + "\n")
    assert fastcsv.read_fixed(path) is None
    try:
        expected = _arrow(path)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        with pytest.raises(KefuError):
            files.read_messages(path)
        return
    if row.endswith(",IN,0"):
        with pytest.raises(KefuError):
            files.read_messages(path)
        return
    _same(files.read_messages(path), expected)


def test_bytes_that_are_not_utf8_fall_back(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(HEADER.encode() + "s1,买家,s1:kf01,2026-11-06T13:16:21+08:00,in,0\n".encode("gbk"))
    assert fastcsv.read_fixed(path) is None


def test_header_only_and_missing_columns(tmp_path: Path) -> None:
    assert fastcsv.read_fixed(_write(tmp_path, HEADER)) is None
    assert (
        fastcsv.read_fixed(_write(tmp_path, "shop,buyer,ts\n" + "a,b,2026-11-06T13:16:21+08:00\n", "x.csv"))
        is None
    )
