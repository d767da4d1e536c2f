"""How the bot reads a message: slots, numbers in words, addresses, segmentation; and the mining engine."""

from __future__ import annotations

from kefu.care import bot_mining as mining
from kefu.care import bot_text as bt
from kefu.care.bot import FaqMatcher


def test_slots_replace_values_and_keep_them() -> None:
    p = bt.prepare(
        "订单号3301928475612093 地址改成上海市浦东新区张江路88号 身高一米七五 一百六十斤 39块的 11号拍的"
    )
    assert [n for n, _ in p.slots] == ["order", "address", "length", "weight", "money", "date"]
    assert ("address", "上海市浦东新区张江路88号") in p.slots and ("weight", "160斤") in p.slots
    assert p.text.startswith("订单号 " + bt.ORDER)
    assert bt.prepare("拍了三天了").slots == (("days", "3天"),)
    assert bt.prepare("我买的是黑色 发来的是白色").text.endswith(bt.MISMATCH)
    assert bt.MISMATCH not in bt.prepare("M码还有吗").text  # one size: no mismatch
    assert bt.prepare("  😊 ？？").text == ""


def test_segmenter_follows_the_most_probable_dictionary_path() -> None:
    lex = bt.Lexicon.from_counts({"下单": 100, "单是": 1, "是": 1000, "下": 1000, "发货": 100})
    assert lex.segment("下单是 发货ok") == ["下单", "是", "发货", "ok"]
    assert lex.segment("x\ue001y") == ["x", "\ue001", "y"]


def test_mining_pairs_questions_with_the_next_human_reply_and_groups_wordings(matcher: FaqMatcher) -> None:
    msgs = [
        mining.ChatMessage(1, "in", "可以刻字吗"), mining.ChatMessage(1, "out", "您好", automatic=True),
        mining.ChatMessage(1, "out", "可以免费刻字"), mining.ChatMessage(2, "in", "能刻字吗"),
        mining.ChatMessage(2, "out", "可以免费刻字"), mining.ChatMessage(3, "in", "可以刻字吗"),
        mining.ChatMessage(4, "in", "什么时候发货"), mining.ChatMessage(4, "out", "今天发"),
    ]  # fmt: skip
    pairs = mining.qa_pairs(msgs)
    assert pairs[0] == mining.QaPair("可以刻字吗", "可以免费刻字")
    assert pairs[2] == mining.QaPair("可以刻字吗", "")
    found = mining.mine(matcher, pairs, 0.85)
    assert len(found) == 1
    p = found[0]
    assert (p.new_intent, p.question, p.answer, p.members) == (True, "可以刻字吗", "可以免费刻字",
                                                               ("可以刻字吗", "可以刻字吗", "能刻字吗"))  # fmt: skip
    assert mining.mine(matcher, pairs, 0.85, min_count=4) == []
    assert mining.answered_count(matcher, ["什么时候发货", "可以刻字吗", "什么时候发货"], 0.85) == 2


def test_a_week_written_as_libai_is_a_day_count() -> None:
    assert bt.prepare("一个礼拜了 货呢").slots == (("days", "1个礼拜"),)
