"""Durable duty timers: each rule fires once per order across restarts, crashes and competing workers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kefu.domain.timeutil import SHOP_TZ
from kefu.duty.engine import MessageOut, TaskOut
from kefu.service.duty import store
from kefu.service.duty.actions import record_return, record_review, run_due_timers, schedule_orders
from kefu.store.db import make_engine, session_factory
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.duty import DueTimer, OutboxMessage, Task
from kefu.store.models.live import Event
from kefu.store.models.org import Agent, Shop
from kefu.store.models.plan import RosterEntry, ShiftTemplate

FRI, SAT = date(2026, 11, 20), date(2026, 11, 21)
M = timedelta(minutes=1)


def at(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=SHOP_TZ)


def seed_shop(s: Session) -> None:
    """Shop s1; a01 白班 daily, b02 晚班 Fri (template flagged evening), d04 白班 Sat."""
    s.add(Shop(id="s1", name="店铺", settings={}))
    s.flush()
    for aid, team in (("a01", "A"), ("b02", "A"), ("d04", "B")):
        s.add(Agent(id=aid, shop_id="s1", name=aid, team=team))
    s.add_all([ShiftTemplate(shop_id="s1", code="白班", start="09:00", end="18:00"),
               ShiftTemplate(shop_id="s1", code="晚班", start="15:00", end="00:00", evening=True)])
    s.flush()
    s.add_all([RosterEntry(shop_id="s1", agent_id="a01", day=FRI, shift_code="白班"),
               RosterEntry(shop_id="s1", agent_id="b02", day=FRI, shift_code="晚班"),
               RosterEntry(shop_id="s1", agent_id="a01", day=SAT, shift_code="白班"),
               RosterEntry(shop_id="s1", agent_id="d04", day=SAT, shift_code="白班")])


def add_order(s: Session, oid: str, created: datetime, *, paid: datetime | None = None, amount: int = 5000) -> None:
    s.add(Order(id=oid, shop_id="s1", buyer=f"b-{oid}", created_at=created, paid_at=paid, amount_fen=amount,
                status="x", phone="13800000000"))


def counts(engine: Engine) -> tuple[int, int, int]:
    with session_factory(engine)() as s:
        return (s.scalar(select(func.count()).select_from(Task)) or 0,
                s.scalar(select(func.count()).select_from(OutboxMessage)) or 0,
                s.scalar(select(func.count()).select_from(DueTimer).where(DueTimer.status == "pending")) or 0)


def tick(engine: Engine, now: datetime) -> list:
    with session_factory(engine)() as s, s.begin():
        return run_due_timers(s, now)


def test_restart_in_the_middle_of_a_delay_fires_exactly_once(engine: Engine, db_url: str) -> None:
    created = at(FRI, 19)
    with session_factory(engine)() as s, s.begin():
        seed_shop(s)
        add_order(s, "o1", created, amount=801)
        s.flush()
        assert schedule_orders(s) == 2
        assert schedule_orders(s) == 0  # re-import: nothing new
    assert tick(engine, created + 14 * M + 59 * timedelta(seconds=1)) == []
    engine.dispose()  # the process dies in the middle of the 15-minute delay …
    restarted = make_engine(db_url)  # … and a new one starts
    try:
        fired = tick(restarted, created + 15 * M)
        assert [type(o) for o in fired] == [MessageOut]
        assert counts(restarted) == (0, 1, 1)
        assert tick(restarted, created + 16 * M) == []
        fired = tick(restarted, created + 45 * M)  # a late worker still stamps the rule's own moment
        assert [(o.task_type, o.assignee, o.created_at) for o in fired if isinstance(o, TaskOut)] == [
            ("pay_reminder", "b02", created + 30 * M)]
        assert tick(restarted, created + 2 * 60 * M) == []
        assert counts(restarted) == (1, 1, 0)
        with session_factory(restarted)() as s:
            (task,) = s.scalars(select(Task)).all()
            assert (task.assignee, task.created_at, task.due_at, task.source_rule) == (
                "b02", created + 30 * M, created + 90 * M, "pay_task")
            (msg,) = s.scalars(select(OutboxMessage)).all()
            assert (msg.channel, msg.dedupe_key, msg.payload["phone"]) == ("sms", "pay_sms:o1", "13800000000")
            assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "task.created")) == 1
    finally:
        restarted.dispose()


def test_crash_before_commit_rolls_back_and_fires_once_later(engine: Engine) -> None:
    created = at(FRI, 19)
    with session_factory(engine)() as s, s.begin():
        seed_shop(s)
        add_order(s, "o1", created)
        s.flush()
        schedule_orders(s)
    with pytest.raises(RuntimeError), session_factory(engine)() as s, s.begin():
        assert len(run_due_timers(s, created + 31 * M)) == 2
        raise RuntimeError("worker killed before commit")
    assert counts(engine) == (0, 0, 2)
    assert len(tick(engine, created + 31 * M)) == 2
    assert counts(engine) == (1, 1, 0)


def test_payment_at_the_boundary_skips_and_records_why(engine: Engine) -> None:
    created = at(FRI, 10)
    with session_factory(engine)() as s, s.begin():
        seed_shop(s)
        add_order(s, "paid15", created, paid=created + 15 * M, amount=801)
        add_order(s, "small", created, amount=800)
        s.add(OrderCredit(order_id="paid15", order_agent="", payment_agent="", silent=True,
                          computed_at=created + 15 * M))
        s.flush()
        schedule_orders(s)
    fired = tick(engine, created + 15 * M)
    assert sorted((o.rule_id, o.order_id, getattr(o, "reason", "")) for o in fired) == [
        ("address_check", "paid15", "silent"), ("pay_sms", "paid15", "paid"), ("pay_sms", "small", "amount")]
    with session_factory(engine)() as s:
        skipped = s.scalars(select(DueTimer).where(DueTimer.status == "skipped").order_by(DueTimer.id)).all()
        assert sorted(t.payload["reason"] for t in skipped) == ["amount", "paid", "silent"]


def test_address_check_uses_stored_credit(engine: Engine) -> None:
    created = at(FRI, 10)
    with session_factory(engine)() as s, s.begin():
        seed_shop(s)
        add_order(s, "o1", created, paid=created + 5 * M)
        s.flush()
        s.add(OrderCredit(order_id="o1", order_agent="a01", payment_agent="", silent=False, computed_at=created))
        schedule_orders(s)
    fired = tick(engine, created + 5 * M)
    assert [(o.task_type, o.assignee) for o in fired if isinstance(o, TaskOut)] == [("address_check", "a01")]


def test_return_and_review_events(engine: Engine) -> None:
    with session_factory(engine)() as s, s.begin():
        seed_shop(s)
        s.flush()
        assert record_return(s, "r1", at(FRI, 17, 30, 1), shop_id="s1") == 1
        assert record_return(s, "r1", at(FRI, 18), shop_id="s1") == 0
        assert record_review(s, "v1", "buyer", at(FRI, 8), "good", shop_id="s1") == 0  # first review: 20th, even
        assert record_review(s, "v1", "buyer", at(SAT, 8), "bad", shop_id="s1") == 1
    fired = tick(engine, at(SAT, 9))
    got = [(o.task_type, o.order_id, o.assignee, o.due_at) for o in fired if isinstance(o, TaskOut)]
    # return: due Saturday 17:30 → on duty Saturday (a01, d04 → a01); review: halves of a01,b02,d04 → even = d04
    assert got == [("return", "r1", "a01", at(SAT, 17, 30)), ("review", "v1", "d04", at(date(2026, 11, 22), 8))]


@pytest.mark.postgres
def test_competing_workers_skip_locked_rows(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL; SQLite runs one worker")
    created = at(FRI, 19)
    with session_factory(engine)() as s, s.begin():
        seed_shop(s)
        for i in range(3):
            add_order(s, f"o{i}", created + i * M, amount=500)
        s.flush()
        schedule_orders(s)
    first, second = session_factory(engine)(), session_factory(engine)()
    try:
        with first.begin():
            got_first = run_due_timers(first, created + 40 * M, batch=2)
            with second.begin():
                got_second = run_due_timers(second, created + 40 * M)
        # six timers (a 催付 SMS check and a 催付 task per order): two locked by the first worker
        assert (len(got_first), len(got_second)) == (2, 4)
        keys = [(o.rule_id, o.order_id) for o in got_first + got_second]
        assert len(set(keys)) == 6
    finally:
        first.close()
        second.close()
    assert tick(engine, created + 50 * M) == []
    assert counts(engine)[0] == 3


def test_worker_sweep_picks_up_stored_orders_and_skips_stale_ones(engine: Engine) -> None:
    now = at(FRI, 19, 20)
    with session_factory(engine)() as s, s.begin():
        seed_shop(s)
        add_order(s, "fresh", at(FRI, 19, 10), amount=900)  # SMS due 19:25, task due 19:40
        add_order(s, "stale", at(FRI, 10), amount=900)  # both due hours ago: recorded, never fired
        add_order(s, "old", at(FRI, 19) - timedelta(days=3))  # outside the look-back
        s.flush()
        from kefu.service.duty.actions import schedule_new_orders

        assert schedule_new_orders(s, now) == 4
        assert schedule_new_orders(s, now) == 0
        s.get(Order, "fresh").paid_at = at(FRI, 19, 21)
        s.flush()
        assert schedule_new_orders(s, at(FRI, 19, 22)) == 1  # the payment's address check
    with session_factory(engine)() as s:
        states = {(t.rule, t.order_id): (t.status, t.payload.get("reason", "")) for t in s.scalars(select(DueTimer))}
    assert states == {("pay_sms", "fresh"): ("pending", ""), ("pay_task", "fresh"): ("pending", ""),
                      ("address_check", "fresh"): ("pending", ""),
                      ("pay_sms", "stale"): ("skipped", "late"), ("pay_task", "stale"): ("skipped", "late")}
    assert tick(engine, at(FRI, 19, 22))[0].rule_id == "address_check"  # silent (no credit): skipped
    fired = tick(engine, at(FRI, 20))
    assert [(o.rule_id, type(o).__name__) for o in fired] == [("pay_sms", "Skipped"), ("pay_task", "Skipped")]


def test_a_worker_that_read_pending_rows_another_one_fired_fires_nothing(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite has no row locks: the guarded claim (pending → firing) must lose the race cleanly."""

    created = at(FRI, 19)
    with session_factory(engine)() as s, s.begin():
        seed_shop(s)
        add_order(s, "o1", created, amount=500)
        s.flush()
        schedule_orders(s)
    claim, raced = store.claim_timers, []

    def claim_then_lose_the_race(session: Session, now: datetime, batch: int) -> list[DueTimer]:
        rows = claim(session, now, batch)
        if not raced:  # another worker fires the same rows and commits in between
            raced.append([])
            raced[0] = tick(engine, now)
        return rows

    monkeypatch.setattr(store, "claim_timers", claim_then_lose_the_race)
    if engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL: the claimed rows are locked, the other worker skips them (SKIP LOCKED test)")
    with session_factory(engine)() as s, s.begin():
        assert run_due_timers(s, created + 31 * M) == []
    assert [len(r) for r in raced] == [2]
    assert counts(engine) == (1, 0, 0)
