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
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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


@dataclass(frozen=True)
class Sliced:
    """A table's contract columns as SQLite blobs: (contract column, SQL value, kind) besides the constant shop.

    Kinds: ``text`` / ``dict`` strings (``dict`` dictionary-coded), ``time`` a stored time (``''`` null),
    ``int`` digits (``''`` null), ``code`` one digit a row, 2·(direction = out) + auto (4: another direction).
    """

    table: str
    where: str  # the shop, the range; rows in any order
    columns: tuple[tuple[str, str, str], ...]
    types: dict[str, pa.DataType]

    def select(self, hint: str) -> str:
        """One slice's statement. The separator is a literal (a char(31) call per value cost a fifth more); ``hint`` is
        "NOT INDEXED" for a slice the shop fills at least half of (the table in rowid order beats a seek per row)."""
        blobs = ", ".join(f"CAST(group_concat({expr}, '{'' if kind == 'code' else chr(SEP)}') AS BLOB)"
                          for _, expr, kind in self.columns)  # fmt: skip
        return f"SELECT count(*), {blobs} FROM {self.table} {hint} WHERE {self.where} AND rowid >= ? AND rowid < ?"


# text digits: an integer would be formatted per row by group_concat (6 % of the statement)
CODE = ("CASE direction WHEN 'in' THEN (CASE WHEN auto THEN '1' ELSE '0' END) "
        "WHEN 'out' THEN (CASE WHEN auto THEN '3' ELSE '2' END) ELSE '4' END")
MESSAGES = Sliced("messages", "shop_id = ? AND ts >= ? AND ts < ?", (
    ("buyer", "buyer", "dict"), ("agent", "COALESCE(agent_id, '')", "dict"), ("ts", "ts", "time"), ("", CODE, "code"),
), MSG_TYPES)  # fmt: skip
ORDERS = Sliced("orders", "shop_id = ? AND created_at >= ? AND created_at < ? AND buyer <> ''", (
    ("order_id", "id", "text"), ("buyer", "buyer", "dict"), ("created_at", "created_at", "time"),
    ("paid_at", "COALESCE(paid_at, '')", "time"), ("amount_fen", "COALESCE(amount_fen, '')", "int"),
    ("status", "status", "text"), ("refund_fen", "COALESCE(refund_fen, '')", "int"),
), ORDER_TYPES)  # fmt: skip
DIRECTIONS = pa.array(["in", "out"], pa.string())


class Irregular(Exception):
    """A slice the blob read cannot take exactly (a separator inside a value, an unusual time or direction)."""


def contract_messages(session: Session, shop_id: str, lo: datetime, hi: datetime) -> pa.Table:
    """The shop's messages in [lo, hi) as M.csv's Arrow schema."""
    return _contract(session, MESSAGES, MESSAGE_COLS, MESSAGE_FROM, shop_id, lo, hi)


def contract_orders(session: Session, shop_id: str, lo: datetime, hi: datetime) -> pa.Table:
    """The shop's orders with a buyer created in [lo, hi) as O.csv's Arrow schema, by order id."""
    table = _contract(session, ORDERS, ORDER_COLS, ORDER_FROM, shop_id, lo, hi)
    return table.take(pc.sort_indices(table.column("order_id")))  # as ORDER BY id: bytewise, ids unique


def _contract(session: Session, sliced: Sliced, cols: tuple[tuple[str, str], ...], source: str, shop_id: str,
              lo: datetime, hi: datetime) -> pa.Table:  # fmt: skip
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        try:
            return _sqlite_sliced(conn, sliced, shop_id, _sqlite_time(lo), _sqlite_time(hi))
        except Irregular:
            pass
    return _read(conn, cols, source, shop_id, lo, hi, sliced.types)


def _sqlite_sliced(conn: Connection, sliced: Sliced, shop_id: str, lo: str, hi: str) -> pa.Table:
    """Slices of rowids, each one statement of column blobs, decoded on a second thread as the next is built."""
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    count = f"SELECT count(*) FROM {sliced.table} WHERE shop_id = ? AND rowid >= ? AND rowid < ?"  # the shop index alone
    try:
        first, last = cur.execute(f"SELECT min(rowid), max(rowid) FROM {sliced.table}").fetchone()
        pending: list[Future[pa.RecordBatch]] = []
        with ThreadPoolExecutor(1) as pool:
            for start in range(first or 0, (last or -1) + 1, SLICE_ROWIDS):
                mine = cur.execute(count, (shop_id, start, start + SLICE_ROWIDS)).fetchone()[0]
                if not mine:
                    continue
                hint = "NOT INDEXED" if 2 * mine >= SLICE_ROWIDS else ""
                n, *blobs = cur.execute(sliced.select(hint), (shop_id, lo, hi, start, start + SLICE_ROWIDS)).fetchone()
                if n:
                    pending.append(pool.submit(_slice, sliced, shop_id, n, blobs))
            batches = [f.result() for f in pending]
    finally:
        cur.close()
    return pa.Table.from_batches(batches, pa.schema(sliced.types)) if batches else _empty(sliced.types)


def _slice(sliced: Sliced, shop_id: str, n: int, blobs: list[bytes]) -> pa.RecordBatch:
    """One slice's n rows as blobs → a record batch of the contract's schema."""
    columns: dict[str, pa.Array] = {"shop": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)),
                                                                          pa.array([shop_id], pa.string()))}  # fmt: skip
    for (name, _, kind), blob in zip(sliced.columns, blobs, strict=True):
        if kind == "code":
            code = np.frombuffer(blob, np.uint8) - ord("0")
            if len(code) != n or (code > 3).any():  # a direction other than in / out
                raise Irregular
            columns["direction"] = pa.DictionaryArray.from_arrays(pa.array(code >> 1, pa.int32()), DIRECTIONS)
            columns["auto"] = pa.array(code & 1, pa.int8())
            continue
        values = _texts(blob, n, nullable=kind in ("time", "int"))
        if kind == "dict":
            columns[name] = values.dictionary_encode()
        elif kind == "time":
            columns[name] = _times(values)
        elif kind == "int":
            columns[name] = values.cast(pa.int64())
        else:
            columns[name] = values
    return pa.RecordBatch.from_arrays([columns[c] for c in sliced.types], schema=pa.schema(sliced.types))


def _texts(blob: bytes, n: int, nullable: bool) -> pa.StringArray:
    """n values split by the separator → a string array (empty values null if ``nullable``), separators squeezed out."""
    data = np.frombuffer(blob, np.uint8)
    seps = np.flatnonzero(data == SEP)
    if len(seps) != n - 1:  # a value holds the separator
        raise Irregular
    offsets = np.empty(n + 1, np.int32)
    offsets[0] = 0
    offsets[1:-1] = seps - np.arange(n - 1)  # the value's start once the separators before it are gone
    offsets[-1] = len(data) - (n - 1)
    valid = pa.py_buffer(np.packbits(np.diff(offsets) > 0, bitorder="little")) if nullable else None
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data[data != SEP]), valid)


def _times(values: pa.StringArray) -> pa.Array:
    """Stored times → UTC milliseconds (cut, as the contract's text is); anything but the stored form is irregular."""
    width = pc.utf8_length(values)
    if not pc.all(pc.equal(width, STORED_TIME)).as_py():  # nulls skipped
        raise Irregular
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
