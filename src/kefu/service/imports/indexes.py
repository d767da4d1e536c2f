"""A big import writes its table with the secondary indexes dropped and rebuilds them once, in its transaction.

Why: inserting millions of rows one by one into five B-trees stops being linear once
those indexes outgrow the page cache (the 20 M-message SQLite import went super-linear
past ~6 M rows: each insert re-read evicted index pages). Building an index over rows
already stored is a sort, done once. The drop and the rebuild are statements of the
import's own transaction (SQLite's DDL is transactional), so a file
that is refused leaves the table and its indexes exactly as they were. The indexes a
writer needs while it writes (the key its dedup probes) are kept.

SQLite only. There an import's transaction is already the one writer, and readers keep
reading their WAL snapshot (indexes included) until it commits. On PostgreSQL a dropped
index holds the table's ACCESS EXCLUSIVE lock until the commit: the live floor's reads and
inserts of ``messages`` (and the workers' of ``orders``) would wait minutes behind a big
import, for 20 % less import CPU (1 M messages 11.6 against 14.8 CPU-s) — not worth it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection
from sqlalchemy.orm import Session

# a file at least this big (estimated rows), and at least BULK_SHARE of the rows already stored, is written without
# the secondary indexes. SQLite: below a few million rows inserting into the indexes costs no more than rebuilding
# them (1 M messages: 12.0 against 12.9 CPU-s); past ~6 M it stops being linear.
BULK_ROWS = 2_000_000
BULK_SHARE = 0.5


@dataclass
class DeferredIndexes:
    """The secondary indexes of ``table`` (but ``keep``), dropped by ``consider`` for a big file, rebuilt by ``rebuild``."""

    session: Session
    table: str
    keep: tuple[str, ...] = ()
    decided: bool = False
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (name, CREATE INDEX statement)

    def consider(self, file_rows: int) -> bool:
        """Once, before the first write: drop the indexes when the file (estimated rows) is big beside the table."""
        if self.decided:
            return bool(self.dropped)
        self.decided = True
        conn = self.session.connection()
        if conn.dialect.name != "sqlite" or file_rows < BULK_ROWS:  # SQLite only: see the module docstring
            return False
        if file_rows < BULK_SHARE * stored_rows(conn, self.table):
            return False
        self.dropped = [(n, sql) for n, sql in index_statements(conn, self.table) if n not in self.keep]
        for name, _ in self.dropped:
            conn.exec_driver_sql(f"DROP INDEX {name}")
        return bool(self.dropped)

    def rebuild(self) -> None:
        """Create the dropped indexes again over the table's rows (a sort each, not one insert per row)."""
        if not self.dropped:
            return
        conn = self.session.connection()
        conn.exec_driver_sql("PRAGMA threads = 2")  # the sorter's helper threads
        for _, sql in self.dropped:
            conn.exec_driver_sql(sql)
        self.dropped = []


def stored_rows(conn: Connection, table: str) -> int:
    """About how many rows ``table`` holds, cheaply: its largest rowid."""
    return int(conn.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {table}").scalar_one())


def index_statements(conn: Connection, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX …) of the table's indexes as SQLite holds them, primary and unique keys excepted."""
    rows = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL "
        "AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
        (table,),
    )
    return [(str(n), str(s)) for n, s in rows]
