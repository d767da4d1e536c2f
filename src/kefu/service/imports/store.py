"""The imports area's statements: upsert orders and items, insert messages, link buyer-less orders, shop aliases, calls.

Each writer takes one staged batch (``bulk.load``) and answers how many rows it
inserted, updated and left unchanged, so re-importing a file reports "unchanged"
for every row and changes nothing (orders keyed by 订单编号, items by order and
line, messages by their natural key shop, buyer, agent, time, direction, text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kefu.service.imports.bulk import Stage, dialect, load, same
from kefu.service.imports.schemas import Counts
from kefu.store.models.commerce import Order
from kefu.store.models.live import Message
from kefu.store.models.org import Agent, Shop, ShopAlias
from kefu.store.models.phone import CallRecord

ORDER_STAGE = Stage("imp_orders", (
    ("id", "VARCHAR(64)"), ("shop_id", "VARCHAR(64)"), ("buyer", "VARCHAR(128)"), ("created_at", "TIMESTAMPTZ"),
    ("paid_at", "TIMESTAMPTZ"), ("amount_fen", "BIGINT"), ("status", "VARCHAR(32)"), ("refund_fen", "BIGINT"),
    ("title", "VARCHAR(500)"), ("quantity", "INTEGER"), ("memo", "TEXT"), ("flag", "VARCHAR(16)"),
    ("phone", "VARCHAR(32)"), ("address", "TEXT"), ("platform", "VARCHAR(16)"),
))  # fmt: skip
ITEM_STAGE = Stage("imp_items", (
    ("row_no", "BIGINT"), ("order_id", "VARCHAR(64)"), ("line", "VARCHAR(64)"), ("title", "VARCHAR(500)"),
    ("price_fen", "BIGINT"), ("quantity", "INTEGER"), ("outer_id", "VARCHAR(128)"), ("props", "TEXT"),
    ("package", "VARCHAR(200)"), ("memo", "TEXT"), ("status", "VARCHAR(32)"), ("sku", "VARCHAR(128)"),
))  # fmt: skip
MESSAGE_STAGE = Stage("imp_messages", (
    ("shop_id", "VARCHAR(64)"), ("buyer", "VARCHAR(128)"), ("agent_id", "VARCHAR(64)"), ("ts", "TIMESTAMPTZ"),
    ("direction", "VARCHAR(3)"), ("auto", "BOOLEAN"), ("bot", "BOOLEAN"), ("text", "TEXT"),
))  # fmt: skip
ORDER_ID = re.compile(r"\d[\d-]{8,}\d")  # 订单号 as pasted in chats: Taobao/JD/Douyin digits, PDD 230101-…
LINK_WINDOW = timedelta(days=30)


def _upsert(session: Session, stage: Stage, target: str, keys: tuple[str, ...], rows: pa.Table,
            keep: tuple[str, ...] = ()) -> Counts:  # fmt: skip
    """Rows → target keyed by ``keys``: update rows that differ, insert absent ones, in one statement.

    A ``keep`` column never overwrites a stored value with '' (a file without buyers keeps
    the buyer an order was linked to). The batch is staged, then one ``INSERT … SELECT …
    ON CONFLICT DO UPDATE … WHERE <differs>`` probes the key per row (never a join the
    planner might turn into a scan of the target; on SQLite a fifth cheaper than an
    executemany of the upsert, which opens the target's cursors per row). The counts:
    PostgreSQL's ``RETURNING (xmax = 0)`` tells inserted rows from updated ones; on SQLite
    the inserted rows are those past the target's largest rowid before the statement.
    """
    if not len(rows):
        return Counts()
    db = dialect(session)
    conn = session.connection()
    fields = [c for c in stage.names if c not in keys and c != "row_no"]
    cols = [*keys, *fields]
    new = {c: f"CASE WHEN excluded.{c} = '' THEN {target}.{c} ELSE excluded.{c} END" if c in keep else f"excluded.{c}"
           for c in fields}  # fmt: skip
    differs = " OR ".join(f"NOT ({same(f'{target}.{c}', new[c], db)})" for c in fields)
    upsert = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(f'{c} = {new[c]}' for c in fields)} WHERE {differs}"
    names = ", ".join(cols)
    load(session, stage, rows)
    insert = f"INSERT INTO {target} ({names}) SELECT {names} FROM {stage.name} WHERE true {upsert}"
    if db == "sqlite":
        before = conn.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {target}").scalar_one()
        changed = conn.exec_driver_sql(insert).rowcount
        inserted = conn.exec_driver_sql(f"SELECT count(*) FROM {target} WHERE rowid > ?", (before,)).scalar_one()
    else:
        inserted, changed = conn.exec_driver_sql(
            f"WITH up AS ({insert} RETURNING (xmax = 0) AS fresh) SELECT count(*) FILTER (WHERE fresh), count(*) FROM up"
        ).one()
    return Counts(inserted, changed - inserted, len(rows) - changed)


def upsert_orders(session: Session, orders: pa.Table) -> Counts:
    """Orders keyed by 订单编号; an empty buyer (Qianniu, PDD, Douyin files) keeps a buyer linked earlier."""
    return _upsert(session, ORDER_STAGE, "orders", ("id",), orders.select(ORDER_STAGE.names), keep=("buyer",))


def missing_orders(session: Session, items: pa.Table) -> list[int]:
    """Sheet rows of items whose order is not in the database (import the order export first)."""
    load(session, ITEM_STAGE, items.select(ITEM_STAGE.names))
    rows = session.connection().exec_driver_sql(
        "SELECT t.row_no FROM imp_items t WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = t.order_id) "
        "ORDER BY t.row_no"
    )
    return [int(r) for (r,) in rows]


def upsert_items(session: Session, items: pa.Table) -> Counts:
    """Order lines keyed by (order, line)."""
    return _upsert(session, ITEM_STAGE, "order_items", ("order_id", "line"), items.select(ITEM_STAGE.names))


def insert_messages(session: Session, messages: pa.Table) -> Counts:
    """Messages not already stored (same shop, buyer, agent, time, direction, text); repeats count unchanged.

    The batch is staged, then one anti-join insert probes ``messages.ts`` per staged row
    (opening the target's cursors once: an executemany of the same statement pays that per
    row, three times slower on SQLite). On PostgreSQL the other columns are compared as one
    row value (``IS NOT DISTINCT FROM`` uses no index), so the probe cannot take the index on
    ``shop_id`` — one shop's every message per probe, which the planner picks while the
    table's statistics say it is empty — and hash and merge joins are off for the statement,
    which would read all of messages per batch.
    """
    keys = ["shop_id", "buyer", "agent_id", "ts", "direction", "text"]
    unique = messages.group_by(keys, use_threads=False).aggregate([("auto", "max"), ("bot", "max")])
    # staged in time order: the probes and the inserts into the ts index walk its pages in order
    unique = unique.rename_columns({"auto_max": "auto", "bot_max": "bot"}).sort_by("ts")
    load(session, MESSAGE_STAGE, unique)
    conn = session.connection()
    cols = ", ".join(MESSAGE_STAGE.names)
    if dialect(session) == "sqlite":
        absent = ("NOT EXISTS (SELECT 1 FROM messages m INDEXED BY ix_messages_ts WHERE m.ts = t.ts "
                  "AND m.buyer = t.buyer AND m.shop_id = t.shop_id AND m.agent_id IS t.agent_id "
                  "AND m.direction = t.direction AND m.text = t.text)")  # fmt: skip
        inserted = conn.exec_driver_sql(f"INSERT INTO messages ({cols}) SELECT {cols} FROM imp_messages t WHERE {absent}")
        return Counts(inserted.rowcount, 0, len(messages) - inserted.rowcount)
    rest = ("buyer", "shop_id", "agent_id", "direction", "text")
    absent = (f"NOT EXISTS (SELECT 1 FROM messages m WHERE m.ts = t.ts AND ({', '.join(f'm.{c}' for c in rest)}) "
              f"IS NOT DISTINCT FROM ({', '.join(f't.{c}' for c in rest)}))")  # fmt: skip
    conn.exec_driver_sql("SET LOCAL enable_hashjoin = off")
    conn.exec_driver_sql("SET LOCAL enable_mergejoin = off")
    inserted = conn.exec_driver_sql(f"INSERT INTO messages ({cols}) SELECT {cols} FROM imp_messages t WHERE {absent}")
    conn.exec_driver_sql("RESET enable_hashjoin")
    conn.exec_driver_sql("RESET enable_mergejoin")
    return Counts(inserted.rowcount, 0, len(messages) - inserted.rowcount)


BIG_STAGE = Stage("imp_messages_all", MESSAGE_STAGE.columns)


@dataclass
class StagedMessages:
    """A big chat file gathered unindexed (``stage_messages``), written once at its end (``insert_staged_messages``)."""

    rows: int = 0
    lo: datetime | None = None
    hi: datetime | None = None


def stage_messages(session: Session, staged: StagedMessages, messages: pa.Table) -> None:
    """Add a batch to the file's stage as read: no sort, no dedup, no probe until every batch is in."""
    load(session, BIG_STAGE, messages.select(MESSAGE_STAGE.names), append=staged.rows > 0)
    lo, hi = pc.min_max(messages.column("ts")).values()
    staged.lo = min(filter(None, (staged.lo, lo.as_py())), default=None)
    staged.hi = max(filter(None, (staged.hi, hi.as_py())), default=None)
    staged.rows += len(messages)


def insert_staged_messages(session: Session, staged: StagedMessages) -> Counts:
    """The staged file's messages not already stored, deduplicated and written in time order by one statement.

    One sort of the whole file (GROUP BY on the natural key, time first) removes its
    repeats and hands the rows over in time order, so the table's time index is appended
    to, not written all over. The ORDER BY names the GROUP BY's own keys, so SQLite's
    group sorter is the only sort (an ``ORDER BY ts`` over a grouped subquery was a second
    external sort of the whole file: 0.7 of the statement's 2.7 CPU-s per 1 M messages).
    The probe for stored copies runs only when stored messages fall within the file's time
    span (a shop's new month has none). SQLite only: a file is staged whole only where its
    indexes are dropped (``indexes.DeferredIndexes``).
    """
    if not staged.rows:
        return Counts()
    conn = session.connection()
    overlap = session.scalar(select(Message.id).where(Message.ts >= staged.lo, Message.ts <= staged.hi).limit(1))
    keys = "ts, shop_id, buyer, agent_id, direction, text"
    t = BIG_STAGE.name
    fresh = "" if overlap is None else (
        f" HAVING NOT EXISTS (SELECT 1 FROM messages m INDEXED BY ix_messages_ts WHERE m.ts = {t}.ts "
        f"AND m.buyer = {t}.buyer AND m.shop_id = {t}.shop_id AND m.agent_id IS {t}.agent_id "
        f"AND m.direction = {t}.direction AND m.text = {t}.text)")  # fmt: skip
    conn.exec_driver_sql("PRAGMA threads = 2")  # the sorter's helper threads
    inserted = conn.exec_driver_sql(
        f"INSERT INTO messages ({', '.join(MESSAGE_STAGE.names)}) SELECT shop_id, buyer, agent_id, ts, direction, "
        f"max(auto), max(bot), text FROM {t} GROUP BY {keys}{fresh} ORDER BY {keys}")
    return Counts(inserted.rowcount, 0, staged.rows - inserted.rowcount)


def link_orders(session: Session, shops: Iterable[str], only: list[str] | None = None) -> tuple[int, list[str]]:
    """Buyer-less orders of these shops (or just ``only``) → the buyer whose conversation mentions the order number.

    Returns (linked, order ids still without a buyer). Messages within 30 days of the
    orders are searched; a number mentioned in two buyers' conversations stays unlinked.
    """
    shop_list = sorted(set(shops))
    pending = select(Order.id, Order.shop_id, Order.created_at).where(Order.shop_id.in_(shop_list), Order.buyer == "")
    wanted = set(only) if only is not None else None
    open_ids = {oid: (shop, created) for oid, shop, created in session.execute(pending)
                if wanted is None or oid in wanted}  # fmt: skip
    if not open_ids:
        return 0, []
    lo = min(c for _, c in open_ids.values()) - LINK_WINDOW
    hi = max(c for _, c in open_ids.values()) + LINK_WINDOW
    q = select(Message.shop_id, Message.buyer, Message.text).where(
        Message.shop_id.in_(shop_list), Message.ts >= lo, Message.ts <= hi
    )
    found: dict[str, set[str]] = {}
    for shop_id, buyer, text in session.execute(q.execution_options(yield_per=10_000)):
        for oid in ORDER_ID.findall(text or ""):
            if oid in open_ids and open_ids[oid][0] == shop_id:
                found.setdefault(oid, set()).add(buyer)
    linked = 0
    for oid, buyers in sorted(found.items()):
        if len(buyers) == 1:
            session.execute(update(Order).where(Order.id == oid).values(buyer=next(iter(buyers))))
            linked += 1
    session.flush()
    return linked, sorted(oid for oid in open_ids if len(found.get(oid, ())) != 1)


def shop_alias_map(session: Session) -> dict[str, str]:
    """Every name a shop goes by → its id: its id, its name and its configured aliases."""
    out: dict[str, str] = {}
    for sid, name in session.execute(select(Shop.id, Shop.name)):
        out[sid] = sid
        out.setdefault(name, sid)
    for alias, sid in session.execute(select(ShopAlias.alias, ShopAlias.shop_id)):
        out[alias] = sid
    return out


def aliases_of(session: Session, shop_id: str) -> list[str]:
    return list(session.scalars(select(ShopAlias.alias).where(ShopAlias.shop_id == shop_id).order_by(ShopAlias.alias)))


def replace_aliases(session: Session, shop_id: str, aliases: list[str]) -> None:
    session.execute(delete(ShopAlias).where(ShopAlias.shop_id == shop_id))
    session.execute(delete(ShopAlias).where(ShopAlias.alias.in_(aliases)))
    session.add_all(ShopAlias(alias=a, shop_id=shop_id) for a in aliases)
    session.flush()


def shop_exists(session: Session, shop_id: str) -> bool:
    return session.get(Shop, shop_id) is not None


@dataclass
class AgentDirectory:
    """Agent ids, and the names that stand for them (a sub-account name unique in its shop, or overall)."""

    ids: set[str]
    by_shop_name: dict[tuple[str, str], str]
    by_name: dict[str, str]

    @property
    def empty(self) -> bool:
        return not self.ids

    def resolve(self, shop_id: str, name: str) -> str | None:
        if name in self.ids:
            return name
        return self.by_shop_name.get((shop_id, name)) or self.by_name.get(name)


def agent_directory(session: Session) -> AgentDirectory:
    rows = session.execute(select(Agent.id, Agent.shop_id, Agent.name)).all()
    shop_names: dict[tuple[str, str], list[str]] = {}
    names: dict[str, list[str]] = {}
    for aid, sid, name in rows:
        shop_names.setdefault((sid or "", name), []).append(aid)
        names.setdefault(name, []).append(aid)
    return AgentDirectory(
        {aid for aid, _, _ in rows},
        {k: v[0] for k, v in shop_names.items() if len(v) == 1},
        {k: v[0] for k, v in names.items() if len(v) == 1},
    )


CALL_STAGE = Stage("imp_calls", (
    ("shop_id", "VARCHAR(64)"), ("caller", "VARCHAR(32)"), ("callee", "VARCHAR(32)"), ("started_at", "TIMESTAMPTZ"),
    ("direction", "VARCHAR(3)"), ("answered_at", "TIMESTAMPTZ"), ("ended_at", "TIMESTAMPTZ"), ("talk_s", "INTEGER"),
    ("agent_id", "VARCHAR(64)"), ("recording", "TEXT"),
))  # fmt: skip


def upsert_calls(session: Session, calls: pa.Table) -> Counts:
    """Call records keyed by (shop, caller, callee, start)."""
    keys = ("shop_id", "caller", "callee", "started_at")
    return _upsert(session, CALL_STAGE, "call_records", keys, calls.select(CALL_STAGE.names))


def calls_between(session: Session, start: datetime, end: datetime,
                  shop_id: str | None = None) -> list[tuple[str | None, str, datetime, datetime | None, int]]:  # fmt: skip
    """(agent, direction, started_at, answered_at, talk_s) of the calls started in [start, end)."""
    q = select(CallRecord.agent_id, CallRecord.direction, CallRecord.started_at, CallRecord.answered_at,
               CallRecord.talk_s).where(CallRecord.started_at >= start, CallRecord.started_at < end)  # fmt: skip
    if shop_id:
        q = q.where(CallRecord.shop_id == shop_id)
    return [tuple(r) for r in session.execute(q)]  # type: ignore[misc]


def buyerless_orders(session: Session, shop_id: str, start: datetime, end: datetime) -> int:
    """Orders created in [start, end) still without a buyer: neither credited nor silent."""
    return int(session.scalar(select(func.count()).select_from(Order).where(
        Order.shop_id == shop_id, Order.created_at >= start, Order.created_at < end, Order.buyer == "")) or 0)  # fmt: skip
