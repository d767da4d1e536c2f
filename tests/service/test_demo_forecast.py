"""The demo stores a forecast around "today", the template library and order credits, so every page has data."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from kefu.service.demo.actions import load_demo
from kefu.store.db import session_factory
from kefu.store.models.care import ReplyTemplate
from kefu.store.models.plan import Forecast

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai


def test_demo_forecasts_the_fortnight_around_today_from_earlier_history(engine: Engine) -> None:
    summary = load_demo(engine, seed=3, days=15, agents=4, now=NOW)
    with session_factory(engine)() as session:
        stored = session.execute(
            select(func.count(), func.min(Forecast.interval_start), func.max(Forecast.interval_start))
        ).one()
        templates = session.scalar(select(func.count()).select_from(ReplyTemplate))
    assert summary.forecast_intervals == stored[0]
    assert stored[0] > 0
    # 2026-11-13 00:00 Shanghai is the first possible slot, 2026-11-26 23:30 the last one
    assert stored[1] >= datetime(2026, 11, 12, 16, 0, tzinfo=UTC)
    assert stored[2] <= datetime(2026, 11, 26, 15, 30, tzinfo=UTC)
    assert summary.templates == templates == 15


def test_too_short_a_demo_has_no_forecast_but_loads(engine: Engine) -> None:
    summary = load_demo(engine, seed=3, days=2, agents=2, now=NOW)
    assert summary.forecast_intervals == 0
    assert summary.conversations > 0


def test_demo_credits_every_order_of_the_window(engine: Engine) -> None:
    from kefu.store.models.commerce import Order, OrderCredit

    summary = load_demo(engine, seed=3, days=15, agents=4, now=NOW)
    with session_factory(engine)() as session:
        orders = session.scalar(select(func.count()).select_from(Order))
        credits = session.scalar(select(func.count()).select_from(OrderCredit))
        unpaid_credited = session.scalar(
            select(func.count()).select_from(OrderCredit).join(Order, Order.id == OrderCredit.order_id)
            .where(Order.paid_at.is_(None), OrderCredit.credited_agent != "")
        )
    assert summary.credited_orders == credits == orders == summary.orders
    assert unpaid_credited == 0  # credited_agent stays empty for unpaid orders
