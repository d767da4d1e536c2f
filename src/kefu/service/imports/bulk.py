"""Stage an Arrow batch in a temporary table of the import's transaction: executemany on SQLite, COPY on PostgreSQL.

Why a staging table: the upserts that follow are a handful of set-based statements
(join, update-where-different, insert-where-absent) instead of one round trip per row,
and they are the same SQL on both databases. Loading the stage is the only part that
differs: SQLite takes one ``executemany`` (a C loop), PostgreSQL a ``COPY … FROM STDIN``
fed by Arrow's CSV writer, both without a Python object per cell beyond what the
driver needs. The stage lives in the import's transaction, so a refused file leaves
nothing behind.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy.orm import Session

SQLITE_CACHE_KB = 128 * 1024  # page cache of an import's connection: a month's indexes without thrashing
SQLITE_TEMP_CACHE_KB = 64 * 1024  # the stages' page cache: a batch stays in memory, a whole big file spills to disk
SPILL_BYTES = 100 << 20  # a file this big may be staged whole (2 M rows are more than this in any layout)
AHEAD = 2  # batches read and cleaned ahead of the one being written
T = TypeVar("T")


@dataclass(frozen=True)
class Stage:
    """A temporary table: its name and its (column, SQL type) pairs."""

    name: str
    columns: tuple[tuple[str, str], ...]

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def same(a: str, b: str, db: str) -> str:
    """Null-safe equality in the database's own words."""
    return f"{a} IS NOT DISTINCT FROM {b}" if db == "postgresql" else f"{a} IS {b}"


def load(session: Session, stage: Stage, table: pa.Table, append: bool = False) -> None:
    """Replace the stage's rows with ``table`` (columns by the stage's names), or add them (``append``)."""
    conn = session.connection()
    db = conn.dialect.name
    cols = ", ".join(f"{c} {t}" for c, t in stage.columns)
    temp = "TEMP TABLE IF NOT EXISTS"
    conn.exec_driver_sql(f"CREATE {temp} {stage.name} ({cols})" + (" ON COMMIT DROP" if db == "postgresql" else ""))
    if not append:  # PostgreSQL: TRUNCATE, not DELETE, or each batch's dead rows stay in the stage and are scanned again
        conn.exec_driver_sql(f"{'TRUNCATE' if db == 'postgresql' else 'DELETE FROM'} {stage.name}")
    if not len(table):
        return
    table = table.select(stage.names)
    names = ", ".join(stage.names)
    if db == "postgresql":
        buf = io.BytesIO()
        pacsv.write_csv(utc_text(table), buf, pacsv.WriteOptions(include_header=False))
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {stage.name} ({names}) FROM STDIN (FORMAT csv)") as copy:  # type: ignore[union-attr]
            copy.write(buf.getbuffer())
        return
    marks = ", ".join("?" * len(stage.names))
    conn.exec_driver_sql(f"INSERT INTO {stage.name} ({names}) VALUES ({marks})", sqlite_rows(table))


def utc_text(table: pa.Table) -> pa.Table:
    """Times as UTC text with an explicit zone ('2026-11-03 02:00:00.000000+00'), for COPY's CSV.

    Arrow's CSV writer formats a zoned timestamp twenty times slower than a cast of the
    zone-less one to text (0.6 against 0.03 CPU-s per 200 000 orders): it was a quarter
    of the client's time of a PostgreSQL import.
    """
    for i, column in enumerate(table.columns):
        if pa.types.is_timestamp(column.type):
            as_text = pc.cast(pc.cast(column, pa.timestamp("us")), pa.string())
            table = table.set_column(i, table.column_names[i], pc.binary_join_element_wise(as_text, "+00", ""))
    return table


def sqlite_rows(table: pa.Table) -> list[tuple[object, ...]]:
    """Rows as SQLite takes them: UTC times as SQLAlchemy's SQLite text ('2026-11-03 02:00:00.000000'), bools 0/1.

    Casting a zone-less timestamp to text is Arrow's fast path (strftime is twenty times slower);
    numpy's ``tolist`` makes the Python objects several times faster than ``to_pylist`` (integer
    columns with nulls excepted: numpy would turn them into floats).
    """
    lists = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type):
            column = pc.cast(pc.cast(column, pa.timestamp("us")), pa.string())
        elif pa.types.is_boolean(column.type):
            column = pc.cast(column, pa.int8())
        numeric = pa.types.is_integer(column.type) or pa.types.is_floating(column.type)
        if numeric and column.null_count:
            lists.append(column.to_pylist())
        else:
            lists.append(column.to_numpy(zero_copy_only=False).tolist())
    return list(zip(*lists, strict=True))


@contextmanager
def all_or_nothing(session: Session, spill: bool = False) -> Iterator[None]:
    """A savepoint around one import: anything it wrote is undone if it raises, whatever the caller does next.

    pysqlite opens its transaction lazily, on the first write; a SAVEPOINT issued before
    that would itself become the outer transaction, and releasing it would commit. So on
    SQLite the real transaction is begun first.
    """
    conn = session.connection()
    if conn.dialect.name == "sqlite" and not conn.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        # a big file's stage (millions of rows) goes to a temporary file, not memory; a batch's stage is faster in memory
        conn.exec_driver_sql(f"PRAGMA temp_store = {'FILE' if spill else 'MEMORY'}")
        conn.exec_driver_sql("BEGIN")
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")  # index pages stay in memory, not re-read
        conn.exec_driver_sql(f"PRAGMA temp.cache_size = -{SQLITE_TEMP_CACHE_KB}")  # a batch's stage stays in memory
    nested = session.begin_nested()
    try:
        yield
    except BaseException:
        nested.rollback()
        raise
    nested.commit()


def ahead(items: Iterable[T], depth: int = AHEAD) -> Iterator[T]:
    """``items`` produced on a thread of their own, at most ``depth`` ahead of the consumer.

    Why: reading and cleaning a batch (Arrow, the codecs) and writing the one before (the
    database driver) each spend most of their time outside the GIL, so on two cores they
    overlap; memory stays bounded by ``depth`` batches. The producer's exception is raised
    in the consumer; a consumer that stops early stops the producer.
    """
    box: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, object]) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as exc:  # handed to the consumer, raised there
            put(("error", exc))

    worker = threading.Thread(target=work, name="import-reader", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "end":
                return
            if kind == "error":
                raise value  # type: ignore[misc]
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
