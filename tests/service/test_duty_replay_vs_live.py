"""The live worker (DB timers, restarts) and the pure replay give the same tasks and messages.

Seeded random shops around a Friday/Saturday: boundary amounts and payment
delays, silent and attributed orders, returns around 17:30, several reviews
per order; the worker ticks at random moments and the process "restarts"
(new engine) in between. Any difference in the rule engine's use between the
two paths shows up as a different task list.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from kefu.domain.timeutil import SHOP_TZ
from kefu.duty.engine import Attribution, OrderFacts
from kefu.duty.replay import ReturnEvent, ReviewEvent, replay
from kefu.duty.roster import RosterView
from kefu.duty.rules import default_rules
from kefu.service.duty.actions import record_return, record_review, run_due_timers, schedule_orders
from kefu.store.db import make_engine, session_factory
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.duty import OutboxMessage, Task
from kefu.store.models.org import Agent, Shop
from kefu.store.models.plan import RosterEntry, ShiftTemplate

START = datetime(2026, 11, 19, 0, 0, tzinfo=SHOP_TZ)  # Thursday
UNTIL = datetime(2026, 11, 22, 12, 0, tzinfo=SHOP_TZ)  # Sunday noon
AGENTS = ["a01", "a02", "a03", "a04", "a05"]


def shop(seed: int) -> dict:
    rng = random.Random(seed)
    roster = [(a, date(2026, 11, 18) + timedelta(days=d), rng.choice(["白班", "晚班", "晚班", "休"]))
              for d in range(7) for a in AGENTS]
    orders, credit, returns, reviews = [], {}, [], []
    for i in range(30):
        created = START + timedelta(minutes=rng.randrange(0, 3 * 24 * 60 + 600))
        paid_after = rng.choice([None, None, 15, 30, 14, 31, rng.randrange(0, 120)])
        paid = None if paid_after is None else created + timedelta(minutes=paid_after)
        oid = f"o{i:02d}"
        orders.append(OrderFacts(oid, "s1", f"b{i}", created, paid, rng.choice([500, 800, 801, 5000])))
        if paid is not None:
            kind = rng.choice(["silent", "order", "both"])
            credit[oid] = {"silent": Attribution(), "order": Attribution(rng.choice(AGENTS), ""),
                           "both": Attribution(rng.choice(AGENTS), rng.choice(AGENTS))}[kind]
            if rng.random() < 0.4:
                at = paid + timedelta(days=1, hours=rng.choice([0, 3, 6]), minutes=rng.choice([0, 29, 30, 31]))
                returns.append(ReturnEvent(oid, at))
            for k in range(rng.choice([0, 1, 2, 3])):
                at = paid + timedelta(hours=6 + 13 * k + rng.randrange(0, 12))
                reviews.append(ReviewEvent(oid, f"b{i}", at, rng.choice(["good", "neutral", "bad"])))
    return {"roster": roster, "orders": orders, "credit": credit, "returns": returns, "reviews": reviews}


def store(engine: Engine, data: dict) -> None:
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="店"))
        s.flush()
        s.add_all([Agent(id=a, shop_id="s1", name=a) for a in AGENTS])
        s.add_all([ShiftTemplate(shop_id="s1", code="白班", start="09:00", end="18:00"),
                   ShiftTemplate(shop_id="s1", code="晚班", start="15:00", end="00:00", evening=True)])
        s.flush()
        s.add_all([RosterEntry(shop_id="s1", agent_id=a, day=d, shift_code="" if c == "休" else c)
                   for a, d, c in data["roster"]])
        for o in data["orders"]:
            s.add(Order(id=o.order_id, shop_id="s1", buyer=o.buyer, created_at=o.created_at, paid_at=o.paid_at,
                        amount_fen=o.amount_fen, status="x"))
        s.flush()
        for oid, a in data["credit"].items():
            s.add(OrderCredit(order_id=oid, order_agent=a.order_agent, payment_agent=a.payment_agent,
                              silent=a.silent, computed_at=START))
        schedule_orders(s)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_live_worker_with_restarts_equals_replay(engine: Engine, db_url: str, seed: int) -> None:
    data = shop(seed)
    expected = replay(default_rules(), data["orders"], data["credit"], RosterView.from_entries(data["roster"]),
                      UNTIL, returns=data["returns"], reviews=data["reviews"])
    store(engine, data)
    rng = random.Random(seed * 7)
    events = sorted([(r.received_at, "return", r) for r in data["returns"]]
                    + [(v.posted_at, "review", v) for v in data["reviews"]], key=lambda e: e[0])
    ticks = sorted(START + timedelta(minutes=rng.randrange(0, int((UNTIL - START).total_seconds() // 60)))
                   for _ in range(12)) + [UNTIL]
    current = engine
    try:
        for now in ticks:
            with session_factory(current)() as s, s.begin():
                while events and events[0][0] <= now:
                    _, kind, e = events.pop(0)
                    if kind == "return":
                        record_return(s, e.order_id, e.received_at)
                    else:
                        record_review(s, e.order_id, e.buyer, e.posted_at, e.rating)
                run_due_timers(s, now, batch=1000)
            if rng.random() < 0.4:  # the worker process restarts
                current.dispose()
                current = make_engine(db_url)
        with session_factory(current)() as s:
            tasks = [(t.task_type, t.order_id, t.assignee or "", t.created_at, t.due_at)
                     for t in s.scalars(select(Task).order_by(Task.id))]
            sms = sorted((m.payload["order_id"], m.channel) for m in s.scalars(select(OutboxMessage)))
    finally:
        current.dispose()
    want = [(t.task_type, t.order_id, t.assignee, t.created_at, t.due_at) for t in expected.tasks]
    assert tasks == want
    assert sms == sorted((m.order_id, m.channel) for m in expected.messages)
    assert len(want) >= 10  # the random shop exercises the rules
