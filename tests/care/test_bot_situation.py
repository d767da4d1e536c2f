"""Issue 21, sixth round: a message that reports a situation (a failed outcome, a broken promise) hands
over when the answering intent's KB questions do not carry that situation."""

from __future__ import annotations

import pytest

from kefu.care import bot_situation as bs
from kefu.care import bot_text as bt
from kefu.care.bot import SITUATION_SHARE, BotAction, FaqMatcher


def _markers(matcher: FaqMatcher, message: str) -> frozenset[str]:
    text = bt.prepare(message).text
    return bs.markers(text, matcher.reader.tokens(text))


@pytest.mark.parametrize(
    ("message", "found"),
    [
        ("送的东西没收到", {"¬收到"}),  # 没收到 is segmented 没收|到; still a negated receipt
        ("退款还没到账", {"¬到账"}),
        ("怎么没送赠品", {"¬送"}),
        ("券领了结算用不了", {"不了"}),
        ("价保申请了 被拒了", {"被"}),
        ("运费险只赔了3块", {"只"}),
        ("答应给我发顺丰 结果发了中通", {"说好"}),
        ("优惠券过期了", {"没了"}),
        ("开的发票抬头不对", {"不对"}),
        ("物流信息查不到了", {"不到"}),  # a look-up that failed (seventh round)
        ("尾款时间错过了", {"没了"}),  # a lapsed deadline (seventh round)
        ("快递到不到新疆", set()),  # A-not-A 到不到 asks
        ("怎么确认收货 找不到", set()),  # where to click: 找不到 is no failed outcome
        ("送不送运费险", set()),  # A-not-A asks; it reports nothing
        ("还没发货能改地址吗", set()),  # not shipped yet is a precondition, not a marker
        ("拍下后要多久才发货", set()),  # 才 + 发 is lateness
        ("我要的码没了吗", set()),  # sold out: a stock question
        ("不合适能退吗", set()),  # the buyer's own state
        ("被子什么面料", set()),
        ("买了三件只到了两件", set()),  # missing_item's case, not only-this-much money
    ],
)
def test_markers_of_messages(matcher: FaqMatcher, message: str, found: set[str]) -> None:
    assert _markers(matcher, message) == frozenset(found)


def test_shares_are_read_per_intent_and_foreign_depends_on_question_only() -> None:
    shares = bs.intent_shares({"a": [frozenset({"¬收到"}), frozenset(), frozenset(), frozenset()], "b": []})
    assert shares == {"a": {"¬收到": 0.25}, "b": {}}
    found = frozenset({"¬收到"})
    assert bs.foreign(found, shares["a"], question_only=True, own_share=0.3) == "¬收到"  # 0.25 < 0.3
    assert bs.foreign(found, shares["a"], question_only=True, own_share=0.2) is None
    assert bs.foreign(found, shares["a"], question_only=False) is None  # one KB question carries it
    assert bs.foreign(found, shares["b"], question_only=False) == "¬收到"
    assert bs.foreign(frozenset(), shares["b"], question_only=True) is None


def test_the_shipped_kb_shares(matcher: FaqMatcher) -> None:
    """Two of coupon's 38 questions say 用不了 (0.0526 < 0.1): still foreign to the coupon policy; half of
    signed_not_received's say 没收到."""
    assert matcher._situations["coupon"] == {"不了": 0.0526}
    assert matcher._situations["gift"] == {"¬收到": 0.0323}
    assert matcher._situations["signed_not_received"]["¬收到"] == 0.4474
    assert matcher._situations["price_protect"] == {}
    assert SITUATION_SHARE == bs.OWN_SHARE == 0.1


@pytest.mark.parametrize(
    ("message", "action", "reason", "intent", "marker"),
    [
        ("送的东西没收到", BotAction.HANDOVER, "situation", None, "¬收到"),
        ("怎么没送赠品", BotAction.HANDOVER, "situation", None, "¬送"),
        ("我的赠品呢 没收到", BotAction.HANDOVER, "situation", None, "¬收到"),
        ("开的发票抬头不对", BotAction.HANDOVER, "situation", None, "不对"),
        ("答应给我发顺丰 结果发了中通", BotAction.HANDOVER, "situation", None, "说好"),
        ("不是说下午四点前拍当天发吗 我两点拍的没发", BotAction.HANDOVER, "situation", None, "说好"),
        # the intent's own situations are answered
        ("退款还没到账", BotAction.ANSWER, "confident", "refund_progress", ""),
        ("还没收到货能退款吗", BotAction.ANSWER, "confident", "refund_after_ship", ""),
        ("显示签收 没收到", BotAction.ANSWER, "confident", "signed_not_received", ""),
        ("拍了两天了还没发货", BotAction.ANSWER, "confident", "urge_shipment", ""),
        ("买了第二天就降价了 能补差价吗", BotAction.ANSWER, "confident", "price_protect", ""),
        ("收到的颜色不对", BotAction.ANSWER, "confident", "wrong_item", ""),
        ("送不送运费险", BotAction.ANSWER, "confident", "return_shipping_fee", ""),
    ],
)
def test_situation_reports_hand_over_and_the_intents_own_cases_are_answered(
    matcher: FaqMatcher, message: str, action: BotAction, reason: str, intent: str | None, marker: str
) -> None:
    r = matcher.reply(message)
    assert (r.action, r.reason, r.intent) == (action, reason, intent)
    if reason == "situation":
        assert r.matched_question == marker


def test_the_rule_is_what_hands_them_over(matcher: FaqMatcher) -> None:
    """Given the rule off, the same reports get the policy answer."""
    matcher.situation_share = None
    try:
        got = [matcher.reply(q).intent for q in ("怎么没送赠品", "我的赠品呢 没收到", "开的发票抬头不对")]
    finally:
        matcher.situation_share = SITUATION_SHARE
    assert got == ["gift", "gift", "invoice"]


def test_a_failed_look_up_or_a_missed_deadline_hands_over_under_a_policy_intent(matcher: FaqMatcher) -> None:
    """Seventh round (dev7): a doubt backed by a failed check is no 是正品吗, a missed deadline no
    policy question; logistics_stuck's own KB says 物流查不到, so the report intent still answers."""
    for message in ("防伪码查不到 这是正品吗", "活动时间错过了 还能领券吗"):
        r = matcher.reply(message)
        assert (r.action, r.reason) == (BotAction.HANDOVER, "situation"), message
    assert matcher.reply("物流信息查不到了").intent == "logistics_stuck"
