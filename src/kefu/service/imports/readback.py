"""A shop's imported rows read back in the contract's columns (M.csv / O.csv as Arrow) for ``credit run --shop``.

Why this is its own module: reading a shop's month out of the database was most of
``credit run --shop`` (10 M messages cost 20–22 CPU-s on SQLite, the credit itself ~13),
so the read is built around what each database does cheaply.

* PostgreSQL writes CSV with ``COPY … TO STDOUT``; Arrow's reader parses it on its threads.
* SQLite has no bulk export, and a Python object per cell (a driver's fetch) costs more than
  the whole credit run. Messages are read in slices of the table's rowids by one statement
  per slice that returns each column as one blob: ``group_concat`` of the values split by
  the unit separator (U+001F), direction and auto as one digit a row. numpy finds the
  separators and Arrow takes the bytes as they are (no copy, no parse but the times'), so the
  only per-row work left in Python's process is hashing the strings into dictionaries —
  which the credit's coding needs anyway. A slice's columns are decoded on a second thread
  while SQLite builds the next slice. A value holding the separator, a time not in the
  form SQLAlchemy stores, or a direction other than in/out makes the read fall back to
  lines of text built by SQLite and parsed by Arrow, as orders are read (a shop's month
  has ~20× fewer orders than messages).

The read is the database's current committed state seen by the caller's transaction:
nothing is cached, so nothing can be stale.
"""

from __future__ import annotations

import io
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from kefu.io.credit_csv import MSG_TYPES, ORDER_TYPES, TS

FETCH = 100_000
SLICE_ROWIDS = 1_000_000  # rowids per statement of a sliced SQLite read
SEP = 0x1F  # the unit separator between a column's values in a slice's blob
STORED_TIME = 26  # 'YYYY-MM-DD HH:MM:SS.ffffff': how SQLAlchemy stores a time on SQLite
MESSAGE_COLS = (("shop_id", "text"), ("buyer", "text"), ("COALESCE(agent_id, '')", "text"), ("ts", "time"),
                ("direction", "text"), ("CASE WHEN auto THEN 1 ELSE 0 END", "int"))  # fmt: skip
MESSAGE_FROM = "FROM messages WHERE shop_id = {shop} AND ts >= {lo} AND ts < {hi}"  # any order: credit sorts them
ORDER_COLS = (("id", "text"), ("shop_id", "text"), ("buyer", "text"), ("created_at", "time"), ("paid_at", "time"),
              ("amount_fen", "int"), ("status", "text"), ("refund_fen", "int"))  # fmt: skip
ORDER_FROM = "FROM orders WHERE shop_id = {shop} AND created_at >= {lo} AND created_at < {hi} AND buyer <> '' ORDER BY id"
# one slice of a shop's messages, a blob per column: buyers, agents, times, 2·(direction = out) + auto. The
# separator is a literal (a char(31) call per value cost a fifth more); {hint} is "NOT INDEXED" for a slice the
# shop fills at least half of (reading the table in rowid order beats a seek per row from the shop's index)
SLICE_SELECT = (
    "SELECT CAST(group_concat(buyer, '\x1f') AS BLOB), CAST(group_concat(COALESCE(agent_id, ''), '\x1f') AS BLOB), "
    "CAST(group_concat(ts, '\x1f') AS BLOB), CAST(group_concat((CASE direction WHEN 'in' THEN 0 WHEN 'out' THEN 2 "
    "ELSE 4 END) + (CASE WHEN auto THEN 1 ELSE 0 END), '') AS BLOB) "
    "FROM messages {hint} WHERE shop_id = ? AND ts >= ? AND ts < ? AND rowid >= ? AND rowid < ?"
)
SLICE_COUNT = "SELECT count(*) FROM messages WHERE shop_id = ? AND rowid >= ? AND rowid < ?"  # the shop index alone
DIRECTIONS = pa.array(["in", "out"], pa.string())


class Irregular(Exception):
    """A slice the blob read cannot take exactly (a separator inside a value, an unusual time or direction)."""


def contract_messages(session: Session, shop_id: str, lo: datetime, hi: datetime) -> pa.Table:
    """The shop's messages in [lo, hi) as M.csv's Arrow schema."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        try:
            return _sqlite_messages(conn, shop_id, _sqlite_time(lo), _sqlite_time(hi))
        except Irregular:
            pass
    return _read(conn, MESSAGE_COLS, MESSAGE_FROM, shop_id, lo, hi, MSG_TYPES)


def contract_orders(session: Session, shop_id: str, lo: datetime, hi: datetime) -> pa.Table:
    """The shop's orders with a buyer created in [lo, hi) as O.csv's Arrow schema."""
    return _read(session.connection(), ORDER_COLS, ORDER_FROM, shop_id, lo, hi, ORDER_TYPES)


def _sqlite_messages(conn: Connection, shop_id: str, lo: str, hi: str) -> pa.Table:
    """Slices of rowids, each one statement of column blobs, decoded on a second thread as the next is built."""
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        first, last = cur.execute("SELECT min(rowid), max(rowid) FROM messages").fetchone()
        pending: list[Future[pa.RecordBatch]] = []
        with ThreadPoolExecutor(1) as pool:
            for start in range(first or 0, (last or -1) + 1, SLICE_ROWIDS):
                span = (shop_id, start, start + SLICE_ROWIDS)
                mine = cur.execute(SLICE_COUNT, span).fetchone()[0]
                if not mine:
                    continue
                hint = "NOT INDEXED" if 2 * mine >= SLICE_ROWIDS else ""
                blobs = cur.execute(SLICE_SELECT.format(hint=hint), (shop_id, lo, hi, *span[1:])).fetchone()
                if blobs[0] is not None:
                    pending.append(pool.submit(_slice, shop_id, *blobs))
            batches = [f.result() for f in pending]
    finally:
        cur.close()
    schema = pa.schema(MSG_TYPES)
    return pa.Table.from_batches(batches, schema) if batches else _empty(MSG_TYPES)


def _slice(shop_id: str, buyers: bytes, agents: bytes, times: bytes, codes: bytes) -> pa.RecordBatch:
    """One slice's blobs → a record batch of M.csv's schema (one digit a row: the codes give the row count)."""
    code = np.frombuffer(codes, np.uint8) - ord("0")
    n = len(code)
    if (code > 3).any():  # a direction other than in / out
        raise Irregular
    direction = pa.DictionaryArray.from_arrays(pa.array(code >> 1, pa.int32()), DIRECTIONS)
    auto = pa.array(code & 1, pa.int8())
    shop = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), pa.array([shop_id], pa.string()))
    return pa.RecordBatch.from_arrays([shop, _strings(buyers, n), _strings(agents, n), _times(times, n), direction, auto],
                                      schema=pa.schema(MSG_TYPES))  # fmt: skip


def _strings(blob: bytes, n: int) -> pa.DictionaryArray:
    """n values split by the separator → a dictionary array, the bytes taken as they are.

    Each value keeps its separator (a value is the bytes up to the next one; the blob gets a
    last separator), so the offsets are the separators' positions and nothing is copied;
    the separator is then cut from the distinct values only.
    """
    data = np.frombuffer(blob, np.uint8)
    ends = np.flatnonzero(data == SEP)
    if len(ends) != n - 1:  # a value holds the separator
        raise Irregular
    offsets = np.empty(n + 1, np.int32)
    offsets[0] = 0
    offsets[1:-1] = ends + 1
    offsets[-1] = len(data) + 1
    values = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(blob + bytes([SEP])))
    coded = values.dictionary_encode()
    dictionary = pa.array([v[:-1] for v in coded.dictionary.to_pylist()], pa.string())
    return pa.DictionaryArray.from_arrays(coded.indices, dictionary)


def _times(blob: bytes, n: int) -> pa.Array:
    """n stored times split by the separator → UTC milliseconds (cut, as the contract's text is)."""
    data = np.frombuffer(blob + bytes([SEP]), np.uint8)
    if len(data) != (STORED_TIME + 1) * n:
        raise Irregular
    rows = data.reshape(n, STORED_TIME + 1)
    if not (rows[:, STORED_TIME] == SEP).all():
        raise Irregular
    text = np.ascontiguousarray(rows[:, :STORED_TIME])
    offsets = np.arange(0, STORED_TIME * n + 1, STORED_TIME, dtype=np.int32)
    values = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text))
    try:
        micros = values.cast(pa.timestamp("us"))
    except pa.ArrowInvalid as exc:
        raise Irregular from exc
    return micros.cast(pa.timestamp("ms"), safe=False).cast(TS)


def _read(conn: Connection, cols: tuple[tuple[str, str], ...], source: str, shop_id: str, lo: datetime,
          hi: datetime, types: dict[str, pa.DataType]) -> pa.Table:  # fmt: skip
    """One query's rows as an Arrow table of the contract schema, through text the database writes.

    PostgreSQL writes CSV with ``COPY … TO STDOUT``. SQLite builds each row's line in SQL,
    fields split by the unit separator and unquoted; a value holding it or a line break
    changes a line's field count, which Arrow refuses, and the read is done again with
    every text quoted.
    """
    if conn.dialect.name == "postgresql":
        from psycopg import sql as pg

        exprs = [f"date_trunc('milliseconds', {c})" if kind == "time" else c for c, kind in cols]  # the contract's unit
        query = pg.SQL(f"SELECT {', '.join(exprs)} {source}").format(
            shop=pg.Literal(shop_id), lo=pg.Literal(lo), hi=pg.Literal(hi))  # fmt: skip
        raw = conn.connection.driver_connection
        buf = io.BytesIO()
        with raw.cursor() as cur, cur.copy(pg.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(query)) as copy:  # type: ignore[union-attr]
            for block in copy:
                buf.write(block)
        return _parse(buf, types, pacsv.ParseOptions(newlines_in_values=True))
    args = (shop_id, _sqlite_time(lo), _sqlite_time(hi))
    where = source.format(shop="?", lo="?", hi="?")
    try:
        return _parse(_sqlite_lines(conn, cols, where, args, quoted=False), types,
                      pacsv.ParseOptions(delimiter=chr(SEP), quote_char=False))  # fmt: skip
    except pa.ArrowInvalid:
        return _parse(_sqlite_lines(conn, cols, where, args, quoted=True), types,
                      pacsv.ParseOptions(newlines_in_values=True))  # fmt: skip


def _sqlite_lines(conn: Connection, cols: tuple[tuple[str, str], ...], where: str, args: tuple[str, ...],
                  quoted: bool) -> io.BytesIO:  # fmt: skip
    """The rows as lines of text built by SQLite: times as UTC ISO text to the millisecond, nulls empty.

    Unquoted lines have their fields split by the unit separator (one ``printf`` a row, a third
    cheaper than a concatenation per field); quoted ones are CSV.
    """
    if quoted:
        cells = []
        for expr, kind in cols:
            if kind == "time":
                cells.append(f"coalesce(substr({expr}, 1, 23) || 'Z', '')")
            elif kind == "text":
                cells.append(f"'\"' || replace({expr}, '\"', '\"\"') || '\"'")
            else:
                cells.append(f"coalesce({expr}, '')")
        line = " || ',' || ".join(cells)
    else:  # NULL prints as ''
        fields = [f"substr({expr}, 1, 23) || 'Z'" if kind == "time" else expr for expr, kind in cols]
        line = f"printf('{chr(SEP).join(['%s'] * len(fields))}', {', '.join(fields)})"
    buf = io.BytesIO()
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cur.execute(f"SELECT {line} {where}", args)
        while rows := cur.fetchmany(FETCH):
            buf.write("\n".join([r for (r,) in rows]).encode())
            buf.write(b"\n")
    finally:
        cur.close()
    return buf


def _parse(buf: io.BytesIO, types: dict[str, pa.DataType], parse: pacsv.ParseOptions) -> pa.Table:
    """CSV text → the contract's Arrow schema ('' stays text; an empty time or number is null)."""
    if not buf.getbuffer().nbytes:
        return _empty(types)
    buf.seek(0)
    return pacsv.read_csv(buf, read_options=pacsv.ReadOptions(column_names=list(types)), parse_options=parse,
                          convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False))  # fmt: skip


def _sqlite_time(value: datetime) -> str:
    """The text SQLAlchemy stores for a UTC time on SQLite (so range comparisons are text comparisons)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _empty(types: dict[str, pa.DataType]) -> pa.Table:
    return pa.table({n: pa.array([], t) for n, t in types.items()})
