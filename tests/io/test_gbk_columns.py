"""GBK exports are tokenised raw and only the columns read are decoded: ASCII by a cast, the rest in one decode."""

from __future__ import annotations

import pyarrow as pa
import pytest

from kefu.domain.errors import ErrorCode, KefuError
from kefu.io.table import gbk_column


def _raw(cells: list[str]) -> pa.Array:
    return pa.array([c.encode("gb18030") for c in cells], pa.binary())


def test_ascii_non_ascii_and_separator_cells_decode_exactly() -> None:
    assert gbk_column(_raw(["123", "", "2026-11-03 10:00:00"]), "f.csv").to_pylist() == ["123", "", "2026-11-03 10:00:00"]
    mixed = ["买家甲", "", "交易成功", "a,b", "旗舰店:客服01"]
    assert gbk_column(_raw(mixed), "f.csv").to_pylist() == mixed
    with_sep = ["买家\x1f甲", "乙"]  # the join's separator inside a cell: decoded cell by cell
    assert gbk_column(_raw(with_sep), "f.csv").to_pylist() == with_sep
    assert gbk_column(_raw(["前", "买家", "后"]).slice(1, 1), "f.csv").to_pylist() == ["买家"]


def test_bytes_that_are_not_gbk_are_a_bad_encoding() -> None:
    with pytest.raises(KefuError) as info:
        gbk_column(pa.array([b"ok", b"\xff\xfe\xfd"], pa.binary()), "f.csv")
    assert info.value.code == ErrorCode.IMPORT_BAD_ENCODING
