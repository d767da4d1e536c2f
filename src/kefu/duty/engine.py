"""Evaluate follow-up rules: which timers a trigger starts and what a timer does when due.

Pure and deterministic so that the live worker (timers in the database) and
``kefu duty replay`` (CSV in, CSV out) produce the same tasks from the same
facts. Two steps, matching the durable design:

1. ``timers_for(rules, trigger)``: the timers an event starts (one per rule;
   the caller keeps at most one per (rule, order)). Conditions that only read
   the trigger itself (a review's rating) are checked here, so a good review
   does not use up the once-per-order slot of the 中差评 rule.
2. ``fire(rule, timer, ctx)``: at the due moment, check the conditions
   against the facts as they are then and produce a task, a message or a skip.

Boundaries: "unpaid at T" means no payment at or before T, so a payment at
exactly creation + 15 min stops the SMS; amounts compare strictly (> 800 fen).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.domain.calendar import BusinessCalendar
from kefu.domain.timeutil import SHOP_TZ
from kefu.duty.roster import RosterView, pick
from kefu.duty.rules import Assign, Due, Rule, RuleSet


@dataclass(frozen=True)
class OrderFacts:
    order_id: str
    shop: str
    buyer: str
    created_at: datetime
    paid_at: datetime | None
    amount_fen: int


@dataclass(frozen=True)
class Attribution:
    """The credit engine's answer for one order ("" = nobody)."""

    order_agent: str = ""
    payment_agent: str = ""

    @property
    def silent(self) -> bool:
        return not self.order_agent and not self.payment_agent


@dataclass(frozen=True)
class Trigger:
    kind: str  # one of rules.TRIGGERS
    order_id: str
    at: datetime
    rating: str = ""  # review_posted only


@dataclass(frozen=True)
class Timer:
    """A rule waiting for its moment; stored as a DueTimer row by the service."""

    rule_id: str
    order_id: str
    due_at: datetime
    trigger_at: datetime
    rating: str = ""

    @property
    def key(self) -> str:
        return timer_key(self.rule_id, self.order_id)


def timer_key(rule_id: str, order_id: str) -> str:
    """The once-per-order identity of a firing; also the outbox dedupe key."""
    return f"{rule_id}:{order_id}"


@dataclass(frozen=True)
class TaskOut:
    rule_id: str
    task_type: str
    order_id: str
    assignee: str  # "" = nobody qualified; the supervisor sees it as unassigned
    created_at: datetime
    due_at: datetime
    assign_day: date  # the roster day the assignee was chosen from (load is counted there)


@dataclass(frozen=True)
class MessageOut:
    rule_id: str
    channel: str
    order_id: str
    sent_at: datetime
    text: str
    dedupe_key: str


@dataclass(frozen=True)
class Skipped:
    rule_id: str
    order_id: str
    reason: str


Outcome = TaskOut | MessageOut | Skipped


@dataclass(frozen=True)
class FireContext:
    """The facts a firing may read, as known at its due moment."""

    order: OrderFacts | None
    attribution: Attribution | None
    first_review_day: date | None
    roster: RosterView
    calendar: BusinessCalendar
    load: Callable[[date], Mapping[str, int]]  # tasks already assigned per agent on a roster day
    tz: ZoneInfo = SHOP_TZ


def timers_for(rules: RuleSet, trigger: Trigger) -> list[Timer]:
    """The timers one event starts, in rule order."""
    timers = []
    for rule in rules.for_trigger(trigger.kind):
        wanted = rule.conditions.rating_in
        if wanted and trigger.rating not in wanted:
            continue
        due = trigger.at + timedelta(minutes=rule.delay_minutes)
        timers.append(Timer(rule.id, trigger.order_id, due, trigger.at, trigger.rating))
    return timers


def due_time(due: Due, created: datetime, tz: ZoneInfo = SHOP_TZ) -> datetime:
    """A task's due moment: an offset, or a local wall-clock time (next day once it has passed)."""
    if due.at_local is None:
        return created + timedelta(minutes=due.after_minutes or 0)
    local = created.astimezone(tz)
    at = datetime.combine(local.date(), due.at_local, tzinfo=tz)
    if due.next_day_after and local > at:
        at = datetime.combine(local.date() + timedelta(days=1), due.at_local, tzinfo=tz)
    return at


def _unmet(rule: Rule, timer: Timer, ctx: FireContext) -> str:
    """Why the rule must not fire now ("" when every condition holds)."""
    cond = rule.conditions
    if cond.unpaid or cond.amount_fen_gt is not None:
        order = ctx.order
        if order is None:
            return "order unknown"
        if cond.unpaid and order.paid_at is not None and order.paid_at <= timer.due_at:
            return "paid"
        if cond.amount_fen_gt is not None and not order.amount_fen > cond.amount_fen_gt:
            return "amount"
    if cond.attributed and (ctx.attribution is None or ctx.attribution.silent):
        return "silent"
    return ""


def _roster_choice(assign: Assign, day: date, ctx: FireContext) -> str:
    pool = assign.workday if ctx.calendar.is_workday(day) else assign.restday
    candidates = ctx.roster.pool(pool, day) or ctx.roster.on_duty(day)
    return pick(candidates, ctx.load(day))


def _review_choice(assign: Assign, day: date, ctx: FireContext) -> str:
    first = ctx.first_review_day or day
    odd, even = assign.odd, assign.even
    if not odd and not even:
        everyone = ctx.roster.agents()
        half = (len(everyone) + 1) // 2
        odd, even = tuple(everyone[:half]), tuple(everyone[half:])
    group = odd if first.day % 2 == 1 else even
    working = [a for a in group if a in set(ctx.roster.on_duty(day))]
    return pick(working or group, ctx.load(day))


def _assignee(assign: Assign, created: datetime, due: datetime, ctx: FireContext) -> tuple[str, date]:
    day = (due if assign.day == "due" else created).astimezone(ctx.tz).date()
    if assign.by == "roster":
        return _roster_choice(assign, day, ctx), day
    if assign.by == "credit":
        attribution = ctx.attribution or Attribution()
        for role in assign.prefer:
            agent = attribution.payment_agent if role == "payment_agent" else attribution.order_agent
            if agent:
                return agent, day
        return "", day
    if assign.by == "review_parity":
        return _review_choice(assign, day, ctx), day
    return assign.agents[0], day


def fire(rule: Rule, timer: Timer, ctx: FireContext) -> Outcome:
    """What a due timer does, judged with the facts in ``ctx``."""
    reason = _unmet(rule, timer, ctx)
    if reason:
        return Skipped(rule.id, timer.order_id, reason)
    action = rule.action
    if action.kind == "message":
        text = action.text.replace("{order_id}", timer.order_id)
        return MessageOut(rule.id, action.channel, timer.order_id, timer.due_at, text, timer.key)
    assert action.assign is not None and action.due is not None  # guaranteed by parse_rules
    created = timer.due_at
    due = due_time(action.due, created, ctx.tz)
    assignee, day = _assignee(action.assign, created, due, ctx)
    return TaskOut(rule.id, action.task_type, timer.order_id, assignee, created, due, day)
