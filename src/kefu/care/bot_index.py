"""The FAQ bot's index: BM25 over three fields of every KB question, as plain JSON-able state.

Why a separate state: building needs jieba's dictionary (1–2 s to read) and pypinyin
(for the homophone table); answering needs neither. ``build_state`` runs once per KB
content and its result is cached as JSON by the service (issue 21: the first answer
after start-up within 1 s, ``bot-ask`` without rebuilding). ``Index`` is rebuilt from
that state in a few tens of milliseconds.

Scoring is Okapi BM25 with IDF over *intents* (a topic word every paraphrase of one intent
repeats must outweigh an action word many intents share), on words (after synonym
folding, stop-word removal and negation binding), character bigrams and single
characters, through an inverted index so a question costs well under a millisecond.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from kefu.care import bot_text as bt

FIELD_WEIGHTS: dict[str, float] = {"w": 1.0, "c": 0.3, "u": 0.6}
_K1 = 1.2
_B = 0.75
# jieba dictionary words below this frequency are left out of the lexicon (they only cost load time)
_MIN_DICT_FREQ = 50
_KB_WORD_FREQ = 20000
# Version of the state layout and of the reading rules: a change invalidates cached indexes.
STATE_VERSION = 14

NEGATORS = frozenset(
    [
        "没",
        "没有",
        "不",
        "未",
        "还没",
        "还没有",
        "木有",
        "没得",
        "还未",
        "别",
        "并没有",
        "都没",
        "都没有",
        "从没",
        "不是",
    ]
)
# Particles, politeness, forms of address (老板 is how buyers greet the seller) and sighs (无语) that carry
# no intent; removed from the word field only. 才/还/一直 are *not* here: they mark lateness.
_STOPWORD_TEXT = (
    "亲 亲亲 的 了 吗 呢 啊 吧 呀 哦 哈 么 嘛 啦 哟 噢 喔 呗 我 你 您 你们 我们 他 她 它 这 那 这个 那个 这件 "
    "请问 麻烦 一下 下 帮 帮忙 帮我 给 给我 想 要 能 能不能 可以 可不可以 是 是不是 有 有没有 会 会不会 "
    "就 都 也 和 跟 在 怎么办 什么 啥 哪 一个 个 一 呃 嗯 好 好的 谢谢 请 "
    "比较 现在 大概 大约 一般 的话 那边 这边 需要 得 地 着 过 呢亲 怕 别的 然后 但是 可是 所以 "
    "因为 如果 真的 非常 特别 很 太 挺 一点 有点 一些 那么 这么 或者 马上 刚 刚刚 再 又 "
    "订单号 订单编号 单子 到底 究竟 请问下 咨询 问下 问一下 想问 我想 弄 咋样 呐 哇 嘞 吖 撒 你好 您好 "
    "在不在 hello hi 老板 老板娘 美女 小姐姐 掌柜的 宝宝 哈哈 哈哈哈 嘿 喂 噻 咯 捏 滴 哒 昂 鸭 "
    "无语 真无语 服了 郁闷 醉了 唉 哎 支持 提供 怎么回事 咋回事 啥情况 什么情况 怎么处理 离谱 太离谱了"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Doc:
    intent: str  # the intent, or the out-of-scope pseudo-intent for negative examples
    question: str
    fields: dict[str, Counter[str]]


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, int]:
    """jieba's word frequencies, words of up to four characters (read straight from the file the
    package ships; once per process)."""
    raw = resources.files("jieba").joinpath("dict.txt").read_text(encoding="utf-8")
    out: dict[str, int] = {}
    for line in raw.splitlines():
        parts = line.split(" ")
        if len(parts) >= 2 and len(parts[0]) <= 4:
            out[parts[0]] = int(parts[1])
    return out


def build_lexicon_counts(kb_words: Iterable[str], dictionary: dict[str, int]) -> dict[str, int]:
    """jieba's dictionary counts with the KB's own words boosted (so 运费险 is one word)."""
    counts = dict(dictionary)
    for w in kb_words:
        if w:
            counts[w] = max(counts.get(w, 0), _KB_WORD_FREQ)
    return counts


def char_pinyin(chars: Iterable[str]) -> dict[str, str]:
    """Toneless default reading of each CJK character (pypinyin), for the homophone table."""
    return {ch: _reading(ch) for ch in set(chars) if "\u3400" <= ch <= "\u9fff"}


@cache
def _reading(ch: str) -> str:
    from pypinyin import lazy_pinyin

    return str(lazy_pinyin(ch)[0])


class Reader:
    """Question → BM25 fields: prepare (slots), segment, fold synonyms, bind negation, drop stop words."""

    def __init__(self, lexicon: bt.Lexicon, synonyms: Mapping[str, str]) -> None:
        self.lexicon = lexicon
        self.synonyms = dict(synonyms)

    def tokens(self, text: str) -> list[str]:
        """Words of already prepared text after synonym folding and negation binding (no stop-word
        removal). A negator binds within its part only: the 不 closing 能开专票不 asks, it does not
        deny the next part's first word (我们公司)."""
        out: list[str] = []
        for chunk in text.split():
            negate = False
            for w in (self.synonyms.get(w, w) for w in self.lexicon.segment(chunk)):
                if w in NEGATORS:
                    negate = True
                    continue
                if negate and w not in STOPWORDS and w not in bt.SLOTS:
                    out.append(bt.NEG + w)
                    negate = False
                    continue
                out.append(w)
        return out

    def fields(self, text: str) -> dict[str, Counter[str]]:
        kept = [w for w in self.tokens(text) if w not in STOPWORDS]
        folded = "".join(kept)
        return {
            "w": Counter(kept),
            "c": Counter(folded[i : i + 2] for i in range(len(folded) - 1))
            if len(folded) > 1
            else Counter(kept),
            "u": Counter(ch for w in kept for ch in w if ch not in STOPWORDS and ch != bt.NEG),
        }


class Index:
    """Inverted BM25 index over KB questions; ``score`` returns per-intent evidence for one question."""

    def __init__(self, docs: list[Doc], n_intents: int) -> None:
        self.docs = docs
        self.n_intents = max(1, n_intents)
        df: dict[str, Counter[str]] = {f: Counter() for f in FIELD_WEIGHTS}
        per_intent: dict[str, dict[str, set[str]]] = defaultdict(lambda: {f: set() for f in FIELD_WEIGHTS})
        for d in docs:
            for f in FIELD_WEIGHTS:
                per_intent[d.intent][f].update(d.fields[f])
        for terms in per_intent.values():
            for f in FIELD_WEIGHTS:
                df[f].update(terms[f])
        self.df = df
        n = self.n_intents
        self._idf = {f: {t: math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for t, d in df[f].items()} for f in df}
        self._idf_unseen = math.log(1.0 + (n + 0.5) / 0.5)
        self.avg_len = {
            f: max(1.0, sum(sum(d.fields[f].values()) for d in docs) / max(1, len(docs)))
            for f in FIELD_WEIGHTS
        }
        # vocab[intent][field] = in how many of the intent's KB questions each term occurs
        self.vocab: dict[str, dict[str, Counter[str]]] = defaultdict(
            lambda: {f: Counter() for f in FIELD_WEIGHTS}
        )
        self.postings: dict[str, dict[str, list[tuple[int, float]]]] = {
            f: defaultdict(list) for f in FIELD_WEIGHTS
        }
        self.self_score: list[float] = []
        for i, d in enumerate(docs):
            own = 0.0
            for f, w in FIELD_WEIGHTS.items():
                self.vocab[d.intent][f].update(d.fields[f].keys())
                norm = _K1 * (1.0 - _B + _B * sum(d.fields[f].values()) / self.avg_len[f])
                for t, tf in d.fields[f].items():
                    part = tf * (_K1 + 1.0) / (tf + norm)
                    self.postings[f][t].append((i, part))
                    own += w * self.idf(f, t) * part
            self.self_score.append(max(own, 1e-9))

    def idf(self, f: str, term: str) -> float:
        return self._idf[f].get(term, self._idf_unseen)

    def ceiling(self, q: Mapping[str, Counter[str]]) -> float:
        total = 0.0
        for f, w in FIELD_WEIGHTS.items():
            norm = _K1 * (1.0 - _B + _B * sum(q[f].values()) / self.avg_len[f])
            total += w * sum(self.idf(f, t) * tf * (_K1 + 1.0) / (tf + norm) for t, tf in q[f].items())
        return total

    def doc_scores(self, q: Mapping[str, Counter[str]]) -> dict[int, float]:
        acc: dict[int, float] = defaultdict(float)
        for f, w in FIELD_WEIGHTS.items():
            for t in q[f]:
                posting = self.postings[f].get(t)
                if not posting:
                    continue
                weight = w * self.idf(f, t)
                for i, part in posting:
                    acc[i] += weight * part
        return acc

    def known_share(self, q: Mapping[str, Counter[str]]) -> float:
        """Share of the question's word weight that any KB question contains (low = unknown topic)."""
        total = known = 0.0
        for t in q["w"]:
            w = self.idf("w", t)
            total += w
            known += w if self.df["w"].get(t) else 0.0
        return known / total if total else 0.0


def build_state(
    kb_data: dict[str, Any], kb_words: Iterable[str], kb_texts: Iterable[str] = ()
) -> dict[str, Any]:
    """The JSON-able state a matcher is rebuilt from: the KB as plain data, the lexicon (jieba's
    dictionary with KB words boosted: the given ones and every dictionary word of two or more
    characters found inside a KB question, so 下单 in 下单是 stays one word) and the default
    reading of every character in it."""
    full = _dictionary()
    counts = {w: n for w, n in full.items() if n >= _MIN_DICT_FREQ}
    texts = list(kb_texts)
    found = {t[i:j] for t in texts for i in range(len(t)) for j in range(i + 2, min(len(t), i + 4) + 1)}
    counts = build_lexicon_counts([*kb_words, *(w for w in found if w in counts)], counts)
    # a rare dictionary word is a KB word too where the KB's text would otherwise fall apart into
    # single characters (下单 is 38 in jieba's counts: 下|单); not where it straddles a word (改地|址)
    lexicon = bt.Lexicon.from_counts(counts)
    rare = {
        w for t in texts for run in _single_runs(lexicon.segment(t)) for w in _substrings(run) if w in full
    }
    counts = build_lexicon_counts(rare, counts)
    pinyin = char_pinyin(ch for w in counts for ch in w)
    return {"version": STATE_VERSION, "kb": kb_data, "lexicon": counts, "pinyin": pinyin}


def _single_runs(words: list[str]) -> list[str]:
    """Runs of two or more consecutive one-character words, joined."""
    runs, cur = [], ""
    for w in [*words, "  "]:
        if len(w) == 1:
            cur += w
            continue
        if len(cur) >= 2:
            runs.append(cur)
        cur = ""
    return runs


def _substrings(run: str) -> set[str]:
    return {run[i:j] for i in range(len(run)) for j in range(i + 2, min(len(run), i + 4) + 1)}
