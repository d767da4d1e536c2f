"""Whole-column cleaning and parsing of export text: placeholders, ``="…"``, apostrophes, times, yuan → fen.

Why vectorised: a Python call per cell costs more than the whole rest of an import.
Each function takes one Arrow string column and returns the parsed column plus a
boolean ``bad`` mask (text present but unreadable); the caller turns the few bad
cells into RowErrors. Everything is exact: money goes digit-wise to integer fen,
never through float.
"""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

NAIVE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S")
AWARE_FORMATS = ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z")
TS = pa.timestamp("us", tz="UTC")
_SPACES = " \t\r\n\u3000\u00a0"
_MONEY = r"^(?P<sign>-?)(?P<int>\d+)(?:\.(?P<frac>\d{1,2}))?$"


def text(col: pa.Array | pa.ChunkedArray, placeholders: Iterable[str] = ()) -> pa.Array:
    """Trimmed text, Taobao's ``="…"`` unwrapped, placeholders (``null``, ``'null``, ``-``) and blanks → null."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    arr = pc.utf8_trim(arr, _SPACES)
    if pc.any(pc.starts_with(arr, '="')).as_py():
        arr = pc.utf8_trim(pc.replace_substring_regex(arr, r'^="(.*)"$', r"\1"), _SPACES)
    empty = pc.or_kleene(pc.equal(arr, ""), pc.is_in(arr, pa.array(sorted(set(placeholders)), pa.string())))
    return pc.if_else(pc.fill_null(empty, True), pa.scalar(None, pa.string()), arr)


def strip_apostrophe(arr: pa.Array) -> pa.Array:
    """Taobao writes phones and long ids as ``'13900001111`` so Excel keeps them text: drop the mark."""
    return pc.replace_substring_regex(arr, r"^'", "")


def filled(arr: pa.Array) -> pa.Array:
    """Null → '' (for columns stored as NOT NULL text)."""
    return pc.fill_null(arr, "")


def times(arr: pa.Array, tz: ZoneInfo) -> tuple[pa.Array, pa.Array]:
    """Shop wall-clock (or offset-carrying ISO) text → UTC timestamps; ``bad`` where text is unreadable."""
    out = pa.nulls(len(arr), TS)
    for fmt, aware in [(f, False) for f in NAIVE_FORMATS] + [(f, True) for f in AWARE_FORMATS]:
        left = pc.and_(pc.is_valid(arr), pc.is_null(out))
        if not pc.any(left).as_py():
            break  # every present text read: the common case after the first format
        parsed = pc.strptime(arr, format=fmt, unit="us", error_is_null=True)
        if not aware:
            parsed = pc.assume_timezone(parsed, timezone=tz.key, ambiguous="earliest", nonexistent="earliest")
        out = pc.coalesce(out, pc.cast(parsed, TS))
    bad = pc.and_(pc.is_valid(arr), pc.is_null(out))
    return out, bad


def fen(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """'1,024.00元' / '¥12.3' / '-1' → integer fen; ``bad`` for unreadable text or fractions of a fen."""
    bare = pc.replace_substring_regex(arr, r"[¥￥元,\s]", "")
    parts = pc.extract_regex(bare, _MONEY)
    ok = pc.is_valid(parts)
    sign = pc.if_else(pc.equal(pc.struct_field(parts, "sign"), "-"), -1, 1)
    whole = pc.cast(pc.struct_field(parts, "int"), pa.int64())
    frac_text = pc.utf8_rpad(pc.fill_null(pc.struct_field(parts, "frac"), ""), width=2, padding="0")
    frac = pc.cast(frac_text, pa.int64())
    value = pc.multiply(sign, pc.add(pc.multiply(whole, 100), frac))
    value = pc.if_else(ok, value, pa.scalar(None, pa.int64()))
    bad = pc.and_(pc.is_valid(arr), pc.invert(pc.fill_null(ok, False)))
    return value, bad


def signed_fen(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Integer fen as written by our own contract files ('12520', '-100'); ``bad`` for anything else present."""
    ok = pc.match_substring_regex(arr, r"^-?\d+$")
    value = pc.if_else(pc.fill_null(ok, False), pc.cast(pc.if_else(ok, arr, "0"), pa.int64()), None)
    return value, pc.and_(pc.is_valid(arr), pc.invert(pc.fill_null(ok, False)))


def whole(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Whole numbers ('2', '1,000') → int64; ``bad`` for anything else present."""
    bare = pc.replace_substring(arr, ",", "")
    ok = pc.match_substring_regex(bare, r"^\d+$")
    value = pc.if_else(pc.fill_null(ok, False), pc.cast(pc.if_else(ok, bare, "0"), pa.int64()), None)
    bad = pc.and_(pc.is_valid(arr), pc.invert(pc.fill_null(ok, False)))
    return value, bad


def rows_where(mask: pa.Array) -> list[int]:
    """Positions where a boolean mask is true."""
    return pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()  # type: ignore[no-any-return]
