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


def test_a_pasted_link_and_its_share_text_read_as_nothing() -> None:
    shared = "【淘宝】https://m.tb.cn/h.ua8kpq2 「加绒卫衣男冬季」点击链接直接打开 这个有运费险吗"
    assert bt.standardise(shared) == " " * 6 + "这个有运费险吗"
    assert bt.prepare(shared).text == "这个有运费险吗"
    assert bt.standardise("复制这条信息¥ab12cdef¥打开手机淘宝 这个包邮吗") == "    这个包邮吗"
    assert bt.prepare("https://item.taobao.com/item.htm?id=738291047562 这件还有s码吗").text == "这件还有" + bt.SIZE + "吗"
    assert bt.prepare("www.example.com/a?b=1 几天到").slots == ()  # the link's digits are no order number


def test_crowd_slang_reads_as_nothing() -> None:
    assert bt.standardise("家人们 这件yyds 啥时候补货啊") == " 这件 啥时候补货啊"
    assert bt.standardise("集美们这家包邮吗") == "这家包邮吗"
    assert bt.standardise("姐妹们谁懂啊 发错了") == " 发错了"


def test_dialect_words_read_as_their_standard_word() -> None:
    assert bt.standardise("冇货了吗") == "没货了吗"
    assert bt.standardise("莫得货了嗦") == "没有货了呢"
    assert bt.standardise("点解仲未发货") == "为什么还没发货"
    assert bt.standardise("收到有个洞 咋整") == "收到有个洞 怎么办"
    assert bt.standardise("可唔可以退 唔该") == "可不可以退  "
    assert bt.standardise("亲 包邮咩") == "亲 包邮吗"  # 咩 ending a question asks
    assert bt.standardise("咩时候发货") == "什么时候发货"  # 咩 before a word is what
    assert bt.standardise("俺这单咋还不发哩") == "我这单咋还不发呢"
    assert bt.standardise("明明冇收到 点解显示签收咗") == "明明没收到 为什么显示签收了"
    assert bt.standardise("你哋发乜嘢快递") == "你们发什么快递"
    # words with a standard sense are left alone: 系 (关系, 系统), 哩 inside a word
    assert bt.standardise("联系客服 系统显示") == "联系客服 系统显示"
    assert bt.standardise("咖喱哩色") == "咖喱哩色"
    assert bt.prepare("點解仲未發貨").text == "为什么还没发货"  # after traditional → simplified
