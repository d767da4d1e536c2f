"""Issue 20 item 1: every figure of ``/performance`` for a month belongs to that month.

Over two adjacent months of the demo (11-25 … 12-04), the page's figures — paid, credited,
silent share, leaderboard rows, chart days, drill-down orders — equal the credit output
of that month, and the orders table says the same (no November payment in December).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kefu.credit.rules import CreditRules
from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ, month_bounds, month_span
from kefu.service.credit import actions_views as views
from kefu.service.credit import store
from kefu.service.credit.actions import run_month
from kefu.service.credit.actions_pay import monthly_metrics
from kefu.service.demo.actions import load_demo
from kefu.store.db import session_factory
from kefu.store.models.commerce import Order

SUPERVISOR = SimpleNamespace(role="supervisor", agent_id=None)
MONTHS = {"2026-11": ("2026-11-25", "2026-11-30"), "2026-12": ("2026-12-01", "2026-12-04")}


@pytest.fixture
def demo(engine: Engine) -> Iterator[Session]:
    load_demo(engine, seed=1, days=10, agents=3, start=date(2026, 11, 25))
    with session_factory(engine)() as session:
        yield session


def _paid_in(session: Session, month: str) -> list[Order]:
    start, end = month_span(month, SHOP_TZ)
    return list(session.scalars(select(Order).where(Order.paid_at >= start, Order.paid_at < end)))


def test_each_figure_is_the_months_credit_output(demo: Session) -> None:
    seen: dict[str, int] = {}
    for month, (first_day, last_day) in MONTHS.items():
        credit = run_month(demo, month, store_credit=False)
        perf = views.performance(demo, SUPERVISOR, month, "kf01")
        first, nxt = month_bounds(month)
        inside = {(first + timedelta(days=i)).isoformat() for i in range((nxt - first).days)}
        # the credit output itself holds only the month
        assert set(credit.shop_day["day"]) <= inside and set(credit.agent_day["day"]) <= inside
        assert set(credit.provisional["day"]) <= inside
        # paid / credited / silent share: the month's shop days, and the orders table agrees
        paid = sum(o.amount_fen - o.refund_fen for o in _paid_in(demo, month))
        assert perf.paid_fen == int(credit.shop_day["paid_fen"].sum()) == paid
        assert perf.credited_fen == int(credit.shop_day["credited_fen"].sum())
        assert perf.silent_share_pct == round(100 * (perf.paid_fen - perf.credited_fen) / perf.paid_fen, 1)
        # chart days: the month's days with a payment, first to last
        assert [d.day for d in perf.days] == sorted(credit.shop_day["day"])
        assert (perf.days[0].day, perf.days[-1].day) == (first_day, last_day)
        assert sum(d.paid_fen for d in perf.days) == perf.paid_fen
        # leaderboard: one row per agent of the month, named, sales adding up to the credited total
        monthly = monthly_metrics(credit.agent_day, credit).set_index("agent")
        assert [a.agent for a in perf.agents] == sorted(monthly.index, key=lambda a: -monthly.loc[a, "sales_fen"])
        for row in perf.agents:
            assert row.sales_fen == monthly.loc[row.agent, "sales_fen"]
            assert row.credited_orders == monthly.loc[row.agent, "credited_orders"]
        assert sum(a.sales_fen for a in perf.agents) == perf.credited_fen
        assert {a.name for a in perf.agents} == {"小美", "小雅", "阿琳"}
        # drill-down: kf01's orders of the month, their credited sales = kf01's leaderboard sales
        ev = credit.evidence.merge(credit.order_credit.drop(columns=["credited_agent"]), on="order_id")
        mine = ev[(ev["credited_agent"] == "kf01") | (ev["order_agent"] == "kf01") | (ev["payment_agent"] == "kf01")]
        assert [o.order_id for o in perf.orders] == sorted(mine["order_id"])
        kf01 = next(a for a in perf.agents if a.agent == "kf01")
        credited = [o for o in perf.orders if o.credited_agent == "kf01" and o.paid_day in inside]
        assert sum(o.sale_fen for o in credited) == kf01.sales_fen
        assert all(o.paid_day in inside or o.paid_day == "" or o.paid_day > last_day for o in perf.orders)
        assert all(len(o.order_session_end or "2026-11-25 00:00") == 16 for o in perf.orders)  # shop time, no +00:00
        seen[month] = perf.paid_fen
    # adjacent months split the payments: nothing counted twice, nothing lost
    assert seen == {"2026-11": 2112550, "2026-12": 1283640}
    everything = demo.scalars(select(Order).where(Order.paid_at.is_not(None))).all()
    assert sum(seen.values()) == sum(o.amount_fen - o.refund_fen for o in everything)


def test_an_agent_sees_only_their_own_figures(demo: Session) -> None:
    agent = SimpleNamespace(role="agent", agent_id="kf02")
    perf = views.performance(demo, agent, "2026-12", "kf01")  # asking for another agent's orders: gets their own
    assert (perf.scope, perf.agent, [a.agent for a in perf.agents]) == ("agent", "kf02", ["kf02"])
    everyone = views.performance(demo, SUPERVISOR, "2026-12")
    [row] = [a for a in everyone.agents if a.agent == "kf02"]
    assert perf.agents == [row] and perf.credited_fen == row.sales_fen == 380830
    assert perf.silent_share_pct is None and perf.days == []
    assert perf.orders and all("kf02" in (o.order_agent, o.payment_agent, o.credited_agent) for o in perf.orders)


def test_a_month_without_data_and_a_bad_month(demo: Session) -> None:
    perf = views.performance(demo, SUPERVISOR, "2027-03", "kf01")
    assert (perf.paid_fen, perf.credited_fen, perf.silent_share_pct, perf.agents, perf.days, perf.orders) == (
        0, 0, None, [], [], [])
    with pytest.raises(KefuError, match="YYYY-MM"):
        views.performance(demo, SUPERVISOR, "2026-13", "")


def test_the_months_rows_come_in_one_order_on_every_database(engine: Engine) -> None:
    """Item 11: the frames behind the order tables and workbook sheets are read in (created, id) order."""
    at = datetime(2026, 11, 3, 10, tzinfo=SHOP_TZ)
    with session_factory(engine)() as s, s.begin():
        for oid, minutes in (("o3", 5), ("o2", 0), ("o9", 0), ("o1", 0)):  # inserted out of order, ties at 10:00
            s.add(Order(id=oid, shop_id="s1", buyer="b", created_at=at + timedelta(minutes=minutes), amount_fen=100,
                        status="交易成功"))
    start, end = month_span("2026-11", SHOP_TZ)
    with session_factory(engine)() as s:
        _, orders = store.load_frames(s, start, end, CreditRules())
    assert list(orders["order_id"]) == ["o1", "o2", "o9", "o3"]
