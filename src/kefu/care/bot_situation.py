"""Whether a buyer's message reports a situation the intent's answer does not serve.

Why (issue 21, sixth round): the hand-over rows the bot still answered on every unseen set are short
look-alikes in an intent's own words that *report what happened* — a coupon that did not apply, a
gift that never came, 运费险 that paid only part, a parcel sent back that the buyer did not refuse, a
promised ship date missed, 价保 refused — where the intent's answer states a policy. Neither the
dispute-cue list (bypassed whenever one of the intent's KB questions uses the cue: coupon's KB holds
"券用不了") nor the learned gate (it learns complaint words, not the situation) catches them.

A *situation marker* is a failed outcome or a past event, read from the buyer's own grammar: a negated
outcome (没收到, 还没退, 没通过, 没拒收 — the negator already binds to its word), a potential negative
(用不了, 退不了), a passive event (被退回, 被拒), only-this-much (只赔了, 才退了), a promise (说好, 不是说,
答应), gone or lapsed (不见了, 过期, 失效, 错过), a failed search or wait (查不到, 收不到), not as it should be (不对, 不一样). Which markers an intent answers is read from the KB
itself: the share of the intent's KB questions that carry the marker. urge_shipment's questions say
还没发 all the time, so 拍了三天了还没发 is its case; two of coupon's 38 questions say 用不了, so a coupon
that did not apply is no coupon-policy question. Pure: tokens and text in, markers and shares out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from kefu.care import bot_text as bt

# What the shop, the platform or the courier was to do (after synonym folding): negated, it reports a
# failed outcome. The buyer's own state (不喜欢, 没穿过, 不合适, 没签收) is a condition of a policy question
# or a report intent's case, and "not shipped yet" (还没发) is urge_shipment's case or a precondition
# (还没发货能改地址吗): neither is a marker.
_OUTCOME_TEXT = "收到 到 到账 退 退款 赔 补 减 抵扣 用 生效 通过 显示 处理 回 回复 理 给 同意 更新 拒收 拒签 送 开 改 换 退货"
OUTCOME_WORDS = frozenset(_OUTCOME_TEXT.split())
_PATTERNS = (
    ("不了", re.compile(r"[\u4e00-\u9fff]不了")),  # 用不了, 退不了, 领不了
    # a look-up or a wait that failed (查不到, 收不到, 等不到); not 找不到 (怎么确认收货 找不到: where to click)
    ("不到", re.compile(r"[查收等拿领]不到")),
    ("被", re.compile(r"被(?![子套罩芯单褥])[\u4e00-\u9fff]")),  # 被退回, 被拒, 被驳回 (not 被子)
    # only this much was paid (只赔了, 才退了); 只收到一件 is missing_item's case, 才发 is lateness
    ("只", re.compile(r"[只才](?:赔|退|补|给|返|减)")),
    ("说好", re.compile(r"说好|不是说|明明说|答应|承诺")),
    ("没了", re.compile(r"不见了|过期|失效|错过")),  # 码没了 asks about stock: not a marker; 错过: a lapsed deadline
    ("不对", re.compile(r"不对|不一样|不符")),  # not as it should be (抬头不对, 跟专柜的不一样)
)
# A marker is a question-only (policy) intent's own when at least this share of its KB questions carry
# it: two of coupon's 38 questions saying 用不了 do not make a failed coupon a policy question. Any other
# intent owns every marker one of its KB questions carries (退款怎么还没到 is refund_progress's case).
OWN_SHARE = 0.1


def markers(text: str, tokens: Iterable[str]) -> frozenset[str]:
    """Situation markers of prepared ``text`` whose words (synonyms folded, negation bound) are ``tokens``."""
    words = list(tokens)
    # a negated outcome, not the 不 of an A-not-A question (送不送, 退不退)
    out = {t for a, t in zip(["", *words], words, strict=False)
           if t.startswith(bt.NEG) and t[len(bt.NEG) :] in OUTCOME_WORDS and a != t[len(bt.NEG) :]}  # fmt: skip
    # the segmenter reads 没收到 as 没收 (confiscate) | 到: a negated receipt all the same
    out.update(bt.NEG + "收到" for a, b in zip(words, words[1:], strict=False) if a == "没收" and b[:1] == "到")
    out.update(key for key, pattern in _PATTERNS if pattern.search(text))
    return frozenset(out)


def intent_shares(questions: Mapping[str, Iterable[frozenset[str]]]) -> dict[str, dict[str, float]]:
    """Per intent, the share of its KB questions (their markers given) that carry each marker."""
    out: dict[str, dict[str, float]] = {}
    for intent, marked in questions.items():
        rows = list(marked)
        counts = Counter(m for ms in rows for m in ms)
        out[intent] = {m: round(n / len(rows), 4) for m, n in sorted(counts.items())} if rows else {}
    return out


def foreign(
    found: frozenset[str], shares: Mapping[str, float], question_only: bool, own_share: float = OWN_SHARE
) -> str | None:
    """The first (sorted) marker of the message that the intent does not own, if any."""
    floor = own_share if question_only else 1e-9
    return next((m for m in sorted(found) if shares.get(m, 0.0) < floor), None)


def report(
    text: str,
    tokens: Iterable[str],
    intents: Iterable[str],
    shares: Mapping[str, Mapping[str, float]],
    question_only: frozenset[str],
    own_share: float = OWN_SHARE,
) -> str | None:
    """The marker of prepared ``text`` that one of the answering ``intents`` does not own, if any:
    领了券用不了 reports a case, and the coupon policy does not serve it."""
    found = markers(text, tokens)
    return next((m for i in intents if (m := foreign(found, shares[i], i in question_only, own_share))), None)
