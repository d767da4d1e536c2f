"""A big import into SQLite drops the secondary indexes of its table and rebuilds them in its transaction: same rows,
same indexes, nothing half-stored when the file is refused, re-import adds nothing. PostgreSQL keeps its indexes (a
dropped one would lock the live floor out of the table): the same files give the same rows there."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from kefu.domain.errors import KefuError
from kefu.service.imports import indexes
from kefu.service.imports.actions import import_chats, import_orders
from kefu.store.models.org import Agent

CHATS = (
    "店铺,买家,客服,时间,方向,内容,自动回复\n"
    + "".join(
        f"s1,买家{k % 7},s1:kf01,2026-11-03 10:{k // 60:02d}:{k % 60:02d},{'in' if k % 2 else 'out'},第 {k} 条,0\n"
        for k in range(120)
    )
    + "s1,买家3,s1:kf01,2026-11-03 10:00:03,in,第 3 条,0\n"
)  # a repeat within the file
ORDERS = "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间,店铺名称\n" + "".join(
    f"33000000000000{k:05d},买家{k % 7},{k}.50,交易成功,2026-11-03 10:{k // 60:02d}:{k % 60:02d},"
    f"2026-11-03 11:{k // 60:02d}:{k % 60:02d},s1\n"
    for k in range(90)
)


def _state(session: Session, table: str) -> tuple[list[tuple[object, ...]], list[tuple[str, str]]]:
    """Every row of the table (by its natural order) and its secondary indexes as the database defines them."""
    key = "shop_id, buyer, ts, direction, text" if table == "messages" else "id"
    cols = "shop_id, buyer, agent_id, ts, direction, auto, text" if table == "messages" else "*"
    rows = [tuple(r) for r in session.execute(text(f"SELECT {cols} FROM {table} ORDER BY {key}"))]
    return rows, _indexes(session, table)


def _indexes(session: Session, table: str) -> list[tuple[str, str]]:
    """The table's secondary indexes (SQLite); PostgreSQL's by name only (never dropped there)."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        return indexes.index_statements(conn, table)
    rows = conn.execute(text("SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
                             "WHERE x.indrelid = to_regclass(:t) AND NOT x.indisunique AND NOT x.indisprimary "
                             "ORDER BY c.relname"), {"t": table})  # fmt: skip
    return [(str(n), "") for (n,) in rows]


@pytest.fixture
def bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as big: the small files below take the drop-and-rebuild path."""
    monkeypatch.setattr(indexes, "BULK_ROWS", 1)


@pytest.mark.usefixtures("bulk")
def test_chats_bulk_path_keeps_values_indexes_and_idempotence(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "chats.csv"
    path.write_text(CHATS, encoding="utf-8")
    before = _indexes(session, "messages")
    assert [n for n, _ in before] == ["ix_messages_agent_id", "ix_messages_buyer", "ix_messages_conversation_id",
                                      "ix_messages_shop_id", "ix_messages_ts"]  # fmt: skip
    report = import_chats(session, path)
    assert (report.rows, report.inserted, report.unchanged) == (121, 120, 1)
    rows, after = _state(session, "messages")
    assert after == before
    assert len(rows) == 120 and rows[0][:5] == ("s1", "买家0", "s1:kf01", rows[0][3], "out")
    assert [r[6] for r in rows[:4]] == ["第 0 条", "第 7 条", "第 14 条", "第 21 条"]
    again = import_chats(
        session, path
    )  # the table now holds as many rows as the file: big again, stored ones probed
    assert (again.inserted, again.unchanged) == (0, 121)
    assert _state(session, "messages") == (rows, before)


@pytest.mark.usefixtures("bulk")
def test_big_file_over_part_of_it_already_stored_adds_the_rest(session: Session, tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text(CHATS[: CHATS.index("\n", 2000) + 1], encoding="utf-8")
    path = tmp_path / "chats.csv"
    path.write_text(CHATS, encoding="utf-8")
    part = import_chats(session, first).inserted
    report = import_chats(session, path)
    assert (part, report.inserted, report.unchanged) == (42, 78, 43)
    assert len(_state(session, "messages")[0]) == 120


@pytest.mark.usefixtures("bulk")
def test_refused_chat_file_leaves_rows_and_indexes_as_they_were(session: Session, tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text(CHATS[: CHATS.index("\n", 2000) + 1], encoding="utf-8")
    import_chats(session, good)
    session.commit()
    before = _state(session, "messages")
    session.add(Agent(id="s1:kf01", name="kf01"))
    session.commit()
    bad = tmp_path / "bad.csv"
    bad.write_text(CHATS + "s1,买家9,s1:ghost,2026-11-03 12:00:00,in,hi,0\n", encoding="utf-8")
    with pytest.raises(KefuError):
        import_chats(session, bad)
    session.rollback()
    assert _state(session, "messages") == before


@pytest.mark.usefixtures("bulk")
def test_orders_keep_their_indexes_and_a_refused_file_stores_nothing(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    before = _indexes(session, "orders")
    assert [n for n, _ in before] == ["ix_orders_buyer", "ix_orders_created_at", "ix_orders_shop_id"]
    report = import_orders(session, path)
    assert (report.rows, report.inserted) == (90, 90)
    session.commit()
    state = _state(session, "orders")
    assert state[1] == before and len(state[0]) == 90
    assert (import_orders(session, path).unchanged, _state(session, "orders")) == (90, state)
    session.commit()
    bad = tmp_path / "bad.csv"
    bad.write_text(ORDERS.replace("交易成功", "已签收", 1).replace(",0.50,", ",9.50,"), encoding="utf-8")
    with pytest.raises(KefuError):
        import_orders(session, bad)
    session.rollback()
    assert _state(session, "orders") == state


def test_small_file_beside_a_big_table_keeps_the_indexes(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    if session.connection().dialect.name != "sqlite":
        pytest.skip("PostgreSQL never drops an index during an import")
    monkeypatch.setattr(indexes, "BULK_ROWS", 100)
    deferred = indexes.DeferredIndexes(session, "messages", keep=("ix_messages_ts",))
    assert deferred.consider(99) is False
    assert deferred.consider(10_000) is False  # decided once, before the first write
    fresh = indexes.DeferredIndexes(session, "messages", keep=("ix_messages_ts",))
    assert fresh.consider(100) is True
    assert [n for n, _ in indexes.index_statements(session.connection(), "messages")] == ["ix_messages_ts"]
    fresh.rebuild()
    assert len(indexes.index_statements(session.connection(), "messages")) == 5
