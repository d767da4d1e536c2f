"""Database round trip: imported chats and orders → month credit, claims, KPI/pay workbook."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.credit.kpi import parse_scheme
from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import clock_from
from kefu.service.credit.actions import run_month
from kefu.service.credit.actions_claims import claimed_agent, claims_report, set_claim_convention
from kefu.service.credit.actions_kpi import adopt_suggestion, grading_suggestion
from kefu.service.credit.actions_pay import kpi_workbook, month_pay, pay_workbook
from kefu.store.models.care import LedgerEntry
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.live import Event, Message
from kefu.store.models.org import Agent, Shop


def _t(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh - 8, mm, tzinfo=UTC)  # shop time → UTC


def _seed(session: Session) -> None:
    session.add_all([Agent(id="kf01", name="一号"), Agent(id="kf02", name="二号", probation=True)])
    session.flush()
    for buyer, agent, day in (("甲", "kf01", 3), ("乙", "kf02", 4)):
        session.add(
            Message(shop_id="s1", buyer=buyer, agent_id=agent, ts=_t(day, 10), direction="in", text="在吗")
        )
        session.add(
            Message(shop_id="s1", buyer=buyer, agent_id=agent, ts=_t(day, 10, 1), direction="out", text="在")
        )
    session.add_all(
        [
            Order(id="A1", shop_id="s1", buyer="甲", created_at=_t(3, 10, 30), paid_at=_t(3, 10, 40), amount_fen=20000,
                  status="交易成功", memo="kf01", flag="red"),
            Order(id="B1", shop_id="s1", buyer="乙", created_at=_t(4, 10, 30), paid_at=_t(4, 11), amount_fen=10000,
                  status="交易成功", memo="客服 kf01 跟进", flag="red"),  # claimed by kf01, credited to kf02
            Order(id="C1", shop_id="s1", buyer="丙", created_at=_t(5, 9), paid_at=_t(5, 9, 5), amount_fen=5000,
                  status="交易成功"),  # silent
        ]
    )  # fmt: skip
    session.add(LedgerEntry(agent_id="kf01", day=date(2026, 11, 10), amount_fen=-2000, kind="fine", reason="迟到",
                            evidence="attendance:2026-11-10", created_at=_t(10, 9)))  # fmt: skip
    session.flush()


SCHEME_TEXT = """
name: test
items:
  - {metric: sales_fen, weight: 100, target: 20000}
grades: {by: thresholds, thresholds: [[100, A], [0, B]]}
pay: {base_fen: 300000, point_fen: 100, commission: "0.01"}
"""
SCHEME = parse_scheme(SCHEME_TEXT)


def test_month_credit_is_stored(session: Session) -> None:
    _seed(session)
    result = run_month(session, "2026-11")
    stored = {
        c.order_id: (c.order_agent, c.credited_agent, c.silent) for c in session.scalars(select(OrderCredit))
    }
    assert stored == {"A1": ("kf01", "kf01", False), "B1": ("kf02", "kf02", False), "C1": ("", "", True)}
    assert set(result.agent_day["day"]) == {"2026-11-03", "2026-11-04"}


def _credit_events(session: Session) -> list[tuple[str, str | None, str, object]]:
    rows = session.scalars(select(Event).where(Event.kind == "order.credited").order_by(Event.id))
    return [(e.subject, e.agent_id, e.shop_id or "", e.data["previous_agent"]) for e in rows]


def test_crediting_writes_an_event_per_new_or_changed_credit(session: Session) -> None:
    """Given a month credited once, when it is recomputed unchanged, then no event; when an order's
    credited agent changes, then exactly that order gets an event naming the previous agent."""
    _seed(session)
    run_month(session, "2026-11")
    first = [("order:A1", "kf01", "s1", None), ("order:B1", "kf02", "s1", None), ("order:C1", None, "s1", None)]
    assert sorted(_credit_events(session)) == sorted(first)
    run_month(session, "2026-11")
    assert len(_credit_events(session)) == 3  # unchanged: silent
    session.get(OrderCredit, "B1").credited_agent = "kf01"  # type: ignore[union-attr]
    session.flush()
    run_month(session, "2026-11")
    assert _credit_events(session)[3:] == [("order:B1", "kf02", "s1", "kf01")]
    run_month(session, "2026-11", store_credit=False)
    assert len(_credit_events(session)) == 4  # a read-only recomputation stores and writes nothing


def test_claims_are_read_only_by_the_shops_convention(session: Session) -> None:
    """Given memos naming agents, when the shop has no claim convention, then nothing is a claim; when it
    writes claims as "认领:" + id or name with a red flag, then only those memos are read and compared."""
    _seed(session)
    session.add(Shop(id="s1", name="店一"))
    session.add_all([
        Order(id="D1", shop_id="s1", buyer="甲", created_at=_t(6, 9), paid_at=_t(6, 9, 5), amount_fen=3000,
              status="交易成功", memo="认领: 二号 已核对地址", flag="red"),  # a claim by name, credited to kf01
        Order(id="D2", shop_id="s1", buyer="甲", created_at=_t(6, 10), paid_at=_t(6, 10, 5), amount_fen=3000,
              status="交易成功", memo="认领:kf02", flag="yellow"),  # the wrong flag: not a claim
    ])  # fmt: skip
    for i in range(3):
        session.add(Message(shop_id="s1", buyer="甲", agent_id="kf01", ts=_t(6, 8, 50 + i), direction="out", text="好的"))
    session.add(Message(shop_id="s1", buyer="甲", agent_id="kf01", ts=_t(6, 8, 49), direction="in", text="在"))
    session.flush()
    assert claims_report(session, "2026-11").empty  # no convention: "客服 kf01 跟进" is a note, not a claim
    set_claim_convention(session, "s1", "认领:", "red", by="boss")
    claims = claims_report(session, "2026-11")
    assert claims[["order_id", "claimed_agent", "credited_agent"]].values.tolist() == [["D1", "kf02", "kf01"]]
    agents = {"kf01": "kf01", "一号": "kf01"}
    assert claimed_agent("认领:kf01x", "认领:", agents) == ""
    assert claimed_agent("kf01 已核对地址", "认领:", agents) == ""
    assert claimed_agent("送赠品; 认领: 一号", "认领:", agents) == "kf01"
    with pytest.raises(KefuError) as bad:
        set_claim_convention(session, "s1", "认领:", "pink", by="boss")
    assert bad.value.code == ErrorCode.BAD_ARGUMENT
    with pytest.raises(KefuError) as missing:
        set_claim_convention(session, "nope", "认领:", "", by="boss")
    assert missing.value.code == ErrorCode.NOT_FOUND
    set_claim_convention(session, "s1", "", "", by="boss")
    assert claims_report(session, "2026-11").empty


def test_pay_lines_with_evidence(session: Session) -> None:
    _seed(session)
    mp = month_pay(session, "2026-11", SCHEME)
    slips = {p.agent: p for p in mp.payslips}
    assert [(x.kind, x.amount_fen) for x in slips["kf01"].lines] == [
        ("base", 300000), ("points", 10000), ("commission", 200), ("overtime", 0), ("fine", -2000)
    ]  # fmt: skip
    assert slips["kf01"].lines[2].evidence == ("order:A1",)
    assert slips["kf01"].lines[4].evidence == ("ledger:1", "attendance:2026-11-10")
    # kf02 is on probation: commission yes, points no
    assert [(x.kind, x.amount_fen) for x in slips["kf02"].lines][:3] == [
        ("base", 300000),
        ("points", 0),
        ("commission", 100),
    ]


def test_a_month_in_progress_is_scored_to_date(session: Session) -> None:
    """On 15 November a 200-yuan monthly sales target is judged against half of it (15/30 days); the same
    figures after the month ended are judged against the whole target. Rates are never prorated."""
    _seed(session)
    half = parse_scheme(SCHEME_TEXT.replace("weight: 100, target: 20000", "weight: 100, target: 40000"))
    with clock_from(datetime(2026, 11, 15, 12, tzinfo=UTC)):
        during = month_pay(session, "2026-11", half)
    after = month_pay(session, "2026-11", half)  # the machine's clock: November is over
    assert during.elapsed == (15, 30) and after.elapsed == (30, 30)
    assert [i.target for i in during.scheme.items] == [Decimal(20000)]
    assert {s.agent: s.total for s in during.scores}["kf01"] == Decimal("100.00")  # 200 of a 200 pace
    assert {s.agent: s.total for s in after.scores}["kf01"] == Decimal("50.00")  # 200 of 400
    rate = parse_scheme(SCHEME_TEXT.replace("metric: sales_fen, weight: 100, target: 20000",
                                            "metric: reply_rate, weight: 100, target: '0.5'"))  # fmt: skip
    with clock_from(datetime(2026, 11, 15, 12, tzinfo=UTC)):
        assert [i.target for i in month_pay(session, "2026-11", rate).scheme.items] == [Decimal("0.5")]


def test_kpi_workbook(session: Session, tmp_path: Path) -> None:
    _seed(session)
    session.add(Shop(id="s1", name="店一"))
    set_claim_convention(session, "s1", "客服", "red", by="boss")  # B1's "客服 kf01 跟进" claims kf01
    path, summary = kpi_workbook(session, "2026-11", tmp_path / "kpi.xlsx", SCHEME)
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "agents",
        "daily",
        "orders",
        "pay",
        "claims",
        "shop_day",
        "provisional",
        "charts",
    ]
    header = [c.value for c in wb["agents"][1]]
    rows = {
        r[0]: dict(zip(header, r, strict=True)) for r in wb["agents"].iter_rows(min_row=2, values_only=True)
    }
    assert rows["kf01"]["等级 (grade)"] == "A"
    assert rows["kf02"]["等级 (grade)"] == "试用期"
    assert rows["kf01"]["应发(分) (pay_fen)"] == 300000 + 10000 + 200 - 2000
    assert len(wb["charts"]._charts) == 3
    orders = {r[0]: r for r in wb["orders"].iter_rows(min_row=2, values_only=True)}
    assert set(orders) == {"A1", "B1", "C1"}
    assert "3 orders, 1 claim mismatches" in summary


def test_pay_workbook_in_yuan_with_every_line(session: Session, tmp_path: Path) -> None:
    """``kefu report pay`` / the page's 工资表: one payslip row per agent in 元, each line with its evidence."""
    _seed(session)
    path, summary = pay_workbook(session, "2026-11", tmp_path / "pay.xlsx", SCHEME)
    wb = load_workbook(path)
    assert wb.sheetnames == ["工资条", "明细"]
    slips = list(wb["工资条"].iter_rows(min_row=3, values_only=True))
    assert [r[:11] for r in slips] == [
        ("kf01", "一号", "A", 100.0, 3000.0, 100.0, 2.0, 0.0, -20.0, 0.0, 3082.0),
        ("kf02", "二号", "试用期", 50.0, 3000.0, 0.0, 1.0, 0.0, 0.0, 0.0, 3001.0),
    ]  # fmt: skip
    assert wb["工资条"].cell(row=3, column=11).number_format == "#,##0.00"
    lines = [r for r in wb["明细"].iter_rows(min_row=2, values_only=True) if r[0] == "kf01"]
    assert [(r[2], r[4], r[5]) for r in lines] == [
        ("base", 3000.0, "scheme:test@1"), ("points", 100.0, "kpi:sales_fen=100.00"), ("commission", 2.0, "order:A1"),
        ("overtime", 0.0, None), ("fine", -20.0, "ledger:1 attendance:2026-11-10")]  # fmt: skip
    assert summary == "2026-11: 2 payslips, total 6,083.00 yuan, scheme test"


def test_thresholds_suggested_from_the_months_scores_then_adopted(session: Session) -> None:
    """The standard scheme's 100/90/70 lines are reviewed against the month: the suggestion cuts at the
    month's own scores; adopting it saves a version (with its event) that pay and grades then use."""
    _seed(session)
    got = grading_suggestion(session, "standard", "2026-11")
    assert (got.graded, got.shares) == (1, [["优秀", "0.1"], ["良好", "0.2"], ["合格", "0.6"], ["不合格", "0.1"]])
    assert got.counts == {"优秀": 0, "良好": 0, "合格": 1, "不合格": 0}  # kf02 is on probation: not graded
    saved = adopt_suggestion(session, "standard", "2026-11", by="boss")
    assert (saved.version, saved.doc["grades"]["thresholds"]) == (1, got.thresholds)
    grades = {g.agent: g.grade for g in month_pay(session, "2026-11", "standard").scores}
    assert grades == {"kf01": "合格", "kf02": ""}
    assert session.scalar(select(Event.subject).where(Event.kind == "kpi_scheme.saved")) == "kpi_scheme:standard"


def test_month_exports_to_parquet_partitioned_by_shop_and_day(session: Session, tmp_path: Path) -> None:
    import pyarrow.dataset as ds

    from kefu.service.credit.actions import export_parquet

    _seed(session)
    done = export_parquet(session, "2026-11", tmp_path / "pq")
    assert (done.messages, done.orders) == (4, 3)
    assert done.partitions == [
        "messages/shop=s1/day=2026-11-03", "messages/shop=s1/day=2026-11-04",
        "orders/shop=s1/day=2026-11-03", "orders/shop=s1/day=2026-11-04", "orders/shop=s1/day=2026-11-05",
    ]  # fmt: skip
    orders = ds.dataset(tmp_path / "pq" / "orders", format="parquet", partitioning="hive").to_table()
    rows = sorted(
        zip(*(orders.column(c).to_pylist() for c in ("order_id", "shop", "day", "amount_fen")), strict=True)
    )
    assert rows == [
        ("A1", "s1", "2026-11-03", 20000),
        ("B1", "s1", "2026-11-04", 10000),
        ("C1", "s1", "2026-11-05", 5000),
    ]
    again = export_parquet(session, "2026-11", tmp_path / "pq")  # a re-export replaces, never appends
    assert ds.dataset(tmp_path / "pq" / "messages", format="parquet", partitioning="hive").count_rows() == 4
    assert again.partitions == done.partitions
