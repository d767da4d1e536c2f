"""Replay a shop's history through the follow-up rules, as the live worker would have.

Used by ``kefu duty replay`` to check rules against real exports before a
shop switches them on, and by tests as the reference the durable worker must
agree with. Everything is decided with what was known at each moment: only
events at or before ``until`` start timers, only timers due at or before
``until`` fire, and a payment after a timer's moment does not stop it.

Order of firing: by due time, then rule order in the rule file, then order
id. Task load for the fair choice is counted per agent and roster day in
that order, so a replay is reproducible line for line.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from kefu.domain.calendar import BusinessCalendar
from kefu.domain.timeutil import SHOP_TZ
from kefu.duty.engine import (
    Attribution,
    FireContext,
    MessageOut,
    OrderFacts,
    Skipped,
    TaskOut,
    Timer,
    Trigger,
    fire,
    timers_for,
)
from kefu.duty.roster import RosterView
from kefu.duty.rules import RuleSet


@dataclass(frozen=True)
class ReturnEvent:
    order_id: str
    received_at: datetime


@dataclass(frozen=True)
class ReviewEvent:
    order_id: str
    buyer: str
    posted_at: datetime
    rating: str  # good | neutral | bad


@dataclass
class ReplayResult:
    tasks: list[TaskOut] = field(default_factory=list)
    messages: list[MessageOut] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def triggers_from(
    orders: Iterable[OrderFacts],
    returns: Iterable[ReturnEvent] = (),
    reviews: Iterable[ReviewEvent] = (),
) -> list[Trigger]:
    """Every trigger event in the inputs, in time order."""
    out: list[Trigger] = []
    for order in orders:
        out.append(Trigger("order_created", order.order_id, order.created_at))
        if order.paid_at is not None:
            out.append(Trigger("order_paid", order.order_id, order.paid_at))
    out.extend(Trigger("return_received", r.order_id, r.received_at) for r in returns)
    out.extend(Trigger("review_posted", v.order_id, v.posted_at, v.rating) for v in reviews)
    out.sort(key=lambda t: (t.at, t.kind, t.order_id))
    return out


def first_review_days(reviews: Iterable[ReviewEvent], tz: ZoneInfo = SHOP_TZ) -> dict[str, date]:
    """The local date of each order's first review, whatever its rating."""
    first: dict[str, datetime] = {}
    for review in reviews:
        seen = first.get(review.order_id)
        if seen is None or review.posted_at < seen:
            first[review.order_id] = review.posted_at
    return {order_id: at.astimezone(tz).date() for order_id, at in first.items()}


def plan_timers(rules: RuleSet, triggers: Iterable[Trigger], until: datetime) -> list[Timer]:
    """Timers started at or before ``until``; at most one per (rule, order), the earliest."""
    timers: dict[str, Timer] = {}
    for trigger in triggers:
        if trigger.at > until:
            continue
        for timer in timers_for(rules, trigger):
            if timer.key not in timers:
                timers[timer.key] = timer
    order = {rule.id: i for i, rule in enumerate(rules.rules)}
    return sorted(timers.values(), key=lambda t: (t.due_at, order[t.rule_id], t.order_id))


def replay(
    rules: RuleSet,
    orders: Iterable[OrderFacts],
    attribution: Mapping[str, Attribution],
    roster: RosterView,
    until: datetime,
    *,
    returns: Iterable[ReturnEvent] = (),
    reviews: Iterable[ReviewEvent] = (),
    calendar: BusinessCalendar | None = None,
    tz: ZoneInfo = SHOP_TZ,
) -> ReplayResult:
    """Fire every rule whose moment is at or before ``until``; tasks and messages in firing order."""
    order_list = list(orders)
    by_id = {o.order_id: o for o in order_list}
    review_list = [v for v in reviews if v.posted_at <= until]
    first_days = first_review_days(review_list, tz)
    cal = calendar or BusinessCalendar()
    load: dict[date, dict[str, int]] = defaultdict(dict)
    result = ReplayResult()
    timers = plan_timers(rules, triggers_from(order_list, returns, review_list), until)
    for timer in timers:
        if timer.due_at > until:
            continue
        ctx = FireContext(
            order=by_id.get(timer.order_id),
            attribution=attribution.get(timer.order_id),
            first_review_day=first_days.get(timer.order_id),
            roster=roster,
            calendar=cal,
            load=lambda day: load[day],
            tz=tz,
        )
        outcome = fire(rules.get(timer.rule_id), timer, ctx)
        if isinstance(outcome, TaskOut):
            result.tasks.append(outcome)
            if outcome.assignee:
                day_load = load[outcome.assign_day]
                day_load[outcome.assignee] = day_load.get(outcome.assignee, 0) + 1
        elif isinstance(outcome, MessageOut):
            result.messages.append(outcome)
        else:
            result.skipped.append(outcome)
    return result
