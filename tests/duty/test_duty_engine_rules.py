"""The seed-003 default rules at their exact boundaries, through the pure replay."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from duty.duty_builders import FRI, SAT, THU, at, order, week_roster
from kefu.duty.engine import Attribution
from kefu.duty.replay import ReturnEvent, ReviewEvent, replay
from kefu.duty.roster import RosterView
from kefu.duty.rules import default_rules

RULES = default_rules()
M = timedelta(minutes=1)
S = timedelta(seconds=1)


def run(orders, until, *, attribution=None, returns=(), reviews=(), roster=None):
    return replay(RULES, orders, attribution or {}, roster or week_roster(), until,
                  returns=returns, reviews=reviews)


# --- 催付 SMS -------------------------------------------------------------

@pytest.mark.parametrize(("amount", "sent"), [(800, False), (801, True)])
def test_sms_needs_more_than_eight_yuan(amount: int, sent: bool) -> None:
    created = at(FRI, 10)
    result = run([order("o1", created, amount=amount)], created + 20 * M)
    assert [(m.channel, m.order_id, m.sent_at) for m in result.messages] == (
        [("sms", "o1", created + 15 * M)] if sent else [])


@pytest.mark.parametrize(("until", "sent"), [(14 * M + 59 * S, False), (15 * M, True)])
def test_sms_fires_at_exactly_fifteen_minutes(until: timedelta, sent: bool) -> None:
    created = at(FRI, 10)
    result = run([order("o1", created, amount=801)], created + until)
    assert len(result.messages) == int(sent)


@pytest.mark.parametrize(("paid_after", "sent"), [(14 * M + 59 * S, False), (15 * M, False), (15 * M + S, True)])
def test_payment_at_or_before_fifteen_minutes_stops_the_sms(paid_after: timedelta, sent: bool) -> None:
    created = at(FRI, 10)
    result = run([order("o1", created, paid_after=paid_after, amount=801)], created + 20 * M)
    assert [m.order_id for m in result.messages] == (["o1"] if sent else [])


def test_sms_text_names_the_order_and_dedupes_per_rule_and_order() -> None:
    created = at(FRI, 10)
    (message,) = run([order("o9", created, amount=900)], created + 15 * M).messages
    assert "o9" in message.text
    assert message.dedupe_key == "pay_sms:o9"


# --- 催付 task -------------------------------------------------------------

@pytest.mark.parametrize(("paid_after", "task"), [(29 * M + 59 * S, False), (30 * M, False), (30 * M + S, True)])
def test_pay_task_only_when_unpaid_at_thirty_minutes(paid_after: timedelta, task: bool) -> None:
    created = at(FRI, 19)
    result = run([order("o1", created, paid_after=paid_after)], created + 40 * M)
    assert [t.task_type for t in result.tasks if t.task_type == "pay_reminder"] == (["pay_reminder"] if task else [])


@pytest.mark.parametrize(("until", "count"), [(29 * M + 59 * S, 0), (30 * M, 1)])
def test_pay_task_created_at_thirty_minutes(until: timedelta, count: int) -> None:
    created = at(FRI, 19)
    result = run([order("o1", created)], created + until)
    assert len(result.tasks) == count
    if count:
        (task,) = result.tasks
        assert (task.created_at, task.due_at) == (created + 30 * M, created + 90 * M)


def test_friday_goes_to_the_evening_shift_saturday_to_whoever_is_on_duty() -> None:
    fri, sat = at(FRI, 14), at(SAT, 14)
    result = run([order("fri", fri), order("sat", sat)], at(SAT, 23))
    assignees = {t.order_id: t.assignee for t in result.tasks}
    assert assignees["fri"] == "b02"  # 晚班 b02/c03, a01 (白班) never on a weekday
    assert assignees["sat"] == "a01"  # on duty a01/d04, both idle → smallest id


def test_order_at_friday_2345_is_a_saturday_task() -> None:
    created = at(FRI, 23, 45)
    (task,) = run([order("late", created)], at(SAT, 1)).tasks
    assert task.created_at == at(SAT, 0, 15)
    assert task.assignee in {"a01", "d04"}


def test_several_qualified_agents_take_turns_by_load_then_id() -> None:
    base = at(FRI, 12)
    orders = [order(f"o{i}", base + i * M) for i in range(4)]
    result = run(orders, at(FRI, 23))
    assert [t.assignee for t in result.tasks] == ["b02", "c03", "b02", "c03"]


def test_statutory_holiday_weekday_uses_on_duty_and_makeup_saturday_uses_evening() -> None:
    holiday, makeup = date(2026, 10, 1), date(2026, 10, 10)  # Thursday 国庆节; Saturday 调休上班
    roster = RosterView.from_entries(
        [("a01", d, "白班") for d in (holiday, makeup)] + [("b02", d, "晚班") for d in (holiday, makeup)])
    result = run([order("h", at(holiday, 10)), order("m", at(makeup, 10))], at(makeup, 23), roster=roster)
    assert {t.order_id: t.assignee for t in result.tasks} == {"h": "a01", "m": "b02"}


def test_no_evening_agent_falls_back_to_on_duty_then_unassigned() -> None:
    roster = RosterView.from_entries([("a01", FRI, "白班")])
    result = run([order("o1", at(FRI, 10)), order("o2", at(SAT, 10))], at(SAT, 23), roster=roster)
    assert [(t.order_id, t.assignee) for t in result.tasks] == [("o1", "a01"), ("o2", "")]


# --- 核对地址 --------------------------------------------------------------

def test_address_check_goes_to_payment_agent_else_order_agent_never_silent_or_unpaid() -> None:
    created = at(FRI, 10)
    orders = [order(o, created, paid_after=5 * M) for o in ("pay", "ord", "silent", "nocredit")]
    orders.append(order("unpaid", created))
    credit = {"pay": Attribution("x1", "x2"), "ord": Attribution("x1", ""), "silent": Attribution("", ""),
              "unpaid": Attribution("x1", "")}
    result = run(orders, created + 10 * M, attribution=credit)
    checks = [(t.order_id, t.assignee, t.created_at, t.due_at) for t in result.tasks]
    paid = created + 5 * M
    assert checks == [("ord", "x1", paid, paid + 30 * M), ("pay", "x2", paid, paid + 30 * M)]
    assert {s.order_id: s.reason for s in result.skipped if s.rule_id == "address_check"} == {
        "nocredit": "silent", "silent": "silent"}


def test_address_check_fires_at_payment_not_before() -> None:
    created = at(FRI, 10)
    orders = [order("o1", created, paid_after=5 * M)]
    credit = {"o1": Attribution("", "x2")}
    assert run(orders, created + 5 * M - S, attribution=credit).tasks == []
    assert len(run(orders, created + 5 * M, attribution=credit).tasks) == 1


# --- 退货 ------------------------------------------------------------------

@pytest.mark.parametrize(("received", "due", "assignee"), [
    (at(THU, 17, 30), at(THU, 17, 30), "b02"),          # exactly 17:30: still that day
    (at(THU, 17, 30, 1), at(FRI, 17, 30), "b02"),       # after 17:30: next day, Friday's 晚班
    (at(FRI, 9), at(FRI, 17, 30), "b02"),
    (at(FRI, 18), at(SAT, 17, 30), "a01"),              # due Saturday → on duty Saturday
])
def test_return_due_1730_and_assigned_on_the_due_day(received, due, assignee) -> None:
    result = run([], at(SAT, 23), returns=[ReturnEvent("r1", received)])
    assert [(t.task_type, t.order_id, t.assignee, t.created_at, t.due_at) for t in result.tasks] == [
        ("return", "r1", assignee, received, due)]


def test_return_fires_once_per_order() -> None:
    events = [ReturnEvent("r1", at(FRI, 9)), ReturnEvent("r1", at(FRI, 11))]
    (task,) = run([], at(FRI, 12), returns=events).tasks
    assert task.created_at == at(FRI, 9)


# --- 中差评 ----------------------------------------------------------------

def review(oid: str, when, rating: str) -> ReviewEvent:
    return ReviewEvent(oid, "buyer", when, rating)


def test_review_parity_uses_the_first_review_date_whatever_its_rating() -> None:
    # halves of the roster's agents: odd → a01, b02; even → c03, d04
    reviews = [review("odd", at(THU, 9), "good"), review("odd", at(FRI, 9), "bad"),   # first on the 19th
               review("even", at(FRI, 10), "neutral")]                               # first on the 20th
    result = run([], at(FRI, 23), reviews=reviews)
    got = {t.order_id: (t.assignee, t.created_at, t.due_at) for t in result.tasks}
    assert got == {"odd": ("a01", at(FRI, 9), at(SAT, 9)), "even": ("c03", at(FRI, 10), at(SAT, 10))}


def test_review_configured_groups_and_one_task_per_order() -> None:
    from kefu.service.duty.actions import with_review_groups

    rules = with_review_groups(RULES, ["odd1"], ["even1", "even2"])
    reviews = [review("o1", at(SAT, 9), "bad"), review("o1", at(SAT, 10), "bad"), review("o2", at(FRI, 9), "bad"),
               review("o3", at(FRI, 9), "good")]
    result = replay(rules, [], {}, week_roster(), at(SAT, 23), reviews=reviews)
    assert [(t.order_id, t.assignee) for t in result.tasks] == [("o2", "even1"), ("o1", "odd1")]
