"""Duty use-cases: replay rules over files, schedule and fire durable timers, tasks.

API, dashboard and CLI call these functions; the rules themselves live in the
pure ``kefu.duty`` engine. Timers are rows (``DueTimer``) so a restart in the
middle of a 15-minute delay loses nothing, and each (rule, order) row is
unique so a rule fires once per order however many workers poll. Claimed
rows are locked ``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite one
worker process polls. A firing and its task / outbox row / skip mark are one
transaction. Task list, completion, escalation and KPI figures are in
:mod:`kefu.service.duty.actions_tasks`; statements and locks in :mod:`kefu.service.duty.store`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from kefu.credit.pipeline import run_credit
from kefu.domain.calendar import BusinessCalendar
from kefu.domain.errors import KefuError, bad_argument
from kefu.domain.timeutil import SHOP_TZ, local_midnight, utc_now
from kefu.duty.credit_bridge import attribution_from_frame
from kefu.duty.engine import (
    Attribution,
    FireContext,
    MessageOut,
    OrderFacts,
    Outcome,
    Skipped,
    Timer,
    Trigger,
    fire,
    timers_for,
)
from kefu.duty.replay import ReplayResult, replay
from kefu.duty.roster import DEFAULT_EVENING_CODE, RosterView, evening_codes_from_shifts
from kefu.duty.rules import RATINGS, RuleSet, default_rules, load_rules, with_review_groups
from kefu.io import duty_csv
from kefu.service.duty import actions_rules, events, store
from kefu.store.db import get_engine
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.duty import DueTimer, Task
from kefu.store.models.live import Message
from kefu.store.models.org import Agent, Shop


def replay_files(
    *,
    orders: Path,
    messages: Path,
    roster: Path,
    until: datetime,
    out: Path,
    returns: Path | None = None,
    reviews: Path | None = None,
    shifts: Path | None = None,
    rules: Path | None = None,
    attribution: Path | None = None,
    review_odd: list[str] | None = None,
    review_even: list[str] | None = None,
    on_stage: Callable[[str], None] = lambda _stage: None,
) -> ReplayResult:
    """``kefu duty replay``: read the files, attribute orders, fire rules, write tasks.csv and messages.csv.

    Chats after ``until`` are not read: the live worker could not have known them.
    ``on_stage`` hears "read", "credit", "fire", "write" (for a progress display).
    """
    on_stage("read")
    rule_set = with_review_groups(load_rules(rules), review_odd or [], review_even or [])
    order_list, order_frame = duty_csv.read_orders(orders)
    if shifts is not None:
        table = duty_csv.read_shifts(shifts)
        codes = {s.code for s in table}
        evening = evening_codes_from_shifts((s.code, s.evening, s.night) for s in table)
        roster_view = RosterView.from_entries(duty_csv.read_roster(roster, codes), evening)
    else:
        roster_view = RosterView.from_entries(duty_csv.read_roster(roster))
    return_list = duty_csv.read_returns(returns) if returns is not None else []
    review_list = duty_csv.read_reviews(reviews) if reviews is not None else []
    on_stage("credit")
    if attribution is not None:
        duty_csv.read_messages(messages)  # validated all the same: a bad chat file is a bad input
        credit: Mapping[str, Attribution] = attribution_from_frame(duty_csv.read_attribution(attribution))
    else:
        credit = attribution_from_credit(duty_csv.read_messages(messages, until), order_frame)
    on_stage("fire")
    result = replay(rule_set, order_list, credit, roster_view, until,
                    returns=return_list, reviews=review_list, calendar=BusinessCalendar())
    on_stage("write")
    out.mkdir(parents=True, exist_ok=True)
    duty_csv.write_tasks(out / "tasks.csv", result.tasks)
    duty_csv.write_messages(out / "messages.csv", result.messages)
    return result


# --- durable timers -------------------------------------------------------------------


def shop_rules(session: Session, shop_id: str | None) -> RuleSet:
    """The shop's rules (its newest edited version, see :mod:`.actions_rules`) plus review groups."""
    shop = session.get(Shop, shop_id) if shop_id else None
    duty: dict[str, Any] = dict((shop.settings or {}).get("duty", {})) if shop is not None else {}
    rules = actions_rules.parsed(actions_rules.stored_doc(session, shop)) if shop is not None else default_rules()
    return with_review_groups(rules, list(duty.get("review_odd", [])), list(duty.get("review_even", [])))


def _add_timers(session: Session, trigger: Trigger, shop_id: str, rules: RuleSet,
                stale_before: datetime | None = None) -> int:
    """Insert the trigger's timers (once per rule and order); timers already long overdue are born skipped."""
    added = 0
    for timer in timers_for(rules, trigger):
        payload: dict[str, Any] = {"trigger_at": timer.trigger_at.isoformat(), "rating": timer.rating,
                                   "shop_id": shop_id}
        late = stale_before is not None and timer.due_at < stale_before
        if late:
            payload["reason"] = "late"
        added += store.insert_ignore(session, DueTimer, {
            "rule": timer.rule_id, "order_id": timer.order_id, "due_at": timer.due_at,
            "status": "skipped" if late else "pending", "payload": payload,
        })
    return added


def schedule_order(session: Session, order: Order, rules: RuleSet | None = None, *,
                   stale_before: datetime | None = None) -> int:
    """Start the timers of a stored order's creation, payment and return; idempotent.

    Safe to call on every import or order update: each (rule, order) timer is
    inserted once, so a re-import never re-sends an SMS. With ``stale_before``,
    timers due before it are stored as skipped (reason ``late``): an order
    imported days late must not text the buyer now.
    """
    rule_set = rules or shop_rules(session, order.shop_id)
    triggers = [Trigger("order_created", order.id, order.created_at)]
    if order.paid_at is not None:
        triggers.append(Trigger("order_paid", order.id, order.paid_at))
    if order.returned_at is not None:
        triggers.append(Trigger("return_received", order.id, order.returned_at))
    return sum(_add_timers(session, trig, order.shop_id, rule_set, stale_before) for trig in triggers)


def _rule_ids(session: Session, trigger: str) -> list[str]:
    """Rule ids for a trigger across the defaults and every shop's own rules."""
    ids = {r.id for r in default_rules().for_trigger(trigger)}
    for shop_id in session.scalars(select(Shop.id)):
        ids |= {r.id for r in shop_rules(session, shop_id).for_trigger(trigger)}
    return sorted(ids) or ["-"]


def schedule_new_orders(session: Session, now: datetime | None = None, *, lookback: timedelta = timedelta(days=2),
                        grace: timedelta = timedelta(hours=1)) -> int:
    """The worker's sweep: orders created, paid or returned within ``lookback`` that lack their timers.

    Importers need not call anything: stored orders are picked up here. Timers
    due more than ``grace`` ago are recorded as skipped rather than fired.
    """
    when = now or utc_now()
    since = when - lookback
    found: dict[str, Order] = {}
    for column, trigger in ((Order.created_at, "order_created"), (Order.paid_at, "order_paid"),
                            (Order.returned_at, "return_received")):
        has_timer = select(DueTimer.id).where(DueTimer.order_id == Order.id,
                                              DueTimer.rule.in_(_rule_ids(session, trigger)))
        stmt = select(Order).where(column.is_not(None), column >= since, column <= when, ~has_timer.exists())
        for order in session.scalars(stmt):
            found[order.id] = order
    return sum(schedule_order(session, order, stale_before=when - grace) for order in found.values())


def schedule_orders(session: Session, order_ids: Iterable[str] | None = None, rules: RuleSet | None = None) -> int:
    """``schedule_order`` for the given stored orders (all when ``None``); timers added."""
    stmt = select(Order).order_by(Order.created_at)
    if order_ids is not None:
        stmt = stmt.where(Order.id.in_(list(order_ids)))
    return sum(schedule_order(session, order, rules) for order in session.scalars(stmt))


def record_return(session: Session, order_id: str, received_at: datetime, shop_id: str = "") -> int:
    """A return parcel arrived: remember it on the order and start the 退货 timer."""
    order = session.get(Order, order_id)
    if order is not None:
        shop_id = order.shop_id
        if order.returned_at is None:
            order.returned_at = received_at
    rules = shop_rules(session, shop_id)
    return _add_timers(session, Trigger("return_received", order_id, received_at), shop_id, rules)


def record_review(session: Session, order_id: str, buyer: str, posted_at: datetime, rating: str,
                  shop_id: str = "") -> int:
    """A review was posted: an event row (the first one decides odd/even) and the 中差评 timer."""
    if rating not in RATINGS:
        raise bad_argument("rating", f"应为 {RATINGS}", f"must be one of {RATINGS}")
    order = session.get(Order, order_id)
    shop_id = order.shop_id if order is not None else shop_id
    events.review_posted(session, order_id=order_id, shop_id=shop_id, at=posted_at, buyer=buyer, rating=rating)
    rules = shop_rules(session, shop_id)
    return _add_timers(session, Trigger("review_posted", order_id, posted_at, rating), shop_id, rules)


def run_due_timers(session: Session, now: datetime | None = None, *, batch: int = 200,
                   calendar: BusinessCalendar | None = None) -> list[Outcome]:
    """Fire due timers: each becomes a task, an outbox message or a skip, in this transaction.

    The caller commits; until then the claimed rows stay locked (PostgreSQL)
    and pending, so a crash fires them on the next pass, never twice.
    """
    when = now or utc_now()
    cal = calendar or BusinessCalendar()
    outcomes: list[Outcome] = []
    claimed = store.claim_timers(session, when, batch)
    rank = {r.id: i for i, r in enumerate(default_rules().rules)}
    claimed.sort(key=lambda t: (t.due_at, rank.get(t.rule, len(rank)), t.order_id))  # the replay's order
    for row in claimed:
        # PostgreSQL: the row is already ours (locked). SQLite has no row locks: this guarded
        # write takes the database write lock, and a second process that read the same
        # pending row fails here (stale snapshot) and rolls back instead of firing it twice.
        guard = update(DueTimer).where(DueTimer.id == row.id, DueTimer.status == "pending").values(status="firing")
        if session.execute(guard).rowcount != 1:  # type: ignore[attr-defined]
            continue
        payload = dict(row.payload or {})
        shop_id = str(payload.get("shop_id", ""))
        timer = Timer(row.rule, row.order_id, row.due_at, datetime.fromisoformat(payload["trigger_at"]),
                      str(payload.get("rating", "")))
        rules = shop_rules(session, shop_id)
        if row.rule not in {r.id for r in rules.rules}:
            outcome: Outcome = Skipped(row.rule, row.order_id, "rule removed")
        else:
            outcome = fire(rules.get(row.rule), timer, fire_context(session, timer, shop_id, rules, cal))
        apply_outcome(session, row, outcome, shop_id, when)
        outcomes.append(outcome)
    return outcomes


def run_worker(engine: Engine | None = None, *, once: bool = False, interval: float = 5.0, batch: int = 200,
               stop: Callable[[], bool] | None = None) -> int:
    """``kefu duty worker``: the served process's background pass in a loop, for API-only deployments.

    One pass is :func:`kefu.service.duty.actions_worker.tick` (new orders, due timers,
    escalation, retention, the live sweep, attendance marks, the outbox). Returns the number of passes made.
    """
    from kefu.service.duty.actions_worker import tick  # local: the worker module builds on this one

    eng = engine or get_engine()
    passes = 0
    while True:
        tick(eng, batch=batch)
        passes += 1
        if once or (stop is not None and stop()):
            return passes
        time.sleep(interval)


def _roster(session: Session, shop_id: str, around: datetime, tz: ZoneInfo) -> RosterView:
    """The shop's roster from the day before to two days after ``around`` (enough for any due day)."""
    entries, shifts, team = store.roster_rows(session, shop_id, around.astimezone(tz).date())
    evening = evening_codes_from_shifts(shifts) if shifts else frozenset({DEFAULT_EVENING_CODE})
    return RosterView.from_entries(entries, evening, everyone=team)


def task_load(session: Session, rules: RuleSet, day: date, tz: ZoneInfo = SHOP_TZ) -> dict[str, int]:
    """Tasks per agent whose roster day is ``day`` (creation day, or due day for due-day rules)."""
    start = local_midnight(day - timedelta(days=2), tz=tz)
    stmt = select(Task).where(Task.assignee.is_not(None), Task.created_at >= start,
                              Task.created_at < start + timedelta(days=5))
    by_due = {r.id for r in rules.rules if r.action.assign is not None and r.action.assign.day == "due"}
    counts: dict[str, int] = {}
    for task in session.scalars(stmt):
        moment = task.due_at if task.source_rule in by_due and task.due_at is not None else task.created_at
        if moment.astimezone(tz).date() == day and task.assignee:
            counts[task.assignee] = counts.get(task.assignee, 0) + 1
    return counts


def attribution_from_credit(messages: pd.DataFrame, orders: pd.DataFrame) -> dict[str, Attribution]:
    """The credit engine's attribution of ``orders`` from ``messages`` (duty never re-implements it)."""
    return attribution_from_frame(run_credit(messages, orders).order_credit)


def _attribution(session: Session, order: Order | None) -> Attribution | None:
    """Stored credit when the credit engine has run; else run it on this buyer's stored chats."""
    if order is None:
        return None
    credit = session.get(OrderCredit, order.id)
    if credit is not None:
        return Attribution(credit.order_agent or "", credit.payment_agent or "")
    messages = session.scalars(select(Message).where(Message.shop_id == order.shop_id, Message.buyer == order.buyer,
                                                     Message.ts <= (order.paid_at or order.created_at)
                                                     + timedelta(hours=1)))
    frame = pd.DataFrame([(m.shop_id, m.buyer, m.agent_id or "", m.ts, m.direction, m.auto) for m in messages],
                         columns=list(duty_csv.MESSAGE_COLUMNS))
    orders = pd.DataFrame([{
        "order_id": order.id, "shop": order.shop_id, "buyer": order.buyer, "created_at": order.created_at,
        "paid_at": order.paid_at, "amount_fen": order.amount_fen, "status": order.status,
        "refund_fen": order.refund_fen}])
    for column in ("created_at", "paid_at"):
        orders[column] = pd.to_datetime(orders[column], utc=True)
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    try:
        return attribution_from_credit(frame, orders).get(order.id)
    except KefuError:
        return None


def fire_context(session: Session, timer: Timer, shop_id: str, rules: RuleSet, cal: BusinessCalendar,
                 tz: ZoneInfo = SHOP_TZ) -> FireContext:
    """The facts a stored timer is judged on, read at its firing."""
    row = session.get(Order, timer.order_id)
    facts = None if row is None else OrderFacts(row.id, row.shop_id, row.buyer, row.created_at, row.paid_at,
                                                row.amount_fen)
    rule = rules.get(timer.rule_id)
    needs_credit = rule.conditions.attributed or (rule.action.assign is not None and rule.action.assign.by == "credit")
    first = store.first_review_at(session, timer.order_id)
    return FireContext(
        order=facts,
        attribution=_attribution(session, row) if needs_credit else None,
        first_review_day=None if first is None else first.astimezone(tz).date(),
        roster=_roster(session, shop_id, timer.due_at, tz),
        calendar=cal,
        load=lambda day: task_load(session, rules, day, tz),
        tz=tz,
    )


def apply_outcome(session: Session, row: DueTimer, outcome: Outcome, shop_id: str, now: datetime) -> None:
    """Store what a firing produced and close its timer, in the caller's transaction."""
    row.fired_at = now
    if isinstance(outcome, Skipped):
        row.status = "skipped"
        row.payload = {**(row.payload or {}), "reason": outcome.reason}
        return
    row.status = "fired"
    if isinstance(outcome, MessageOut):
        order = session.get(Order, outcome.order_id)
        store.enqueue(session, outcome.channel, outcome.dedupe_key, {
            "text": outcome.text, "phone": order.phone if order is not None else "", "order_id": outcome.order_id,
            "shop_id": shop_id, "rule": outcome.rule_id}, now)
        return
    known = bool(outcome.assignee) and session.get(Agent, outcome.assignee) is not None
    assignee = outcome.assignee if known else None
    note = "" if assignee or not outcome.assignee else f"unknown agent {outcome.assignee}"
    task = Task(shop_id=shop_id, task_type=outcome.task_type, order_id=outcome.order_id, assignee=assignee,
                status="open", created_at=outcome.created_at, due_at=outcome.due_at, outcome="",
                source_rule=outcome.rule_id, note=note)
    session.add(task)
    session.flush()
    events.task_created(session, task_id=task.id, shop_id=shop_id, assignee=assignee, at=outcome.created_at,
                        task_type=outcome.task_type, order_id=outcome.order_id, rule=outcome.rule_id,
                        due_at=outcome.due_at)
