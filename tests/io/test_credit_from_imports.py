"""Credit over imported data: simulator files imported, credited from the database = the CSV-contract path, byte for byte.

The range given to the database path covers every day of the data (the CSV path credits
whole files), so the two runs see the same orders and messages.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from kefu.cli import app
from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.imports.actions import import_chats, import_orders
from kefu.service.imports.credit_run import credit_shop_range
from kefu.sim.export import export_benchmark
from kefu.store.db import session_factory
from kefu.store.models.commerce import Order
from kefu.store.models.live import Message

FILES = ("order_credit.csv", "agent_day.csv", "shop_day.csv", "evidence.csv", "provisional.csv")
START = date(2026, 11, 1)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Simulated M.csv / O.csv and the CSV-contract path's output files."""
    folder = tmp_path_factory.mktemp("sim")
    messages, orders = export_benchmark(400, 4000, folder, seed=3, fmt="csv", start=START, days=10)
    out = folder / "csv-out"
    result = CliRunner().invoke(app, ["credit", "run", "--messages", str(messages), "--orders", str(orders),
                                      "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    return messages, orders, out


def test_database_path_equals_the_csv_contract_path(engine: Engine, sim: tuple[Path, Path, Path],
                                                    tmp_path: Path) -> None:  # fmt: skip
    messages, orders, csv_out = sim
    with session_factory(engine)() as session, session.begin():
        assert import_orders(session, orders).layout == "kefu"
        assert import_chats(session, messages).inserted == 4000
    with session_factory(engine)() as session, session.begin():
        shops = sorted({o.shop_id for o in session.query(Order)})
        stamps = [o.created_at for o in session.query(Order)] + [m.ts for m in session.query(Message)]
        days = sorted(t.astimezone(SHOP_TZ).date() for t in stamps)
        assert len(shops) == 1
        done = credit_shop_range(session, shops[0], days[0], days[-1], tmp_path / "db-out")
    assert (done.orders, done.unlinked) == (400, 0)
    for name in FILES:
        assert (tmp_path / "db-out" / name).read_bytes() == (csv_out / name).read_bytes(), name


def test_range_keeps_only_its_orders_and_days(session: Session, sim: tuple[Path, Path, Path], tmp_path: Path) -> None:
    messages, orders, _ = sim
    import_orders(session, orders)
    import_chats(session, messages)
    shop = session.query(Order.shop_id).first()[0]
    done = credit_shop_range(session, shop, date(2026, 11, 3), date(2026, 11, 3), tmp_path / "one-day")
    days = (tmp_path / "one-day" / "agent_day.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert {line.split(",")[1] for line in days} == {"2026-11-03"}
    wanted = sum(1 for o in session.query(Order) if o.created_at.astimezone(SHOP_TZ).date() == date(2026, 11, 3))
    assert done.orders == wanted
    with pytest.raises(KefuError) as info:
        credit_shop_range(session, shop, date(2026, 11, 4), date(2026, 11, 3), tmp_path / "bad")
    assert info.value.code == ErrorCode.BAD_ARGUMENT


def test_cli_imports_then_credits_from_the_database(sim: tuple[Path, Path, Path], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from kefu.config import get_settings

    messages, orders, csv_out = sim
    monkeypatch.setenv("KEFU_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        for args in (["import", "orders", str(orders)], ["import", "chats", str(messages)]):
            result = runner.invoke(app, args)
            assert result.exit_code == 0, result.output
            assert result.output.strip().splitlines()[-1].endswith("rejected 0")
        result = runner.invoke(app, ["credit", "run", "--shop", "shop01", "--from", "2026-11-01", "--to", "2026-11-30",
                                     "--out", str(tmp_path / "out")])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert result.output.startswith("orders=400 ") and "unlinked=0" in result.output
        assert (tmp_path / "out" / "order_credit.csv").read_bytes() == (csv_out / "order_credit.csv").read_bytes()
        mixed = runner.invoke(app, ["credit", "run", "--shop", "shop01", "--from", "2026-11-01", "--to", "2026-11-30",
                                    "--messages", str(messages), "--out", str(tmp_path / "x")])  # fmt: skip
        half = runner.invoke(app, ["credit", "run", "--shop", "shop01", "--out", str(tmp_path / "x")])
        for refused in (mixed, half):  # the console entry point turns these into both languages and exit 2
            assert isinstance(refused.exception, KefuError) and refused.exception.code == ErrorCode.BAD_ARGUMENT
    finally:
        get_settings.cache_clear()


def test_performance_pages_read_the_same_figures(session: Session, sim: tuple[Path, Path, Path]) -> None:
    """The month run behind the performance pages and ``credit run --shop`` agree on every agent-day."""
    from kefu.service.credit.actions import run_month
    from kefu.service.imports.credit_run import shop_range_result

    messages, orders, _ = sim
    import_orders(session, orders)
    import_chats(session, messages)
    shop = session.query(Order.shop_id).first()[0]
    pages = run_month(session, "2026-11", shop, store_credit=False).agent_day
    ours, _ = shop_range_result(session, shop, date(2026, 11, 1), date(2026, 11, 30))
    files = ours.agent_day[ours.agent_day["agent"] != ""].reset_index(drop=True)
    assert len(pages) == len(files) > 0
    assert pages.astype(str).equals(files[list(pages.columns)].astype(str))


def test_names_with_separators_and_line_breaks_read_back(session: Session) -> None:
    """Buyer names holding the fast read's field separator or a line break fall back to the quoted read, unchanged."""
    from kefu.service.imports.readback import contract_messages

    names = ["plain", "with\x1fseparator", "two\nlines", 'quote",comma']
    at = datetime(2026, 11, 3, 2, 0, 0, 123456, tzinfo=UTC)
    session.add_all(Message(shop_id="s1", buyer=b, agent_id=None, ts=at, direction="in", text="") for b in names)
    session.add(Message(shop_id="s2", buyer="other shop", agent_id="a", ts=at, direction="out", auto=True, text=""))
    session.flush()
    table = contract_messages(session, "s1", datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC))
    assert sorted(table.column("buyer").to_pylist()) == sorted(names)
    assert set(table.column("agent").to_pylist()) == {""}
    assert table.column("ts").to_pylist() == [datetime(2026, 11, 3, 2, 0, 0, 123000, tzinfo=UTC)] * 4
    assert contract_messages(session, "s2", at, at).num_rows == 0
    plain = contract_messages(session, "s2", datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC))
    assert (plain.column("buyer").to_pylist(), plain.column("agent").to_pylist(), plain.column("auto").to_pylist(),
            plain.column("direction").to_pylist()) == (["other shop"], ["a"], [1], ["out"])  # fmt: skip


def test_sliced_read_equals_the_line_read(session: Session, sim: tuple[Path, Path, Path],
                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """SQLite's column blobs, over slices the shop fills wholly, partly or not at all, give the lines' table."""
    from kefu.service.imports import readback

    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the sliced read is SQLite's")
    messages, orders, _ = sim
    import_chats(session, messages)
    session.add_all(Message(shop_id="other", buyer=f"b{i}", agent_id=None, ts=datetime(2026, 11, 3, tzinfo=UTC),
                            direction="in", text="") for i in range(50))  # fmt: skip
    session.flush()
    shop = session.query(Message.shop_id).filter(Message.shop_id != "other").first()[0]
    lo, hi = datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 6, tzinfo=UTC)
    monkeypatch.setattr(readback, "SLICE_ROWIDS", 97)
    sliced = readback.contract_messages(session, shop, lo, hi)
    lines = readback._read(session.connection(), readback.MESSAGE_COLS, readback.MESSAGE_FROM, shop, lo, hi,
                           readback.MSG_TYPES)  # fmt: skip
    assert sliced.num_rows == lines.num_rows > 1000
    assert sliced.schema == lines.schema

    def rows(table: pa.Table) -> list[tuple[object, ...]]:
        return sorted(tuple(r.values()) for r in table.to_pylist())

    assert rows(sliced) == rows(lines)


def test_irregular_rows_fall_back_to_the_line_read(session: Session) -> None:
    """A direction other than in/out or a time stored in another form is read as the lines read it."""
    from kefu.service.imports.readback import contract_messages

    at = datetime(2026, 11, 3, 2, 0, 0, 500000, tzinfo=UTC)
    session.add(Message(shop_id="s1", buyer="b", agent_id="a", ts=at, direction="in", auto=True, text=""))
    session.add(Message(shop_id="s2", buyer="b", agent_id="a", ts=at, direction="in", text=""))
    session.add(Message(shop_id="s3", buyer="b", agent_id="a", ts=at, direction="in", text=""))
    session.flush()
    conn = session.connection()
    conn.exec_driver_sql("UPDATE messages SET direction = 'oot' WHERE shop_id = 's2'")
    if conn.dialect.name == "sqlite":  # a time written by hand, without microseconds
        conn.exec_driver_sql("UPDATE messages SET ts = '2026-11-03 02:00:00' WHERE shop_id = 's3'")
    lo, hi = datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC)
    one, odd, hand = (contract_messages(session, s, lo, hi).to_pylist() for s in ("s1", "s2", "s3"))
    row = {"shop": "s1", "buyer": "b", "agent": "a", "ts": datetime(2026, 11, 3, 2, 0, 0, 500000, tzinfo=UTC),
           "direction": "in", "auto": 1}  # fmt: skip
    assert one == [row]
    assert odd == [{**row, "shop": "s2", "direction": "oot", "auto": 0}]
    stamp = datetime(2026, 11, 3, 2, tzinfo=UTC) if conn.dialect.name == "sqlite" else row["ts"]
    assert hand == [{**row, "shop": "s3", "ts": stamp, "auto": 0}]


def test_a_later_import_is_seen_by_the_next_run(engine: Engine, sim: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """Nothing is kept between runs: chats imported after a run are in the next run, which then equals the CSV path."""
    messages, orders, csv_out = sim
    lines = messages.read_text(encoding="utf-8").splitlines(keepends=True)
    first = tmp_path / "first.csv"
    first.write_text("".join(lines[:2001]), encoding="utf-8")
    with session_factory(engine)() as session, session.begin():
        import_orders(session, orders)
        import_chats(session, first)
    stamps = [line.split(",")[3] for line in lines[1:]] + [line.split(",")[3] for line in orders.open(encoding="utf-8")]
    days = sorted(datetime.fromisoformat(t).astimezone(SHOP_TZ).date() for t in stamps if t[:1].isdigit())
    with session_factory(engine)() as session, session.begin():
        early = credit_shop_range(session, "shop01", days[0], days[-1], tmp_path / "early")
    with session_factory(engine)() as session, session.begin():
        assert import_chats(session, messages).inserted == 2000
    with session_factory(engine)() as session, session.begin():
        late = credit_shop_range(session, "shop01", days[0], days[-1], tmp_path / "late")
    assert early.orders == late.orders == 400
    assert (tmp_path / "early" / "agent_day.csv").read_bytes() != (csv_out / "agent_day.csv").read_bytes()
    for name in FILES:
        assert (tmp_path / "late" / name).read_bytes() == (csv_out / name).read_bytes(), name


def test_orders_read_back_by_id_with_nulls_and_separators(session: Session) -> None:
    """Orders come by id; unpaid ones have no payment time; a buyer holding the separator falls back, unchanged."""
    from kefu.service.imports.readback import contract_orders

    at = datetime(2026, 11, 3, 2, 0, 0, 250000, tzinfo=UTC)
    rows = [("9", "b1", at, 100, 0), ("10", "b\x1f2", None, 200, 50), ("11", "", at, 300, 0), ("12", "b3", None, 0, 0)]
    session.add_all(Order(id=i, shop_id="s1", buyer=b, created_at=at, paid_at=p, amount_fen=a, status="交易成功",
                          refund_fen=r) for i, b, p, a, r in rows)  # fmt: skip
    session.add(Order(id="13", shop_id="s2", buyer="b", created_at=at, status="", amount_fen=1, refund_fen=0))
    session.flush()
    lo, hi = datetime(2026, 11, 3, tzinfo=UTC), datetime(2026, 11, 4, tzinfo=UTC)
    got = contract_orders(session, "s1", lo, hi).to_pylist()
    assert [(o["order_id"], o["buyer"], o["paid_at"], o["amount_fen"], o["refund_fen"]) for o in got] == [
        ("10", "b\x1f2", None, 200, 50), ("12", "b3", None, 0, 0), ("9", "b1", datetime(2026, 11, 3, 2, 0, 0, 250000,
                                                                                       tzinfo=UTC), 100, 0)]  # fmt: skip
    assert {(o["shop"], o["status"], o["created_at"]) for o in got} == {("s1", "交易成功", at)}
    session.execute(Order.__table__.update().where(Order.id == "10").values(buyer="b2"))
    plain = contract_orders(session, "s1", lo, hi)
    assert plain.column("buyer").to_pylist() == ["b2", "b3", "b1"]
    assert plain.column("paid_at").null_count == 2
    assert contract_orders(session, "s2", lo, hi).column("status").to_pylist() == [""]
