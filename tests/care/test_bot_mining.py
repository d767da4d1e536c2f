"""Mining the shop's chats for hand-over examples (issue 21, sixth round): messages the bot answers that
agents answered by hand with something else."""

from __future__ import annotations

from kefu.care import bot_mining as bm
from kefu.care.bot import FaqMatcher


def test_messages_answered_by_hand_are_proposed_as_the_intents_hand_over_examples(matcher: FaqMatcher) -> None:
    pairs = [
        bm.QaPair("赠品是什么", "这次送的是同款小方巾哦"),  # the bot says the gift policy; the agent named the gift
        bm.QaPair("赠品是什么", "这次送的是同款小方巾哦"),
        bm.QaPair("赠品是啥", "送小方巾的亲"),
        bm.QaPair("赠品是什么", ""),  # no agent reply: no evidence
        *[bm.QaPair("什么时候发货", "48小时内发货")] * 3,  # the agent said the bot's answer: not by hand
        *[bm.QaPair("有优惠券吗", "好的")] * 3,  # too short to tell: not by hand
    ]
    assert bm.mine_handovers(matcher, pairs, 0.85) == [
        bm.Proposal("gift", False, "赠品是什么", "这次送的是同款小方巾哦", ("赠品是什么", "赠品是啥"),
                    ("赠品是什么", "赠品是什么", "赠品是啥"), "handover"),
    ]  # fmt: skip
    assert bm.mine_handovers(matcher, pairs, 0.85, min_count=4) == []


def test_messages_the_bot_hands_over_are_no_hand_over_proposal(matcher: FaqMatcher) -> None:
    """Those are :func:`bot_mining.mine`'s (FAQ proposals), never both."""
    pairs = [bm.QaPair("可以刻字吗", "可以免费刻字")] * 3
    assert bm.mine_handovers(matcher, pairs, 0.85) == []
    assert [p.kind for p in bm.mine(matcher, pairs, 0.85)] == ["faq"]
    assert bm.mine(matcher, pairs, 0.85, skip=frozenset({"可以刻字吗"})) == []  # the supervisor's hand-over list
