"""How the FAQ bot reads a buyer message: simplified characters, slots, words, negation.

Issue 21 found that the old reader rewrote correct text and threw away the very words
that tell intents apart. The rules here are therefore conservative:

* **Never rewrite correct text.** Traditional characters become simplified with OpenCC's
  own dictionaries (``opencc-python-reimplemented`` ships them; nothing is downloaded);
  everything else stays as typed. Sound-based typo repair lives in the matcher and only
  runs when the text as typed matched nothing (``FaqMatcher.reply``).
* **Slots stay slots.** Order numbers, sizes, weights, sums of money, dates, clock times,
  day counts and plain numbers become one private-use character each (a "slot"): ``M码``
  and ``XL`` are both a *size*, but "M码 … XL" is two *different* sizes, which adds a
  *mismatch* slot (ordered one thing, got another); two different colours do the same.
* **Dialect and noise read as standard text** (issue 21, eighth round: buyers in another voice).
  A pasted shop link and the 【淘宝】 share text around it say nothing about the question; internet
  slang that addresses the crowd (家人们, 集美们, yyds) neither; dialect and Cantonese words that have
  one standard reading become it (冇 → 没, 莫得 → 没有, 咋整 → 怎么办, 點解 → 为什么, 唔 → 不). Only words
  that never occur in standard written Mandarin with another sense are folded (系 is left alone:
  关系, 系统), so correct text is still never rewritten.
* **Negation binds.** 没收到 / 不喜欢 / 没拒收 become one negated token (``¬收到``), so
  "not received" never matches "received" and "I did not refuse" never matches "refuse".

The word segmenter is a small dictionary-path segmenter (the same idea as jieba's,
without its HMM) over a lexicon the index carries, so answering a question needs neither
jieba's 1–2 s start-up nor pypinyin (both are used only when an index is built).
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# slot characters (Unicode private use area): one token per kind of value
ORDER = "\ue000"
SIZE = "\ue001"
NUM = "\ue002"
WEIGHT = "\ue003"
MONEY = "\ue004"
LENGTH = "\ue005"
DATE = "\ue006"
CLOCK = "\ue007"
DAYS = "\ue008"
COUNT = "\ue009"
MISMATCH = "\ue00a"
ADDRESS = "\ue00b"
SLOTS = frozenset(
    ORDER + SIZE + NUM + WEIGHT + MONEY + LENGTH + DATE + CLOCK + DAYS + COUNT + MISMATCH + ADDRESS
)
SLOT_NAMES = {ORDER: "order", SIZE: "size", NUM: "number", WEIGHT: "weight", MONEY: "money", LENGTH: "length",
              DATE: "date", CLOCK: "clock", DAYS: "days", COUNT: "count", MISMATCH: "mismatch",
              ADDRESS: "address"}  # fmt: skip
NEG = "¬"

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_NUMBER = re.compile(r"[一二两三四五六七八九十百]+(?=[天号日点个件条单斤块元周年月礼])")
_HEIGHT = re.compile(r"(?:一|1)米[五六七八九5-9][0-9一二三四五六七八九]?")
# an order or tracking number, also pasted in groups of digits (7731 0291 0048)
_ORDER = re.compile(r"(?<![a-z0-9])(?:[a-z]{1,4}\d{8,}|\d{6,}|\d{3,5}(?: \d{3,5}){2,})(?![a-z0-9])")
_SIZE = re.compile(
    r"(?<![a-z0-9])(?:[2-5]?x{0,3}l|xs|s|m)(?![a-z0-9])(?:码|号)?|(?:3[3-9]|4[0-6])码|均码|加大码"
)
_WITH_UNIT = (
    (re.compile(r"\d+(?:\.\d+)?\s*(?:斤|公斤|kg)"), WEIGHT),
    (re.compile(r"\d+(?:\.\d+)?\s*(?:块钱|块|元|rmb)"), MONEY),
    (re.compile(r"\d+(?:\.\d+)?\s*(?:cm|厘米|公分|mm)"), LENGTH),
    (re.compile(r"\d{1,2}\s*月\s*\d{1,2}\s*[号日]?|\d{1,2}\s*[号日](?!元)|双\s*\d{1,2}"), DATE),
    (re.compile(r"\d{1,2}\s*(?:点|:\d\d)"), CLOCK),
    (re.compile(r"\d+\s*(?:天|小时|个小时|周|个星期|星期|个礼拜|礼拜|个月)"), DAYS),
    (re.compile(r"\d+\s*(?:件|条|个|单|套|双)"), COUNT),
    (re.compile(r"\d+(?:\.\d+)?"), NUM),
)
# a street address: optional province/city/district parts, a road, a house number
_ADDRESS = re.compile(
    r"(?:(?:(?![址改成寄发到在是我的])[\u4e00-\u9fff]){2,7}?(?:省|市|自治区|区|县|镇))*"
    r"(?:(?![址改成寄发到在是我的])[\u4e00-\u9fff]){1,10}?(?:路|街|大道|巷|弄|村)"
    r"[0-9一二三四五六七八九十]+号(?:[0-9]+(?:栋|幢|号楼|单元|室))*"
)
_COLOUR = re.compile(r"([黑白红蓝灰粉绿黄紫棕橙咖米杏驼]|卡其|藏青|酒红|军绿)(?:色|的)")
# a pasted link and the share text around it (【淘宝】「title」https://m.tb.cn/… 点击链接直接打开, ¥code¥)
_LINK = re.compile(
    r"(?:https?://|www\.)[\x21-\x7e]+|[a-z0-9.-]+\.(?:com|cn|net)/[\x21-\x7e]*|【[^】]{0,8}】|「[^」]*」"
    r"|[¥$][a-z0-9]{6,14}[¥$]|复制这条信息|打开手机淘宝|点击链接直接打开|或者淘宝搜索直接打开|淘口令"
)
# slang that addresses the crowd or only cheers, read as nothing
_NOISE = re.compile(r"家人们|集美们|集美|姐妹们|姐妹|宝子们|宝子|谁懂啊|咱就是说|yyds|绝绝子|破防了|无语子|蹲一个|急急急")
# dialect and Cantonese words with one standard reading (longest first where they overlap)
DIALECT = {
    "啥子": "什么", "撒子": "什么", "乜嘢": "什么", "乜": "什么", "莫得": "没有", "么得": "没有", "冇": "没",
    "咋整": "怎么办", "咋办": "怎么办", "怎么整": "怎么办", "啷个": "怎么", "咋个": "怎么",
    "今儿": "今天", "明儿": "明天", "俺": "我", "点解": "为什么", "仲未": "还没", "仲": "还",
    "唔该": " ", "唔系": "不是", "系咪": "是不是", "唔": "不", "咗": "了", "嘅": "的", "哋": "们",
    "佢": "他", "睇": "看", "几多": "多少", "边度": "哪里", "而家": "现在", "细码": "小码",
}  # fmt: skip
_DIALECT = re.compile("|".join(sorted(map(re.escape, DIALECT), key=len, reverse=True)))
# 咩 ends a question (包邮咩 = 包邮吗) or asks what (咩时候 = 什么时候); 嗦/哩/咧 end one (莫得货了嗦)
_FINAL = re.compile(r"咩(?=[^\u4e00-\u9fff]|$)|[嗦哩咧](?=[^\u4e00-\u9fff]|$)")
_KEEP = re.compile(r"[^0-9a-z\u3400-\u9fff\ue000-\ue00f¬]+")

_lock = threading.Lock()
_converter: Any = None


def to_simplified(text: str) -> str:
    """Traditional → simplified (OpenCC ``t2s`` data shipped in the package); simplified text is unchanged."""
    global _converter
    if _converter is None:
        with _lock:
            if _converter is None:
                from opencc import OpenCC

                _converter = OpenCC("t2s")
    return str(_converter.convert(text))


def standardise(text: str) -> str:
    """Simplified, lower-cased text without links, share text and crowd slang, dialect words read
    as standard ones (module docstring)."""
    s = _NOISE.sub("", _LINK.sub(" ", text))
    s = _FINAL.sub(lambda m: "吗" if m.group(0) == "咩" else "呢", s)
    return _DIALECT.sub(lambda m: DIALECT[m.group(0)], s).replace("咩", "什么")


def _cn_number(match: re.Match[str]) -> str:
    s = match.group(0)
    if "百" in s:
        head, _, tail = s.partition("百")
        rest = _cn_number_text(tail) if tail else 0
        return str(_CN_DIGITS.get(head, 1) * 100 + (rest * 10 if len(tail) == 1 else rest))
    return str(_cn_number_text(s))


def _cn_number_text(s: str) -> int:
    if s == "十":
        return 10
    if "十" in s:
        head, _, tail = s.partition("十")
        return _CN_DIGITS.get(head, 1) * 10 + _CN_DIGITS.get(tail, 0)
    return int("".join(str(_CN_DIGITS[c]) for c in s if c in _CN_DIGITS) or 0)


@dataclass(frozen=True)
class Prepared:
    """A message ready for segmentation: slot characters in place, values kept for the reply."""

    text: str
    slots: tuple[tuple[str, str], ...]  # (slot name, value as typed)


def prepare(message: str) -> Prepared:
    """Width/case fold, traditional → simplified, dialect and noise (:func:`standardise`), slots in place, punctuation and emoji to spaces."""
    s = standardise(to_simplified(unicodedata.normalize("NFKC", message).lower()))
    slots: list[tuple[str, str]] = []

    def slot(char: str) -> Any:
        def put(m: re.Match[str]) -> str:
            slots.append((SLOT_NAMES[char], m.group(0).strip()))
            return f" {char} " if char in (ORDER, ADDRESS) else char

        return put

    s = _ORDER.sub(slot(ORDER), s)
    s = _ADDRESS.sub(slot(ADDRESS), s)
    s = _SIZE.sub(slot(SIZE), s)
    s = _HEIGHT.sub(slot(LENGTH), s)
    s = _CN_NUMBER.sub(_cn_number, s)
    for pattern, char in _WITH_UNIT:
        s = pattern.sub(slot(char), s)
    sizes = {v.rstrip("码号") for k, v in slots if k == "size"}
    colours = set(_COLOUR.findall(s))
    if len(sizes) > 1 or len(colours) > 1:
        s += " " + MISMATCH
    return Prepared(_KEEP.sub(" ", s).strip(), tuple(slots))


class Lexicon:
    """Word counts; segments text along the most probable dictionary path. Log probabilities are
    taken per lookup, not for the whole dictionary up front: a fresh process answers its first
    question without computing 100,000 logarithms it will never use (issue 21: first answer ≤ 1 s)."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = counts
        self._log_total = math.log(float(sum(counts.values())) or 1.0)
        self.unknown = math.log(0.5) - self._log_total
        self.max_len = max(map(len, counts), default=1)

    @classmethod
    def from_counts(cls, counts: Mapping[str, int]) -> Lexicon:
        return cls(counts)

    def logp(self, word: str) -> float | None:
        n = self.counts.get(word)
        return None if n is None else math.log(max(n, 1)) - self._log_total

    def segment(self, text: str) -> list[str]:
        """Words of prepared text: runs of latin letters/digits and slot characters stay whole."""
        out: list[str] = []
        for chunk in text.split():
            for run in re.findall(r"[a-z0-9]+|[\ue000-\ue00f¬]|[\u3400-\u9fff]+", chunk):
                out.extend(self._path(run) if "\u3400" <= run[0] <= "\u9fff" else [run])
        return out

    def _path(self, run: str) -> list[str]:
        n = len(run)
        best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)
        for i in range(n - 1, -1, -1):
            one = self.logp(run[i])
            cand = ((self.unknown if one is None else one) + best[i + 1][0], i + 1)
            for j in range(i + 2, min(n, i + self.max_len) + 1):
                lp = self.logp(run[i:j])
                if lp is not None and lp + best[j][0] > cand[0]:
                    cand = (lp + best[j][0], j)
            best[i] = cand
        words, i = [], 0
        while i < n:
            j = best[i][1]
            words.append(run[i:j])
            i = j
        return words

    def knows(self, word: str) -> bool:
        return word in self.counts
