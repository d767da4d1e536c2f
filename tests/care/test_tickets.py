"""Ticket SLA in business hours, lifecycle and the monthly root-cause summary."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest

from kefu.care.tickets import (
    BusinessHours,
    SlaPolicy,
    TicketFacts,
    check_callback_outcome,
    check_department,
    check_new_ticket,
    check_transition,
    root_cause_summary,
    sla_report,
)
from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import SHOP_TZ, month_span

H = BusinessHours()  # 09:00–22:30, rest days open, statutory days closed


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHOP_TZ)  # type: ignore[misc]


def test_add_minutes_inside_one_day() -> None:
    assert H.add_minutes(sh(2026, 11, 18, 10, 0), 120) == sh(2026, 11, 18, 12, 0)


def test_add_minutes_starting_before_opening_and_after_closing() -> None:
    assert H.add_minutes(sh(2026, 11, 18, 7, 15), 30) == sh(2026, 11, 18, 9, 30)
    assert H.add_minutes(sh(2026, 11, 18, 22, 40), 30) == sh(2026, 11, 19, 9, 30)


def test_add_minutes_spills_over_closing_time() -> None:
    # 22:00 + 60 business minutes = 30 today + 30 tomorrow from 09:00
    assert H.add_minutes(sh(2026, 11, 18, 22, 0), 60) == sh(2026, 11, 19, 9, 30)


def test_exact_closing_boundary() -> None:
    assert H.add_minutes(sh(2026, 11, 18, 22, 0), 30) == sh(2026, 11, 18, 22, 30)


def test_statutory_days_are_skipped_unless_configured() -> None:
    # 2026-09-30 22:00; Oct 1-3 are statutory (closed), Oct 4 is a rest day (open)
    assert H.add_minutes(sh(2026, 9, 30, 22, 0), 60) == sh(2026, 10, 4, 9, 30)
    open_all = BusinessHours(open_on_statutory=True)
    assert open_all.add_minutes(sh(2026, 9, 30, 22, 0), 60) == sh(2026, 10, 1, 9, 30)
    weekdays_only = BusinessHours(open_on_rest_days=False)
    # Fri 2026-11-20 22:00 → Mon 09:30
    assert weekdays_only.add_minutes(sh(2026, 11, 20, 22, 0), 60) == sh(2026, 11, 23, 9, 30)


def test_minutes_between_counts_only_open_windows() -> None:
    assert H.minutes_between(sh(2026, 11, 18, 22, 0), sh(2026, 11, 19, 9, 30)) == 60
    assert H.minutes_between(sh(2026, 11, 18, 12, 0), sh(2026, 11, 18, 11, 0)) == 0
    # UTC inputs are read in the shop zone
    assert (
        H.minutes_between(datetime(2026, 11, 18, 1, 0, tzinfo=UTC), datetime(2026, 11, 18, 2, 0, tzinfo=UTC))
        == 60
    )


def test_bad_hours_and_negative_minutes() -> None:
    with pytest.raises(KefuError):
        BusinessHours(open=time(18), close=time(9))
    with pytest.raises(KefuError):
        H.add_minutes(sh(2026, 11, 18, 10), -1)


def test_sla_report_met_breached_pending() -> None:
    created = sh(2026, 11, 18, 21, 0)
    t = TicketFacts(1, "物流", "high", "open", created, first_response_at=sh(2026, 11, 18, 21, 45))
    rep = sla_report(t, now=sh(2026, 11, 18, 21, 50), hours=H)
    assert rep.first_response_due == sh(2026, 11, 18, 22, 0)
    assert rep.first_response == "met"
    assert rep.first_response_minutes == 45
    # resolution: 8 business hours = 90 min today + 390 min tomorrow → 15:30
    assert rep.resolution_due == sh(2026, 11, 19, 15, 30)
    assert rep.resolution == "pending"
    late = sla_report(t, now=sh(2026, 11, 19, 15, 31), hours=H)
    assert late.resolution == "breached"
    slow = TicketFacts(2, "物流", "high", "open", created, first_response_at=sh(2026, 11, 19, 9, 1))
    assert sla_report(slow, now=sh(2026, 11, 19, 10), hours=H).first_response == "breached"


def test_policy_from_settings() -> None:
    p = SlaPolicy.from_settings({"high": [15, 60]})
    assert p.for_severity("high") == (15, 60)
    assert p.for_severity("low") == (240, 48 * 60)
    assert SlaPolicy.from_settings(None) == SlaPolicy()
    for bad in (
        {"urgent": [1, 2]},
        {"high": [60, 15]},
        {"high": [0, 5]},
        {"high": "60"},
        {"high": [1.5, 2]},
        {"high": [True, 2]},
    ):
        with pytest.raises(KefuError):
            SlaPolicy.from_settings(bad)


def test_unknown_severity_in_policy() -> None:
    with pytest.raises(KefuError) as exc:
        SlaPolicy().for_severity("urgent")
    assert exc.value.details["allowed"] == ["low", "normal", "high", "critical"]


def test_transitions() -> None:
    check_transition("open", "escalated")
    check_transition("resolved", "open")
    for old, new in [("closed", "open"), ("open", "open"), ("escalated", "open"), ("resolved", "escalated")]:
        with pytest.raises(KefuError) as exc:
            check_transition(old, new)
        assert exc.value.code is ErrorCode.TICKET_BAD_TRANSITION
        assert exc.value.http_status == 409


def test_validators() -> None:
    check_new_ticket("质量", "critical")
    check_department("logistics")
    check_callback_outcome("satisfied")
    for call in (
        lambda: check_new_ticket("火星", "low"),
        lambda: check_new_ticket("质量", "urgent"),
        lambda: check_department("hr"),
        lambda: check_callback_outcome("maybe"),
    ):
        with pytest.raises(KefuError):
            call()


def test_month_span() -> None:
    assert month_span("2026-12") == (sh(2026, 12, 1), sh(2027, 1, 1))
    with pytest.raises(KefuError):
        month_span("2026/12")
    with pytest.raises(KefuError):
        month_span("2026-13")


def test_root_cause_summary() -> None:
    now = sh(2026, 11, 30, 12)
    tickets = [
        TicketFacts(
            1,
            "物流",
            "normal",
            "resolved",
            sh(2026, 11, 2, 10),
            sh(2026, 11, 2, 10, 30),
            sh(2026, 11, 2, 12),
            "logistics",
            "快递延误",
            callback_outcome="satisfied",
        ),
        TicketFacts(
            2,
            "物流",
            "normal",
            "resolved",
            sh(2026, 11, 3, 10),
            sh(2026, 11, 3, 13),
            sh(2026, 11, 3, 11),
            "logistics",
            "快递延误",
        ),
        TicketFacts(3, "质量", "critical", "open", sh(2026, 11, 4, 10), None, None, "", ""),
    ]
    s = root_cause_summary(tickets, now, H)
    assert s["tickets"] == 3
    assert s["resolved"] == 2
    assert s["by_category"] == {"物流": 2, "质量": 1}
    assert s["by_root_cause"] == {"快递延误": 2, "未填写": 1}
    assert s["by_department"] == {"logistics": 2}
    assert s["first_response_breaches"] == 2  # #2 answered after 3 h (> 2 h), #3 never
    assert s["resolution_breaches"] == 1
    assert s["avg_resolution_business_hours"] == Decimal("1.50")
    assert s["callback_outcomes"] == {"satisfied": 1}
    empty = root_cause_summary([], now, H)
    assert empty["tickets"] == 0 and empty["avg_resolution_business_hours"] is None
