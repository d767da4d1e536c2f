"""FAQ bot: match a buyer's Chinese question to a known intent, or hand over to a person.

Why this design (ADR 0007): shops need a bot that is *right when it answers*
(a wrong answer about refunds costs more than a hand-over), runs offline with no
model download, and is explainable to a supervisor. So the matcher is Okapi
BM25 over three feature fields of every KB question (canonical + paraphrases):
jieba words (after homophone repair, synonym folding and number folding),
character bigrams and single characters. The best KB question per intent wins.

Confidence blends two things, both in [0, 1]: the BM25 score divided by the
larger of the query's and the matched KB question's self-score (low when much of
the question is unknown to the KB, or when only one word of a longer KB question
matched), and *coverage*, the share of the query's IDF weight found anywhere in
the intent's KB questions. ``bot_first`` answers only when the best intent clears
the threshold *and* leads the runner-up by a margin, and never when the best
"intent" is the out-of-scope pseudo-intent (chit-chat, styling, wholesale …).
Threshold and margin were chosen on the *train* half of ``data/bot_eval.csv``
and on a leave-one-out check of the KB itself, never on the test half.

Pure: plain data in, plain data out; no store/api imports.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import Any

import yaml

from kefu.care import text
from kefu.domain.errors import ErrorCode, KefuError, bad_argument

# Chosen on the train split and KB leave-one-out only (bench/bot_eval.py); see docs/bench/bot.md.
DEFAULT_THRESHOLD = 0.50
# In mixed mode the bot answers alone only above this; between the two it suggests to the agent.
DEFAULT_MIXED_THRESHOLD = 0.60
# bot_first answers only when the best intent leads the runner-up by at least this much
# (two intents about equally likely means the bot is guessing). Chosen on train + KB leave-one-out.
DEFAULT_MARGIN = 0.08
# Confidence = ALPHA × best single KB question + (1 − ALPHA) × coverage of the query's
# IDF weight by the intent's whole vocabulary (all its KB questions together).
COVERAGE_ALPHA = 0.8
# KB pseudo-intent of questions the shop's bot must not answer (chit-chat, styling, wholesale …):
# when it ranks first the bot hands over; as runner-up it shrinks the margin of a real intent.
OUT_OF_SCOPE = "out_of_scope"

# Grid-searched on the train split (words, char bigrams, single chars).
FIELD_WEIGHTS: dict[str, float] = {"w": 1.0, "c": 0.3, "u": 0.6}
_K1 = 1.2
_B = 0.75

# Particles and politeness that carry no intent; removed from the word field only.
_STOPWORD_TEXT = (
    "亲 的 了 吗 呢 啊 吧 呀 哦 哈 么 嘛 啦 哟 噢 喔 呗 我 你 您 你们 我们 他 她 它 这 那 这个 那个 这件 "
    "请问 麻烦 一下 下 帮 帮忙 帮我 给 给我 想 要 能 能不能 可以 可不可以 是 是不是 有 有没有 会 会不会 "
    "不 就 都 也 和 跟 在 怎么 怎么办 怎样 如何 什么 啥 吗 哪 一个 个 一 呃 嗯 好 好的 谢谢 请 "
    "比较 现在 大概 大约 一般 的话 那边 这边 需要 得 地 着 过 呢亲 怕 别的 然后 但是 可是 所以 "
    "因为 如果 真的 非常 特别 很 太 挺 一点 有点 一些 那么 这么 还是 或者 一直 马上 刚 刚刚 才 再 又 "
    "订单号 订单编号 单子 老是 总是 到底 究竟 请问下 咨询 问下 问一下 想问 我想 弄 咋 咋样 呐 哇 嘞 吖 撒 你好 您好 在不在 hello hi"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


class BotMode(StrEnum):
    """Who speaks first. human_first: bot only suggests; bot_first: bot answers when sure;
    mixed: bot answers only when very sure, suggests when fairly sure."""

    HUMAN_FIRST = "human_first"
    BOT_FIRST = "bot_first"
    MIXED = "mixed"


class BotAction(StrEnum):
    ANSWER = "answer"  # the bot replies to the buyer
    SUGGEST = "suggest"  # a person replies; the agent sees the bot's suggestion
    HANDOVER = "handover"  # a person replies; no suggestion


@dataclass(frozen=True)
class FaqIntent:
    intent: str
    question: str
    answer: str
    paraphrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class KnowledgeBase:
    intents: tuple[FaqIntent, ...]
    synonyms: dict[str, str] = field(default_factory=dict)  # variant → canonical word
    handover_phrases: tuple[str, ...] = ()
    words: tuple[str, ...] = ()  # extra jieba vocabulary

    def intent(self, name: str) -> FaqIntent:
        for item in self.intents:
            if item.intent == name:
                return item
        raise KefuError(ErrorCode.NOT_FOUND, f"未知的问答意图: {name}", f"unknown FAQ intent: {name}")


@dataclass(frozen=True)
class Match:
    intent: str
    confidence: float
    matched_question: str
    margin: float = 1.0  # lead over the next intent (1.0 when there is none)


@dataclass(frozen=True)
class BotReply:
    action: BotAction
    reason: str  # confident | low_confidence | ambiguous | out_of_scope | asked_for_human | human_first | mixed_unsure | empty
    intent: str | None = None
    answer: str | None = None
    confidence: float = 0.0
    matched_question: str = ""

    @property
    def answered(self) -> bool:
        return self.action is BotAction.ANSWER


def parse_knowledge_base(data: dict[str, Any]) -> KnowledgeBase:
    """Build a KB from the YAML structure; a malformed entry is a clear error, not a KeyError."""
    synonyms: dict[str, str] = {}
    for canonical, variants in (data.get("synonyms") or {}).items():
        for variant in variants or []:
            synonyms[str(variant)] = str(canonical)
    intents: list[FaqIntent] = []
    for i, raw in enumerate(data.get("intents") or [], start=1):
        missing = [k for k in ("intent", "question", "answer") if not raw.get(k)]
        if missing:
            raise bad_argument(
                "faq", f"第{i}个意图缺少 {', '.join(missing)}", f"intent #{i} lacks {', '.join(missing)}"
            )
        paraphrases = tuple(str(p) for p in raw.get("paraphrases") or [])
        intents.append(FaqIntent(str(raw["intent"]), str(raw["question"]), str(raw["answer"]), paraphrases))
    names = [x.intent for x in intents]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise bad_argument("faq", f"意图重复: {dupes}", f"duplicate intents: {dupes}")
    if not intents:
        raise bad_argument("faq", "知识库为空", "knowledge base is empty")
    return KnowledgeBase(
        tuple(intents),
        synonyms,
        tuple(str(p) for p in data.get("handover_phrases") or []),
        tuple(str(w) for w in data.get("words") or []),
    )


def load_knowledge_base(yaml_text: str | None = None) -> KnowledgeBase:
    """The shipped KB (``care/data/faq.yaml``) or one given as YAML text."""
    if yaml_text is None:
        yaml_text = resources.files("kefu.care").joinpath("data/faq.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(yaml_text)
    if not isinstance(data, dict):
        raise bad_argument("faq", "知识库必须是 YAML 映射", "knowledge base must be a YAML mapping")
    return parse_knowledge_base(data)


def _homophone_table(kb: KnowledgeBase) -> tuple[dict[str, str], frozenset[str]]:
    """Pinyin key → the KB's most frequent character pair with that sound; and all KB pairs."""
    counts: Counter[str] = Counter()
    for item in kb.intents:
        for q in (item.question, *item.paraphrases):
            for run in text.cjk_runs(text.normalise(q)):
                counts.update(run[i : i + 2] for i in range(len(run) - 1))
    for variant, canonical in kb.synonyms.items():
        counts.update([canonical] if len(canonical) == 2 else [])
        counts.update([variant] if len(variant) == 2 else [])
    table: dict[str, str] = {}
    for pair, _ in counts.most_common():
        table.setdefault(text.pinyin_key(pair), pair)
    return table, frozenset(counts)


def asks_for_human(question: str, phrases: Iterable[str]) -> bool:
    """Whether the buyer asks for a person (转人工, 人工客服, 投诉 …): never answer those."""
    folded = text.normalise(question).replace(" ", "")
    return any(p and p in folded for p in phrases)


class FaqMatcher:
    """BM25 index over every KB question; ``reply`` applies the mode and threshold."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        text.add_words([*kb.words, *kb.synonyms, *kb.synonyms.values()])
        self._homophones, self._kb_pairs = _homophone_table(kb)
        self._docs: list[tuple[str, str, dict[str, Counter[str]]]] = []
        for item in kb.intents:
            for q in (item.question, *item.paraphrases):
                self._docs.append((item.intent, q, self.features(q, correct=False)))
        self._df: dict[str, Counter[str]] = {f: Counter() for f in FIELD_WEIGHTS}
        self._self_scores: dict[str, float] = {}
        self._avg_len: dict[str, float] = {}
        for f in FIELD_WEIGHTS:
            lengths = [sum(d[2][f].values()) for d in self._docs]
            self._avg_len[f] = max(1.0, sum(lengths) / len(lengths))
            per_intent: dict[str, set[str]] = {}
            for intent, _, d in self._docs:
                per_intent.setdefault(intent, set()).update(d[f].keys())
            for terms in per_intent.values():
                self._df[f].update(terms)
        # per intent and field: in how many of the intent's KB questions each term occurs
        self._vocab: dict[str, dict[str, Counter[str]]] = {}
        for intent, kb_q, d in self._docs:
            own = sum(w * self._bm25(f, d[f], d[f]) for f, w in FIELD_WEIGHTS.items())
            self._self_scores[kb_q] = max(own, 1e-9)
            vocab = self._vocab.setdefault(intent, {f: Counter() for f in FIELD_WEIGHTS})
            for f in FIELD_WEIGHTS:
                vocab[f].update(d[f].keys())

    def correct(self, norm: str) -> str:
        """Replace character pairs the KB never uses by a KB pair that sounds the same
        (发或 → 发货, 顺风 → 顺丰, 起求 → 起球) when the KB word is the more common word."""
        chars = list(norm)
        for i in range(len(chars) - 1):
            pair = chars[i] + chars[i + 1]
            if len(text.cjk_runs(pair)) != 1 or len(text.cjk_runs(pair)[0]) != 2:
                continue
            target = self._homophones.get(text.pinyin_key(pair))
            if (
                target
                and target != pair
                and pair not in self._kb_pairs
                and text.word_freq(pair) < text.word_freq(target)
            ):
                chars[i], chars[i + 1] = target[0], target[1]
        return "".join(chars)

    def features(self, question: str, *, correct: bool = True) -> dict[str, Counter[str]]:
        """The fields of a question, after normalisation, homophone correction and synonym folding."""
        norm = text.normalise(question)
        if correct:
            norm = self.correct(norm)
        # every short number (height, weight, size, price, count) reads as one token "#"
        toks = ["#" if w.isdigit() else self.kb.synonyms.get(w, w) for w in text.words(norm)]
        kept = [w for w in toks if w not in STOPWORDS]
        folded = "".join(kept)
        return {
            "w": Counter(kept),
            "c": Counter(text.char_bigrams(folded)),
            "u": Counter(ch for w in kept for ch in w if ch not in STOPWORDS),
        }

    def _idf(self, f: str, term: str) -> float:
        """IDF over *intents*, not KB questions: a topic word that every paraphrase of one
        intent repeats (发票) must weigh more than an action word shared by many intents (申请)."""
        n = len(self.kb.intents)
        df = self._df[f].get(term, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def _bm25(self, f: str, q: Counter[str], d: Counter[str]) -> float:
        length = sum(d.values())
        norm = _K1 * (1.0 - _B + _B * length / self._avg_len[f])
        return sum(self._idf(f, t) * d[t] * (_K1 + 1.0) / (d[t] + norm) for t in q if t in d)

    def rank(self, question: str, top: int = 3, *, exclude: str | None = None) -> list[Match]:
        """Best intents first, each with its best-matching KB question, confidence in [0, 1]
        and its lead over the next intent.

        Confidence blends the best single KB question (BM25 ÷ ceiling, see module doc) with
        *coverage*: the share of the query's IDF weight found anywhere in the intent's KB
        questions. Coverage lets a new wording whose words are spread over several
        paraphrases count, and stays low when the buyer's topic is unknown to the KB.
        ``exclude`` ignores one KB question (leave-one-out evaluation; IDF keeps it)."""
        q = self.features(question)
        ceiling = sum(w * self._bm25(f, q[f], q[f]) for f, w in FIELD_WEIGHTS.items())
        if ceiling <= 0.0:
            return []
        weight = {f: {t: self._idf(f, t) * n for t, n in q[f].items()} for f in FIELD_WEIGHTS}
        total = sum(FIELD_WEIGHTS[f] * sum(weight[f].values()) for f in FIELD_WEIGHTS)
        best: dict[str, tuple[float, float, str]] = {}
        left_out: dict[str, dict[str, Counter[str]]] = {}  # intent → field → terms of left-out questions
        for intent, kb_q, d in self._docs:
            if kb_q == exclude:
                gone = left_out.setdefault(intent, {f: Counter() for f in FIELD_WEIGHTS})
                for f in FIELD_WEIGHTS:
                    gone[f].update(d[f].keys())
                continue
            score = sum(w * self._bm25(f, q[f], d[f]) for f, w in FIELD_WEIGHTS.items())
            if score <= 0.0:
                continue
            conf = min(1.0, score / ceiling, score / self._self_scores[kb_q])
            if (conf, score) > best.get(intent, (-1.0, -1.0, ""))[:2]:
                best[intent] = (conf, score, kb_q)
        blended: dict[str, tuple[float, float, str]] = {}
        for intent, (conf, score, kb_q) in best.items():
            vocab = self._vocab[intent]
            gone = left_out.get(intent, {f: Counter() for f in FIELD_WEIGHTS})
            covered = sum(
                FIELD_WEIGHTS[f] * sum(v for t, v in weight[f].items() if vocab[f][t] > gone[f][t])
                for f in FIELD_WEIGHTS
            )
            cov = covered / total if total > 0.0 else 0.0
            blended[intent] = (COVERAGE_ALPHA * conf + (1.0 - COVERAGE_ALPHA) * cov, score, kb_q)
        ranked = sorted(blended.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
        out: list[Match] = []
        for i, (intent, (conf, _, kb_q)) in enumerate(ranked[:top]):
            nxt = ranked[i + 1][1][0] if i + 1 < len(ranked) else 0.0
            out.append(Match(intent, conf, kb_q, conf - nxt))
        return out

    def reply(
        self,
        question: str,
        mode: BotMode | str = BotMode.BOT_FIRST,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        mixed_threshold: float = DEFAULT_MIXED_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
    ) -> BotReply:
        """Decide what happens to one buyer message under the shop's bot mode."""
        try:
            mode = BotMode(mode)
        except ValueError as exc:
            raise bad_argument(
                "mode", f"未知模式 {mode}", f"unknown mode {mode}", allowed=[m.value for m in BotMode]
            ) from exc
        if not 0.0 <= threshold <= 1.0 or not 0.0 <= mixed_threshold <= 1.0:
            raise bad_argument("threshold", "阈值应在 0 到 1 之间", "thresholds must be between 0 and 1")
        if not text.normalise(question):
            return BotReply(BotAction.HANDOVER, "empty")
        if asks_for_human(question, self.kb.handover_phrases):
            return BotReply(BotAction.HANDOVER, "asked_for_human")
        ranked = self.rank(question, top=1)
        if not ranked or ranked[0].confidence < threshold:
            top = ranked[0] if ranked else None
            return BotReply(BotAction.HANDOVER, "low_confidence", confidence=top.confidence if top else 0.0)
        m = ranked[0]
        if m.intent == OUT_OF_SCOPE:
            return BotReply(BotAction.HANDOVER, "out_of_scope", confidence=m.confidence)
        answer = self.kb.intent(m.intent).answer
        if mode is BotMode.HUMAN_FIRST:
            return BotReply(
                BotAction.SUGGEST, "human_first", m.intent, answer, m.confidence, m.matched_question
            )
        ambiguous = m.margin < margin
        if mode is BotMode.BOT_FIRST and ambiguous:
            return BotReply(BotAction.HANDOVER, "ambiguous", confidence=m.confidence)
        if mode is BotMode.MIXED and (ambiguous or m.confidence < mixed_threshold):
            return BotReply(
                BotAction.SUGGEST, "mixed_unsure", m.intent, answer, m.confidence, m.matched_question
            )
        return BotReply(BotAction.ANSWER, "confident", m.intent, answer, m.confidence, m.matched_question)
