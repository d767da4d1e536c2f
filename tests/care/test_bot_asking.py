"""Issue 21, fourth round: a statement is no question for an intent that answers questions only."""

from __future__ import annotations

import pytest

from kefu.care import bot_text as bt
from kefu.care.bot import BotAction, FaqMatcher
from kefu.care.bot_asking import asks, question_only_intents


@pytest.mark.parametrize(
    ("message", "asked"),
    [
        ("什么时候发货", True),
        ("包邮不包邮", True),  # A-not-A
        ("发中通还是韵达", True),  # a choice
        ("七天内都能退是吧", True),  # a tag seeking agreement
        ("不喜欢能退不 我还没穿", True),  # 不 closing the first part
        ("你们发的顺丰到付 我不想付钱", False),
        ("发错货了", False),
    ],
)
def test_asks_reads_question_words_particles_and_forms(message: str, asked: bool) -> None:
    assert asks(bt.prepare(message).text) is asked


def test_question_only_intents_are_read_from_the_kb() -> None:
    kb = {"policy": ["包邮吗", "运费多少", "满多少包邮"], "report": ["发错货了", "收到的不对", "发错了吗"]}
    assert question_only_intents(kb) == ["policy"]  # 1 of 3 report questions asks: not question-only
    assert question_only_intents({}) == []


def test_the_shipped_kb_splits_policy_intents_from_problem_intents(matcher: FaqMatcher) -> None:
    assert sorted(matcher._question_only) == [
        "confirm_receipt", "coupon", "courier", "delivery_time", "genuine", "gift", "material", "presale",
        "remote_area", "return_policy", "return_shipping_fee", "service_hours", "ship_time", "shipping_fee",
        "stock", "washing",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("message", "action", "reason", "intent"),
    [
        ("你们发的顺丰到付 我不想付钱", BotAction.HANDOVER, "not_a_question", None),  # an objection
        ("反正不包邮", BotAction.HANDOVER, "not_a_question", None),
        ("发错货了", BotAction.ANSWER, "confident", "wrong_item"),  # a report for a report intent
        ("衣服有个洞", BotAction.ANSWER, "confident", "quality_issue"),
        ("包邮不包邮", BotAction.ANSWER, "confident", "shipping_fee"),
        ("运费险", BotAction.ANSWER, "confident", "return_shipping_fee"),  # a bare topic typed as a search
        ("七天无理由", BotAction.ANSWER, "confident", "return_policy"),
        ("是正品吧", BotAction.ANSWER, "confident", "genuine"),
    ],
)
def test_statements_hand_over_questions_and_reports_are_answered(
    matcher: FaqMatcher, message: str, action: BotAction, reason: str, intent: str | None
) -> None:
    r = matcher.reply(message)
    assert (r.action, r.reason, r.intent) == (action, reason, intent)


def test_a_negator_binds_within_its_part(matcher: FaqMatcher) -> None:
    words = matcher.reader.tokens(bt.prepare("能开专票不 我们公司要抵扣").text)
    assert words == ["能开", "专票", "我们", "公司", "要", "抵扣"]  # the closing 不 asks; it denies nothing
    assert "¬拒收" in matcher.reader.tokens(bt.prepare("我没拒收啊").text)
