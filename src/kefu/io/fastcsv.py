"""A compiled reader for M.csv: one pass over the bytes on two threads instead of Arrow's CSV reader.

Why: Arrow's reader spends ~4 CPU-seconds tokenising a 20 M-row, 1.3 GB M.csv (about
300 MB/s per core) and then the coding hashes three string columns row by row (another
~2 s). The file has one simple shape (six unquoted fields; ids, a fixed-width ISO-8601
time, in/out, 0/1), so a numba kernel reads each ~8 MB block in one pass: ids become two
64-bit words (up to 15 bytes) and are kept only where they change from the row before
(a conversation-ordered export repeats shop, buyer and agent for many rows), times are
decoded from their digits to UTC milliseconds, direction and auto to int8.

Anything outside that shape — quotes, a missing or extra field, an id over 15 bytes,
another time format, a bad value, bytes that are not UTF-8 — makes :func:`read_fixed`
return ``None`` and the caller uses Arrow's reader, which also reports the bad rows.
The kernel is compiled once and cached on disk (``cache=True``); the first run after an
install pays ~1–2 s of compilation.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numba
import numpy as np
import pyarrow as pa

from kefu.credit.blocks import run

BLOCK_BYTES = 8 << 20
MAX_LINE = 1 << 16  # a line longer than this (never in a chat export) takes Arrow's path
KEY_WIDTH = 15  # id bytes packed into two words; the top byte of the second holds the width
KEYS = ("shop", "buyer", "agent")
ROLES = (*KEYS, "ts", "direction", "auto")  # role numbers of the kernel: position in this tuple
U8 = np.uint64


@numba.njit(nogil=True, cache=True)
def _civil_days(y: int, m: int, d: int) -> int:  # pragma: no cover - compiled
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


@numba.njit(nogil=True, cache=True)
def _num(data: np.ndarray, at: int, n: int) -> int:  # pragma: no cover - compiled
    """n ASCII digits at ``at`` as a number; -1 if one is not a digit."""
    v = 0
    for k in range(n):
        c = data[at + k] - 48
        if c < 0 or c > 9:
            return -1
        v = v * 10 + c
    return v


@numba.njit(nogil=True, cache=True)
def _time(data: np.ndarray, s: int, e: int) -> tuple[bool, int]:  # pragma: no cover - compiled
    """``YYYY-MM-DDTHH:MM:SS`` + ``±HH:MM`` or ``Z`` at data[s:e] → (ok, UTC milliseconds)."""
    w = e - s
    if w != 25 and w != 20:
        return False, 0
    if (
        data[s + 4] != 45
        or data[s + 7] != 45
        or data[s + 10] != 84
        or data[s + 13] != 58
        or data[s + 16] != 58
    ):
        return False, 0
    y, mo, d = _num(data, s, 4), _num(data, s + 5, 2), _num(data, s + 8, 2)
    h, mi, sec = _num(data, s + 11, 2), _num(data, s + 14, 2), _num(data, s + 17, 2)
    if y < 0 or mo < 1 or mo > 12 or d < 1 or h < 0 or h > 23 or mi < 0 or mi > 59 or sec < 0 or sec > 59:
        return False, 0
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    dim = 30 + ((mo + (mo >> 3)) & 1) if mo != 2 else (29 if leap else 28)
    if d > dim:
        return False, 0
    off = 0
    if w == 20:
        if data[s + 19] != 90:  # Z
            return False, 0
    else:
        sign = data[s + 19]
        oh, om = _num(data, s + 20, 2), _num(data, s + 23, 2)
        if (sign != 43 and sign != 45) or data[s + 22] != 58 or oh < 0 or oh > 23 or om < 0 or om > 59:
            return False, 0
        off = (oh * 60 + om) * 60 if sign == 43 else -(oh * 60 + om) * 60
    secs = _civil_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off
    return True, secs * 1000


@numba.njit(nogil=True, cache=True)
def _end(data: np.ndarray, i: int, got: int) -> int:  # pragma: no cover - compiled
    """Index of the first ',' or newline at or after i (``got`` if none); -1 at a quote."""
    while i < got:
        c = data[i]
        if c == 44 or c == 10:
            return i
        if c == 34:
            return -1
        i += 1
    return got


@numba.njit(nogil=True, cache=True)
def _repeats(data: np.ndarray, s: int, got: int, at: int, w: int) -> bool:  # pragma: no cover - compiled
    """The field at s holds the same w bytes as the one at ``at`` and ends right after them."""
    if s + w >= got or (data[s + w] != 44 and data[s + w] != 10):
        return False
    for k in range(w):  # noqa: SIM110 - a loop, which numba compiles; not a generator
        if data[s + k] != data[at + k]:
            return False
    return True


@numba.njit(nogil=True, cache=True)
def _rows(
    data: np.ndarray,
    got: int,
    limit: int,
    at_eof: bool,
    roles: np.ndarray,
    heads: np.ndarray,
    head_row: np.ndarray,
    n_heads: np.ndarray,
    ts: np.ndarray,
    io: np.ndarray,
    auto: np.ndarray,
    auto_null: np.ndarray,
) -> int:  # pragma: no cover - compiled
    """Rows starting in data[1:limit] (data[0] is the byte before the block) → row count, or -1.

    Ids are written to ``heads[role, j] = (lo, hi)`` only where they differ from the row before.
    A time field is not scanned: its delimiter must come 25 bytes on (20 for ``Z``), and the
    parse checks every byte before it.
    """
    n = 0
    i = 0
    while i < got and data[i] != 10:
        i += 1
    i += 1
    nf = len(roles)
    prev = np.zeros((3, 2), np.uint64)
    prev_at = np.zeros(3, np.int64)  # where the row before's id starts, and its width
    prev_w = np.zeros(3, np.int64)
    while i < limit and i < got:
        for f in range(nf):
            s = i
            role = roles[f]
            same = False
            if role == 3:
                e = s + 20 if s + 19 < got and data[s + 19] == 90 else s + 25  # ...Z or ...±HH:MM
                if e > got or (e < got and data[e] != 44 and data[e] != 10) or (e == got and not at_eof):
                    return -1
                ok, ms = _time(data, s, e)
                if not ok:
                    return -1
                ts[n] = ms
            elif role >= 0 and role < 3 and n > 0 and _repeats(data, s, got, prev_at[role], prev_w[role]):
                e = s + prev_w[role]  # the row before's id again: no scan, no packing
                same = True
            else:
                e = _end(data, s, got)
                if e < 0:
                    return -1
            i = e
            if f < nf - 1:
                if i >= got or data[i] != 44:
                    return -1
            else:
                if (i >= got and not at_eof) or (i < got and data[i] != 10):
                    return -1  # a row longer than the read-ahead, or an extra field
                if e > s and data[e - 1] == 13:
                    e -= 1
            i += 1
            if role < 0 or role == 3:
                continue
            if role < 3:
                w = e - s
                prev_at[role], prev_w[role] = s, w
                if same:
                    continue
                if w > 15:
                    return -1
                lo = np.uint64(0)
                hi = np.uint64(w) << np.uint64(56)
                for k in range(min(w, 8)):
                    lo |= np.uint64(data[s + k]) << np.uint64(8 * k)
                for k in range(8, w):
                    hi |= np.uint64(data[s + k]) << np.uint64(8 * (k - 8))
                if n == 0 or lo != prev[role, 0] or hi != prev[role, 1]:
                    j = n_heads[role]
                    heads[role, j, 0] = lo
                    heads[role, j, 1] = hi
                    head_row[role, j] = n
                    n_heads[role] = j + 1
                    prev[role, 0] = lo
                    prev[role, 1] = hi
            elif role == 4:
                if e - s == 2 and data[s] == 105 and data[s + 1] == 110:
                    io[n] = 0
                elif e - s == 3 and data[s] == 111 and data[s + 1] == 117 and data[s + 2] == 116:
                    io[n] = 1
                else:
                    return -1
            elif e == s:
                auto[n] = 0
                auto_null[n] = True
            elif e - s == 1 and (data[s] == 48 or data[s] == 49):
                auto[n] = data[s] - 48
            else:
                return -1
        n += 1
    return n


def _mix(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """One 64-bit hash per id, so distinct ids come from one sort of int64 (Arrow's 16-byte binary
    hashing costs ~165 ns a key). Not injective in theory: every use checks that equal hashes hold
    equal ids."""
    h = lo * U8(0x9E3779B97F4A7C15)
    h ^= hi * U8(0xC2B2AE3D27D4EB4F)
    h ^= h >> U8(29)
    return h


def _distinct(
    h: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Codes of ``h`` plus each code's (lo, hi); None if two ids share a hash."""
    uniq, codes = np.unique(h, return_inverse=True)
    rep_lo, rep_hi = np.zeros(len(uniq), U8), np.zeros(len(uniq), U8)
    rep_lo[codes], rep_hi[codes] = lo, hi
    if not (np.array_equal(rep_lo[codes], lo) and np.array_equal(rep_hi[codes], hi)):
        return None
    return codes, rep_lo, rep_hi


@dataclass(frozen=True)
class _Block:
    """One block's rows: times, kinds, and per id column (run codes, run lengths, distinct lo, hi)."""

    ts: np.ndarray
    io: np.ndarray
    auto: np.ndarray
    auto_null: np.ndarray
    keys: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def _block(fd: int, lo: int, hi: int, size: int, roles: np.ndarray) -> _Block | None:
    """Rows starting in bytes [lo, hi) of the file, or None when they do not fit the shape."""
    want = min(hi - lo + 1 + MAX_LINE, size - lo + 1)
    buf = np.empty(want, np.uint8)
    got = os.preadv(fd, [buf.data], lo - 1)  # from the byte before: a newline starts a row
    limit = hi - lo + 1
    cap = int(np.count_nonzero(buf[: min(limit, got)] == 10)) + 1
    heads = np.empty((3, cap, 2), U8)
    head_row = np.empty((3, cap), np.int64)
    n_heads = np.zeros(3, np.int64)
    ts = np.empty(cap, np.int64)
    io = np.empty(cap, np.int8)
    auto = np.empty(cap, np.int8)
    auto_null = np.zeros(cap, bool)
    n = _rows(buf, got, limit, lo - 1 + got == size, roles, heads, head_row, n_heads, ts, io, auto, auto_null)
    if n < 0:
        return None
    keys = {}
    for r, name in enumerate(KEYS):
        h = int(n_heads[r])
        k_lo, k_hi = heads[r, :h, 0], heads[r, :h, 1]
        found = _distinct(_mix(k_lo, k_hi), k_lo, k_hi)
        if found is None:
            return None
        codes, rep_lo, rep_hi = found
        keys[name] = (codes, np.diff(np.r_[head_row[r, :h], n]), rep_lo, rep_hi)
    return _Block(ts[:n], io[:n], auto[:n], auto_null[:n], keys)


def _strings(lo: np.ndarray, hi: np.ndarray) -> pa.Array:
    """Distinct packed ids → UTF-8 strings (raises ArrowInvalid on bytes that are not UTF-8)."""
    raw = np.empty((len(lo), 2), U8)
    raw[:, 0], raw[:, 1] = lo, hi
    raw8 = raw.view(np.uint8)
    width = raw8[:, 15].astype(np.int64)
    data = raw8[:, :KEY_WIDTH][np.arange(KEY_WIDTH) < width[:, None]]
    offsets = np.r_[0, np.cumsum(width)].astype(np.int32)
    arr = pa.StringArray.from_buffers(len(lo), pa.py_buffer(offsets), pa.py_buffer(data.tobytes()))
    arr.validate(full=True)
    return arr


def _column(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]) -> pa.ChunkedArray | None:
    """One dictionary for the column; per-block chunks of codes that all share it."""
    lo, hi = np.concatenate([p[2] for p in parts]), np.concatenate([p[3] for p in parts])
    found = _distinct(_mix(lo, hi), lo, hi)
    if found is None:
        return None
    codes, rep_lo, rep_hi = found
    codes = codes.astype(np.int32)  # int32 before the repeat: the rows then need no cast
    dictionary = _strings(rep_lo, rep_hi)
    bounds = np.cumsum([0, *(len(p[2]) for p in parts)])
    chunks = []
    for i, (run_codes, lengths, _, _) in enumerate(parts):
        rows = np.repeat(codes[bounds[i] : bounds[i + 1]][run_codes], lengths)
        # safe=False: the codes index the dictionary by construction (a check costs ~15 ns a row)
        chunks.append(pa.DictionaryArray.from_arrays(pa.array(rows, pa.int32()), dictionary, safe=False))
    return pa.chunked_array(chunks, pa.dictionary(pa.int32(), pa.string()))


def read_fixed(path: Path) -> pa.Table | None:
    """M.csv → the table Arrow's reader gives (columns ``ROLES``), or None off the fast path."""
    with path.open("rb") as fh:
        header = fh.readline()
    # a quoted header ("shop","buyer",…, as Arrow and Excel write it) over unquoted rows is still the usual shape
    names = [n.strip('"') for n in header.decode("utf-8", "replace").rstrip("\r\n").split(",")]
    if len(set(names)) != len(names) or not set(ROLES) <= set(names):
        return None
    roles = np.array([ROLES.index(n) if n in ROLES else -1 for n in names], np.int64)
    size = path.stat().st_size
    fd = os.open(path, os.O_RDONLY)
    try:
        edges = [*range(len(header), size, BLOCK_BYTES), size]
        tasks = [partial(_block, fd, a, b, size, roles) for a, b in zip(edges[:-1], edges[1:], strict=True)]
        found = run(tasks)
    finally:
        os.close(fd)
    blocks = [b for b in found if b is not None and len(b.ts)]
    if not blocks or any(b is None for b in found):
        return None
    try:
        keyed = run([partial(_column, [b.keys[name] for b in blocks]) for name in KEYS])
    except pa.ArrowInvalid:  # not UTF-8
        return None
    cols: dict[str, pa.ChunkedArray] = {}
    for name, col in zip(KEYS, keyed, strict=True):
        if col is None:
            return None
        cols[name] = col
    cols["ts"] = pa.chunked_array([pa.array(b.ts, pa.timestamp("ms", tz="UTC")) for b in blocks])
    direction = pa.array(["in", "out"])
    cols["direction"] = pa.chunked_array(
        [pa.DictionaryArray.from_arrays(pa.array(b.io, pa.int8()), direction, safe=False) for b in blocks],
        pa.dictionary(pa.int8(), pa.string()),
    )
    # pa.array with mask=None (or no type) takes a slow inferring path (~20 ns a row)
    cols["auto"] = pa.chunked_array(
        [
            pa.array(b.auto, pa.int8(), mask=b.auto_null)
            if b.auto_null.any()
            else pa.array(b.auto, pa.int8())
            for b in blocks
        ],
        pa.int8(),
    )
    return pa.table({name: cols[name] for name in ROLES})
