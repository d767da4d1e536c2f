"""FAQ bot: match a buyer's Chinese question to a known intent, or hand over to a person.

Why this design (ADR 0007): shops need a bot that is *right when it answers*
(a wrong answer about refunds costs more than a hand-over), runs offline with no
model download, and is explainable to a supervisor. So the matcher is Okapi
BM25 over three feature fields of every KB question (canonical + paraphrases):
jieba words (after synonym folding), character bigrams and pinyin syllable
bigrams (homophone typos). The best KB question per intent wins.

Confidence is the BM25 score divided by the larger of two ceilings: the score
the query would get against a document made of exactly its own features, and
the score the matched KB question gets against itself. So it is in [0, 1],
comparable across queries, and low both when much of the question (by IDF
weight) is unknown to the KB and when the question shares only one word with a
longer KB question. One threshold, tuned on the *train* half
of ``data/bot_eval.csv`` only, decides answer vs hand-over.

Pure: plain data in, plain data out; no store/api imports.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import Any

import yaml

from kefu.care import text
from kefu.domain.errors import ErrorCode, KefuError, bad_argument

# Tuned on the train split only (bench/bot_eval.py --split train --sweep); see docs/bench/bot.md.
DEFAULT_THRESHOLD = 0.45
# In mixed mode the bot answers alone only above this; between the two it suggests to the agent.
DEFAULT_MIXED_THRESHOLD = 0.60

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


@dataclass(frozen=True)
class BotReply:
    action: BotAction
    reason: str  # confident | low_confidence | asked_for_human | human_first | mixed_unsure | empty
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
        for _, kb_q, d in self._docs:
            own = sum(w * self._bm25(f, d[f], d[f]) for f, w in FIELD_WEIGHTS.items())
            self._self_scores[kb_q] = max(own, 1e-9)

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
        toks = [self.kb.synonyms.get(w, w) for w in text.words(norm)]
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

    def rank(self, question: str, top: int = 3) -> list[Match]:
        """Best intents first, each with its best-matching KB question and confidence in [0, 1]."""
        q = self.features(question)
        ceiling = sum(w * self._bm25(f, q[f], q[f]) for f, w in FIELD_WEIGHTS.items())
        if ceiling <= 0.0:
            return []
        best: dict[str, tuple[float, float, str]] = {}
        for intent, kb_q, d in self._docs:
            score = sum(w * self._bm25(f, q[f], d[f]) for f, w in FIELD_WEIGHTS.items())
            if score <= 0.0:
                continue
            conf = min(1.0, score / ceiling, score / self._self_scores[kb_q])
            if (conf, score) > best.get(intent, (-1.0, -1.0, ""))[:2]:
                best[intent] = (conf, score, kb_q)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
        return [Match(intent, conf, kb_q) for intent, (conf, _, kb_q) in ranked[:top]]

    def reply(
        self,
        question: str,
        mode: BotMode | str = BotMode.BOT_FIRST,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        mixed_threshold: float = DEFAULT_MIXED_THRESHOLD,
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
        answer = self.kb.intent(m.intent).answer
        if mode is BotMode.HUMAN_FIRST:
            return BotReply(
                BotAction.SUGGEST, "human_first", m.intent, answer, m.confidence, m.matched_question
            )
        if mode is BotMode.MIXED and m.confidence < mixed_threshold:
            return BotReply(
                BotAction.SUGGEST, "mixed_unsure", m.intent, answer, m.confidence, m.matched_question
            )
        return BotReply(BotAction.ANSWER, "confident", m.intent, answer, m.confidence, m.matched_question)


@dataclass(frozen=True)
class EvalResult:
    """Figures on a labelled set. Definitions (also in docs/bench/bot.md):
    answer_rate = answered ∩ labelled-with-intent ÷ labelled-with-intent;
    precision = answered with the right intent ÷ all answered (answering a ``none`` question is wrong);
    handover_rate = not answered ÷ all questions."""

    questions: int
    with_intent: int
    answered: int
    answered_with_intent: int
    correct: int
    handed_over: int
    errors: tuple[tuple[str, str, str], ...]  # (question, label, predicted) for wrong answers

    @property
    def answer_rate(self) -> float:
        return self.answered_with_intent / self.with_intent if self.with_intent else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.answered if self.answered else 1.0

    @property
    def handover_rate(self) -> float:
        return self.handed_over / self.questions if self.questions else 0.0


def evaluate(
    matcher: FaqMatcher, rows: Sequence[tuple[str, str]], threshold: float = DEFAULT_THRESHOLD
) -> EvalResult:
    """Score ``(question, label)`` rows in bot_first mode; label ``none`` means "must hand over"."""
    answered = answered_with_intent = correct = handed = 0
    errors: list[tuple[str, str, str]] = []
    for question, label in rows:
        r = matcher.reply(question, BotMode.BOT_FIRST, threshold=threshold)
        if not r.answered:
            handed += 1
            continue
        answered += 1
        answered_with_intent += label != "none"
        if r.intent == label:
            correct += 1
        else:
            errors.append((question, label, r.intent or ""))
    with_intent = sum(1 for _, label in rows if label != "none")
    return EvalResult(len(rows), with_intent, answered, answered_with_intent, correct, handed, tuple(errors))
