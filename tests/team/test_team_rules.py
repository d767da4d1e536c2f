"""The pure team rules: request flows, leave days and balances, overtime terms, quiz, ladder, fund, goals, track."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kefu.domain.calendar import DayKind
from kefu.domain.errors import KefuError
from kefu.team import briefing, flow, growth, ladder, people
from kefu.team import leave as lv
from kefu.team import overtime as ot

MON = date(2026, 3, 2)


def test_flows_allow_only_their_moves() -> None:
    assert flow.LEAVE.next("pending", "approve") == "approved"
    assert flow.SWAP.next("requested", "accept") == "accepted"
    assert flow.SWAP.next("accepted", "approve") == "approved"
    assert flow.OVERTIME.next("approved", "book") == "booked"
    with pytest.raises(KefuError) as exc:
        flow.LEAVE.next("rejected", "cancel")
    assert (exc.value.code, exc.value.message, exc.value.message_en) == (
        "REQUEST_BAD_TRANSITION", "申请当前为「已驳回」, 不能撤回", "the request is rejected; it cannot be withdrawn")
    with pytest.raises(KefuError):
        flow.SWAP.next("requested", "approve")  # the peer has not accepted


def test_leave_kinds_and_days() -> None:
    assert [lv.parse_kind(t) for t in ("事假", "病假", "年假", "调休", "annual")] == [
        lv.LeaveKind.PERSONAL, lv.LeaveKind.SICK, lv.LeaveKind.ANNUAL, lv.LeaveKind.COMP, lv.LeaveKind.ANNUAL]
    days = [lv.LeaveDay(MON, "白班", 420), lv.LeaveDay(date(2026, 3, 3), "", 0), lv.LeaveDay(date(2026, 3, 7), None),
            lv.LeaveDay(date(2026, 3, 9), None)]  # rostered, rostered rest, Saturday and Monday without a row
    taken = lv.taken_days(days, lambda d: d.weekday() < 5)
    assert [d.day for d in taken] == [MON, date(2026, 3, 9)]
    assert lv.comp_minutes(taken, lv.LeavePolicy()) == 420 + 480


def test_leave_balances() -> None:
    booked = [lv.Booked(lv.LeaveKind.ANNUAL, "approved", 2), lv.Booked(lv.LeaveKind.ANNUAL, "pending", 1),
              lv.Booked(lv.LeaveKind.SICK, "approved", 3), lv.Booked(lv.LeaveKind.COMP, "pending", 1, 420)]
    rows = {b.kind: b for b in lv.balances(booked, lv.LeavePolicy(annual_days=10), comp_ledger=600)}
    assert rows[lv.LeaveKind.ANNUAL] == lv.Balance(lv.LeaveKind.ANNUAL, "day", 10, 2, 1, 7)
    assert rows[lv.LeaveKind.SICK] == lv.Balance(lv.LeaveKind.SICK, "day", None, 3, 0, None)
    assert rows[lv.LeaveKind.COMP] == lv.Balance(lv.LeaveKind.COMP, "minute", 600, 0, 420, 180)
    lv.check_balance(lv.LeaveKind.SICK, 30, 0, rows[lv.LeaveKind.SICK])  # no cap
    with pytest.raises(KefuError) as exc:
        lv.check_balance(lv.LeaveKind.COMP, 1, 420, rows[lv.LeaveKind.COMP])
    assert exc.value.message == "调休余额不足: 需要 420 分钟, 剩余 180 分钟"


@pytest.mark.parametrize(("kind", "comp", "minutes", "month", "rate"), [
    (DayKind.WORKDAY, ot.Compensation.PAY, 180, 0, Decimal("1.5")),
    (DayKind.REST, ot.Compensation.COMP_LEAVE, 480, 0, Decimal("2")),
    (DayKind.STATUTORY, ot.Compensation.PAY, 480, 1680, Decimal("3")),
])  # fmt: skip
def test_overtime_rates(kind: DayKind, comp: ot.Compensation, minutes: int, month: int, rate: Decimal) -> None:
    assert ot.terms(MON, kind, comp, minutes, month, MON).rate == rate


@pytest.mark.parametrize(("kind", "comp", "minutes", "month", "day", "error"), [
    (DayKind.WORKDAY, ot.Compensation.PAY, 181, 0, MON, "CONFLICT"),  # > 3 h on a workday
    (DayKind.REST, ot.Compensation.PAY, 721, 0, MON, "CONFLICT"),  # > 12 h
    (DayKind.REST, ot.Compensation.PAY, 120, 2041, MON, "CONFLICT"),  # > 36 h in the month
    (DayKind.WORKDAY, ot.Compensation.COMP_LEAVE, 60, 0, MON, "BAD_ARGUMENT"),  # workday overtime is paid
    (DayKind.STATUTORY, ot.Compensation.COMP_LEAVE, 60, 0, MON, "BAD_ARGUMENT"),
    (DayKind.WORKDAY, ot.Compensation.PAY, 60, 0, date(2026, 3, 1), "BAD_ARGUMENT"),  # not in advance
    (DayKind.WORKDAY, ot.Compensation.PAY, 0, 0, MON, "BAD_ARGUMENT"),
])  # fmt: skip
def test_overtime_limits(kind: DayKind, comp: ot.Compensation, minutes: int, month: int, day: date, error: str) -> None:
    with pytest.raises(KefuError) as exc:
        ot.terms(day, kind, comp, minutes, month, MON)
    assert exc.value.code == error


def test_quiz_and_acknowledgements() -> None:
    quiz = briefing.check_quiz([{"question": "面料?", "options": ["棉", "涤纶"], "answer": 0},
                                {"question": "尺码?", "options": ["S-XL", "均码", "XXL"], "answer": 1}])
    assert briefing.grade(quiz, [0, 1]) == briefing.Grade(2, 2, True, ())
    assert briefing.grade(quiz, [0, 2]) == briefing.Grade(1, 2, False, (1,))
    for bad in ([], [{"question": "x", "options": ["a"], "answer": 0}], [{"question": "x", "options": ["a", "b"], "answer": 2}],
                [{"question": "x", "options": ["a", "b"], "answer": True}]):  # fmt: skip
        with pytest.raises(KefuError):
            briefing.check_quiz(bad)
    with pytest.raises(KefuError):
        briefing.grade(quiz, [0])
    launch = date(2026, 3, 10)
    rows = briefing.ack_rows(["a1", "a2", "a3"], {"a1": date(2026, 3, 9), "a3": date(2026, 3, 11)}, launch, date(2026, 3, 12))
    assert [(r.agent, r.state) for r in rows] == [("a2", "missing_at_launch"), ("a1", "acknowledged"), ("a3", "acknowledged_late")]
    assert briefing.ack_rows(["a2"], {}, launch, date(2026, 3, 9))[0].state == "missing"
    assert briefing.check_pairs([{"name": "面料", "value": "棉"}], "name", "value", "attributes") == [("面料", "棉")]


def test_probation_and_early_regular() -> None:
    assert people.probation_end(date(2026, 1, 31), 1) == date(2026, 2, 28)
    with pytest.raises(KefuError):
        people.probation_end(MON, 7)
    targets = [people.Target("conv", "转化率"), people.Target("resp", "响应", lower_is_better=True)]
    norms = {"conv": Decimal("0.4"), "resp": Decimal("30")}
    good = people.early_regular(True, {"conv": Decimal("0.45"), "resp": Decimal("25")}, norms, targets)
    assert good.eligible and [c.met for c in good.checks] == [True, True]
    slow = people.early_regular(True, {"conv": Decimal("0.45"), "resp": Decimal("31")}, norms, targets)
    assert not slow.eligible and [c.met for c in slow.checks] == [True, False]
    assert not people.early_regular(False, {"conv": Decimal("0.45"), "resp": Decimal("25")}, norms, targets).eligible


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC)


def test_attendance_marks() -> None:
    shifts = [people.RosteredShift(a, MON, _at(9), _at(17), 450, a == "on_leave")
              for a in ("on_time", "late", "missing", "left_before", "on_leave")]  # fmt: skip
    present: dict[str, list[people.Span]] = {
        "on_time": [(_at(8, 55), None)], "late": [(_at(9, 7), _at(17))], "left_before": [(_at(8), _at(8, 59))]}
    assert people.attendance_marks(shifts, present, _at(9, 5), grace_minutes=5) == []  # inside the grace
    assert people.attendance_marks(shifts, present, _at(10), grace_minutes=5) == [
        people.Mark("late", MON, "late", 7), people.Mark("missing", MON, "late", 60, final=False),
        people.Mark("left_before", MON, "late", 60, final=False)]
    assert people.attendance_marks(shifts, present, _at(17)) == [
        people.Mark("late", MON, "late", 7), people.Mark("missing", MON, "absent", 450),
        people.Mark("left_before", MON, "absent", 450)]
    assert people.attendance_marks(shifts, present, _at(17), grace_minutes=10)[0].kind == "absent"  # 7 min forgiven


def test_ladder_and_fund() -> None:
    assert [ladder.next_step(ladder.LADDER, n) for n in range(4)] == [
        ladder.Step(1, "fine", 1000), ladder.Step(2, "fine", 3000), ladder.Step(3, "dismissal_warning", 0),
        ladder.Step(3, "dismissal_warning", 0)]
    custom = ladder.parse_ladder([{"outcome": "fine", "amount_fen": 500}, {"outcome": "dismissal_warning", "amount_fen": 0}])
    assert custom == (ladder.Step(1, "fine", 500), ladder.Step(2, "dismissal_warning", 0))
    with pytest.raises(KefuError):
        ladder.parse_ladder([{"outcome": "fire", "amount_fen": 0}])
    lines = ladder.fund_statement([(MON, -1000, "a1 QQ"), (date(2026, 3, 5), -3000, "a1 QQ")],
                                  [(date(2026, 3, 5), 2500, "水果")], opening_fen=100)
    assert [(ln.kind, ln.amount_fen, ln.balance_fen) for ln in lines] == [("fine", 1000, 1100), ("fine", 3000, 4100),
                                                                      ("spend", -2500, 1600)]


def test_goals_and_promotion_track() -> None:
    assert growth.goal_target(Decimal("0.40"), Decimal("1.25"), False) == Decimal("0.5000")
    assert growth.goal_target(Decimal("30"), Decimal("1.2"), True) == Decimal("25.0000")
    with pytest.raises(KefuError):
        growth.goal_target(Decimal("0.4"), Decimal("1.5"), False)
    assert growth.goal_met(Decimal("24"), Decimal("25"), True) and not growth.goal_met(None, Decimal("1"), False)
    ready = growth.promotion("初级", 3, [Decimal(95), Decimal(91), Decimal(50)], 0)
    assert (ready.next_level, ready.eligible, ready.reasons) == ("中级", True, ())
    short = growth.promotion("中级", 4, [Decimal(101), Decimal(99), None], 0)
    assert short.eligible is False and [r[1] for r in short.reasons] == [
        "4 months at the level, needs 6", "KPI score ≥ 100 in each of the last 3 months", "0 goals met, needs 1"]
    top = growth.promotion("组长", 24, [], 9)
    assert (top.next_level, top.eligible) == (None, False)
