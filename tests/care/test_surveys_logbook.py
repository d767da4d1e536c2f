"""Survey figures, the three record books and the fines/rewards rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from kefu.care.logbook import (
    CreditFact,
    IssueFact,
    ServedFact,
    check_entry,
    check_ledger_entry,
    escalating_fine,
    service_stats,
    week_start,
    weekly_issue_summary,
)
from kefu.care.surveys import SurveyFact, parse_score, survey_stats
from kefu.domain.errors import KefuError

T = datetime(2026, 11, 18, 10, tzinfo=UTC)


def test_parse_score_numbers_and_labels() -> None:
    assert [parse_score(x) for x in (5, "4", "非常满意", "很不满意", " 一般 ")] == [5, 4, 5, 1, 3]
    for bad in (0, 6, "七", "", "很满意"):
        with pytest.raises(KefuError):
            parse_score(bad)


def test_survey_stats() -> None:
    facts = [SurveyFact(T, 5), SurveyFact(T, 4), SurveyFact(T, 1), SurveyFact(T, None)]
    s = survey_stats(facts)
    assert s["sent"] == 4 and s["answered"] == 3
    assert s["response_rate"] == Decimal("0.7500")
    assert s["distribution"] == {"非常满意": 1, "满意": 1, "一般": 0, "不满意": 0, "很不满意": 1}
    assert s["satisfied_rate"] == Decimal("0.6667")
    assert s["mean_score"] == Decimal("3.33")
    none = survey_stats([])
    assert none["response_rate"] is None and none["mean_score"] is None


def test_weekly_issue_summary() -> None:
    monday = date(2026, 11, 16)
    entries = [
        IssueFact(date(2026, 11, 16), "a1", "problem", "详情页尺码表写错"),
        IssueFact(date(2026, 11, 18), "a2", "idea", "增加催发货快捷短语"),
        IssueFact(date(2026, 11, 22), "a1", "note", "周日值班"),
        IssueFact(date(2026, 11, 23), "a1", "problem", "next week"),
        IssueFact(date(2026, 11, 15), "a1", "problem", "last week"),
    ]
    s = weekly_issue_summary(entries, monday)
    assert s["week_end"] == "2026-11-22"
    assert s["problems"] == [{"day": "2026-11-16", "author": "a1", "text": "详情页尺码表写错"}]
    assert [i["text"] for i in s["ideas"]] == ["增加催发货快捷短语"]  # type: ignore[index]
    assert s["per_author"] == {
        "a1": {"problem": 1, "idea": 0, "note": 1},
        "a2": {"problem": 0, "idea": 1, "note": 0},
    }
    assert s["total"] == 3
    with pytest.raises(KefuError):
        weekly_issue_summary(entries, date(2026, 11, 17))
    assert week_start(date(2026, 11, 22)) == monday


def test_check_entry() -> None:
    check_entry("issues", "idea", "x")
    for args in (("diary", "idea", "x"), ("issues", "rant", "x"), ("issues", "idea", "  ")):
        with pytest.raises(KefuError):
            check_entry(*args)


def test_service_stats_computes_conversion() -> None:
    served = [
        ServedFact("a1", "b1"),
        ServedFact("a1", "b2"),
        ServedFact("a1", "b2"),
        ServedFact("a1", "b3"),
        ServedFact("a2", "b4"),
    ]
    credits = [
        CreditFact("a1", "b1", "o1", 5000),
        CreditFact("a1", "b1", "o2", 3000),  # same buyer twice: one conversion, two orders
        CreditFact("a1", "b9", "o3", 1000),  # not served by a1 that day: order, not conversion
        CreditFact("a3", "b5", "o4", 2000),  # agent with orders only
    ]
    rows = {r["agent_id"]: r for r in service_stats(served, credits)}
    assert rows["a1"] == {
        "agent_id": "a1",
        "served": 3,
        "converted": 1,
        "conversion_rate": Decimal("0.3333"),
        "orders": 3,
        "amount_fen": 9000,
    }
    assert rows["a2"]["conversion_rate"] == Decimal("0.0000")
    assert rows["a3"]["served"] == 0 and rows["a3"]["conversion_rate"] is None


def test_ledger_rules_and_fine_ladder() -> None:
    check_ledger_entry("fine", -1000, "上班玩游戏")
    check_ledger_entry("reward", 500, "发现宝贝数据错误")
    for kind, amount, reason in (
        ("fine", 1000, "r"),
        ("reward", -5, "r"),
        ("fine", 0, "r"),
        ("bonus", 5, "r"),
        ("reward", 5, " "),
        ("reward", True, "r"),
    ):
        with pytest.raises(KefuError):
            check_ledger_entry(kind, amount, reason)  # type: ignore[arg-type]
    assert [escalating_fine(n) for n in range(4)] == [-1000, -3000, None, None]
    with pytest.raises(KefuError):
        escalating_fine(-1)
