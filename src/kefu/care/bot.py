"""FAQ bot: match a buyer's Chinese message to known intents, or hand over to a person.

Why this design (ADR 0007, amended for issue 21): a shop needs a bot that is *right when
it answers* (a wrong refund answer costs more than a hand-over), runs offline, is
explainable ("matched KB question X, confidence 0.93") and holds up on wording nobody
here wrote. So:

* the message is read conservatively (:mod:`kefu.care.bot_text`): simplified characters,
  slots, negation bound to its word; nothing correct is rewritten;
* BM25 over every KB question (:mod:`kefu.care.bot_index`) gives per intent the best
  single KB question and the *coverage* of the message by the intent's vocabulary;
* one **calibrated** confidence (:mod:`kefu.care.bot_rank`), a logistic (Platt) map of the match and
  its lead over the runner-up, fitted on the dev half of the buyers' set (``bench/bot_eval.py --fit``),
  so a threshold means the same probability of being right whatever the intent;
* "I don't know": the out-of-scope pseudo-intent and every intent's ``negatives`` (look-alike
  messages that must not get its answer) hand over when they win;
* two questions in one message are answered in two parts or handed over, never half;
* a learned "needs a person" gate (:mod:`kefu.care.bot_gate`) holds back an answer whose message reads
  like a complaint, a dispute or a look-up of the buyer's own order, even in the intent's own words;
* a situation report (没收到, 用不了, 被退回, 只赔, 说好 …) that the answering intent's KB questions do not
  carry hands over (:mod:`kefu.care.bot_situation`): a policy answer does not serve a failed case;
* sound-based typo repair only when the message as typed matched nothing.

Pure: plain data in, plain data out; no store/api imports.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from kefu.care import bot_asking, bot_gate, bot_rank, bot_situation
from kefu.care import bot_index as bi
from kefu.care import bot_text as bt
from kefu.care.bot_asking import ASKS as _ASKS
from kefu.care.bot_facts import render_answer
from kefu.care.bot_kb import DEFAULT_MARGIN as DEFAULT_MARGIN
from kefu.care.bot_kb import DEFAULT_MIXED_THRESHOLD as DEFAULT_MIXED_THRESHOLD
from kefu.care.bot_kb import DEFAULT_THRESHOLD as DEFAULT_THRESHOLD
from kefu.care.bot_kb import OUT_OF_SCOPE as OUT_OF_SCOPE
from kefu.care.bot_kb import BotAction as BotAction
from kefu.care.bot_kb import BotMode as BotMode
from kefu.care.bot_kb import BotReply as BotReply
from kefu.care.bot_kb import FaqIntent as FaqIntent
from kefu.care.bot_kb import KnowledgeBase as KnowledgeBase
from kefu.care.bot_kb import Match as Match
from kefu.care.bot_kb import asks_for_human as asks_for_human
from kefu.care.bot_kb import load_knowledge_base as load_knowledge_base
from kefu.care.bot_kb import parse_knowledge_base as parse_knowledge_base
from kefu.care.bot_kb import shipped_kb_text as shipped_kb_text
from kefu.care.bot_rank import CALIBRATION as CALIBRATION
from kefu.care.bot_repair import SoundRepair
from kefu.domain.errors import bad_argument

# A clause the bot cannot place is harmless context ("我在沈阳 …") only when the KB knows
# at least this share of its words; otherwise the message holds a question the KB cannot answer.
CLAUSE_KNOWN_SHARE = 0.5
# A word used by at least this share of the intents frames a question (怎么, 多久) rather than
# naming its topic: alone it does not make a clause a second question.
FRAME_SHARE = 0.4
# A clause asks something only with a question word or particle; "还没发货 我不想要了" is context
# plus one question, not two questions.
# A message of one part and at most this many words, none negated, is a topic typed as a search.
BARE_TOPIC_WORDS = 3
# "Needs a person" gate (:mod:`kefu.care.bot_gate`): an answer goes out only while the gate's
# P(needs a person) stays under cut + slope × (confidence − DEFAULT_THRESHOLD); a surer match
# tolerates a higher score. Chosen by 5-fold cross-validation on the tuning rows (``bench/bot_gate.py --cv``).
GATE_RULE: tuple[float, float] | None = (0.94, 0.0)
# Situation reports (:mod:`kefu.care.bot_situation`): a marker the answering intent's KB questions carry
# less often than this share hands over (None: off).
SITUATION_SHARE: float | None = bot_situation.OWN_SHARE
_CLAUSE_SPLIT = re.compile(r"\s+|另外|还有就是|顺便问下|顺便问一下|以及|再问下|还想问")


def kb_vocabulary(kb: KnowledgeBase) -> list[str]:
    """Words the lexicon must know whole: the KB's own, synonyms, stop words, negators."""
    return [*kb.words, *kb.synonyms, *kb.synonyms.values(), *bi.STOPWORDS, *bi.NEGATORS]


class FaqMatcher:
    """BM25 index over every KB question; ``reply`` applies the mode and the calibrated threshold."""

    def __init__(self, kb: KnowledgeBase, *, state: Mapping[str, Any] | None = None) -> None:
        self.kb = kb
        self._state = (
            dict(state)
            if state is not None
            else bi.build_state(
                kb.to_data(),
                kb_vocabulary(kb),
                (bt.prepare(q).text for i in kb.intents for q in (i.question, *i.paraphrases)),
            )
        )
        self.reader = bi.Reader(bt.Lexicon.from_counts(self._state["lexicon"]), kb.synonyms)
        if "docs" not in self._state:  # first build: read every KB question once, keep the result
            self._state.update(self._read_kb(kb))
        if "gate" not in self._state:  # and train the gate on the KB's examples and the shipped rows
            examples = bot_gate.kb_examples(self._state["kb"], OUT_OF_SCOPE) + bot_gate.shipped_rows()
            self._state["gate"] = bot_gate.train(examples)
        self.gate = bot_gate.Gate(self._state["gate"])
        self.gate_rule = GATE_RULE
        self.situation_share = SITUATION_SHARE
        self._situations: dict[str, dict[str, float]] = self._state["situations"]
        docs = [bi.Doc(intent, q, {f: Counter(terms) for f, terms in fields.items()})
                for intent, q, fields in self._state["docs"]]  # fmt: skip
        kb_words = Counter(self._state["kb_words"])
        self.index = bi.Index(docs, len(kb.intents))
        # words that are a whole KB question on their own (包邮吗 → 包邮): a one-word clause is a
        # question only then; otherwise it is context (订单 …, 我在沈阳 …)
        self._one_word_questions = frozenset(next(iter(d.fields["w"])) for d in docs if len(d.fields["w"]) == 1)
        self._frame_df = len(kb.intents) * FRAME_SHARE
        # policy intents answer questions only: a message that asks nothing is no such question
        self._question_only = frozenset(self._state["question_only"])
        self.repair = SoundRepair(self.reader.lexicon, self._state["lexicon"], self._state["pinyin"], kb_words)

    def _read_kb(self, kb: KnowledgeBase) -> dict[str, Any]:
        """Fields of every KB question (negatives under the out-of-scope pseudo-intent) and
        how often each word occurs in the KB (the homophone table prefers frequent words)."""
        docs: list[tuple[str, str, dict[str, dict[str, int]]]] = []
        asked = {i.intent: [bt.prepare(q).text for q in (i.question, *i.paraphrases)] for i in kb.intents}
        kb_words: Counter[str] = Counter([*kb.synonyms, *kb.synonyms.values()])
        for item in kb.intents:
            for q, intent in [*((q, item.intent) for q in (item.question, *item.paraphrases)),
                              *((q, OUT_OF_SCOPE) for q in item.negatives)]:  # fmt: skip
                prepared = bt.prepare(q).text
                kb_words.update(self.reader.lexicon.segment(prepared))
                docs.append((intent, q, {f: dict(c) for f, c in self.reader.fields(prepared).items()}))
        marked = {i: [bot_situation.markers(q, self.reader.tokens(q)) for q in qs] for i, qs in asked.items()}
        return {"docs": docs, "kb_words": dict(kb_words), "question_only": bot_asking.question_only_intents(asked),
                "situations": bot_situation.intent_shares(marked)}  # fmt: skip

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> FaqMatcher:
        """Rebuild from ``state()`` output (no jieba, no pypinyin, no YAML)."""
        return cls(parse_knowledge_base(dict(state["kb"])), state=state)

    def state(self) -> dict[str, Any]:
        return self._state

    # ------------------------------------------------------------ reading

    def features(self, question: str) -> dict[str, Counter[str]]:
        """The BM25 fields of a message as typed (no repair)."""
        return self.reader.fields(bt.prepare(question).text)

    def correct(self, question: str) -> str:
        """The message with its sound-alike slips repaired (:class:`SoundRepair`)."""
        return self.repair(bt.prepare(question).text).replace(" ", "")

    # ------------------------------------------------------------ ranking

    def rank(self, question: str, top: int = 3, *, exclude: str | None = None) -> list[Match]:
        """Best intents first with their best KB question, calibrated confidence and raw lead.
        ``exclude`` ignores one KB question (leave-one-out evaluation; IDF keeps it)."""
        return self._rank(self.features(question), top, exclude)

    def _rank(self, q: Mapping[str, Counter[str]], top: int, exclude: str | None = None) -> list[Match]:
        return bot_rank.rank(self.index, q, top, exclude)

    def _judge(self, text: str, threshold: float) -> Match | None:
        """Best intent of prepared text; the sound-repaired text is tried only when the text as
        typed is not confident, and used only when it does better."""
        ranked = self._rank(self.reader.fields(text), 1)
        first = ranked[0] if ranked else None
        if first is not None and first.confidence >= threshold:
            return first
        fixed = self.repair(text)
        if fixed.replace(" ", "") == text.replace(" ", ""):
            return first
        again = self._rank(self.reader.fields(fixed), 1)
        if again and (first is None or again[0].confidence > first.confidence):
            return again[0]
        return first

    def _clauses(self, text: str) -> list[str]:
        """Parts of a message that could be a question of their own: two content words or more (a
        size counts), or one that is a KB question by itself (greetings, bare slots and lone nouns
        drop out); not a part whose topic words all occur in another part (退的钱到哪了 | 什么时候到:
        the second follows up on the first, it asks nothing new)."""
        parts = [p for p in _CLAUSE_SPLIT.split(text) if p and p.strip()]
        # a size is content (XL还有吗); an order number, a date or a sum alone is not
        words = [[w for w in self.reader.fields(p)["w"] if w not in bt.SLOTS or w == bt.SIZE] for p in parts]
        out = []
        for i, part in enumerate(parts):
            topical = [w for w in words[i] if self.index.df["w"].get(w, 0) < self._frame_df]
            others = {w for j, ws in enumerate(words) if j != i for w in ws}
            if topical and all(w in others for w in topical):
                continue
            if (len(words[i]) >= 2 and topical) or (words[i] and words[i][0] in self._one_word_questions):
                out.append(part)
        return out

    # ------------------------------------------------------------ decision

    def reply(
        self,
        question: str,
        mode: BotMode | str = BotMode.BOT_FIRST,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        mixed_threshold: float = DEFAULT_MIXED_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
        facts: Mapping[str, str] | None = None,
    ) -> BotReply:
        """Decide what happens to one buyer message under the shop's bot mode; answers are
        filled with the shop's ``facts`` (shipping times, couriers, invoice types …)."""
        try:
            mode = BotMode(mode)
        except ValueError as exc:
            raise bad_argument(
                "mode", f"未知模式 {mode}", f"unknown mode {mode}", allowed=[m.value for m in BotMode]
            ) from exc
        if not 0.0 <= threshold <= 1.0 or not 0.0 <= mixed_threshold <= 1.0:
            raise bad_argument("threshold", "阈值应在 0 到 1 之间", "thresholds must be between 0 and 1")
        prepared = bt.prepare(question).text
        if not any(w not in bt.SLOTS and w not in bi.STOPWORDS for w in self.reader.tokens(prepared)):
            return BotReply(BotAction.HANDOVER, "empty")  # nothing but greetings, particles, numbers
        whole = self._judge(prepared, threshold)
        phrase = asks_for_human(question, self.kb.handover_phrases)
        if phrase and not self._phrase_is_topic(prepared, phrase, whole, threshold):
            return BotReply(BotAction.HANDOVER, "asked_for_human")
        parts = self._plan(prepared, whole, threshold)
        if isinstance(parts, BotReply):
            return parts
        top = parts[0]
        if top.intent == OUT_OF_SCOPE:
            return BotReply(BotAction.HANDOVER, "out_of_scope", confidence=top.confidence)
        if top.confidence < threshold:
            return BotReply(BotAction.HANDOVER, "low_confidence", confidence=top.confidence)
        cue = self._dispute(question, [m.intent for m in parts])
        if cue is not None:
            return BotReply(BotAction.HANDOVER, "dispute", confidence=top.confidence, matched_question=cue)
        report = self.situation_share and bot_situation.report(prepared, self.reader.tokens(prepared),
            (m.intent for m in parts), self._situations, self._question_only, self.situation_share)  # fmt: skip
        if report:
            return BotReply(BotAction.HANDOVER, "situation", confidence=top.confidence, matched_question=report)
        if not self._asks(prepared) and any(m.intent in self._question_only for m in parts):
            return BotReply(BotAction.HANDOVER, "not_a_question", confidence=top.confidence)
        intent = "+".join(m.intent for m in parts)
        answer = "\n".join(render_answer(self.kb.intent(m.intent).answer, facts) for m in parts)
        conf = min(m.confidence for m in parts)
        asked = " | ".join(m.matched_question for m in parts)
        if mode is BotMode.HUMAN_FIRST:
            return BotReply(BotAction.SUGGEST, "human_first", intent, answer, conf, asked)
        ambiguous = len(parts) == 1 and top.margin < margin
        if mode is BotMode.BOT_FIRST and ambiguous:
            return BotReply(BotAction.HANDOVER, "ambiguous", confidence=conf)
        if mode is BotMode.MIXED and (ambiguous or conf < mixed_threshold):
            return BotReply(BotAction.SUGGEST, "mixed_unsure", intent, answer, conf, asked)
        if self.needs_person(question, conf):
            if mode is BotMode.MIXED:
                return BotReply(BotAction.SUGGEST, "needs_person", intent, answer, conf, asked)
            return BotReply(BotAction.HANDOVER, "needs_person", confidence=conf)
        reason = "two_part" if len(parts) > 1 else "confident"
        return BotReply(BotAction.ANSWER, reason, intent, answer, conf, asked)

    def needs_person(self, question: str, confidence: float) -> bool:
        """The learned gate's verdict on a message the matcher would answer with this confidence."""
        if self.gate_rule is None:
            return False
        cut, slope = self.gate_rule
        return self.gate.score(question) >= cut + slope * (confidence - DEFAULT_THRESHOLD)

    def _dispute(self, question: str, intents: list[str]) -> str | None:
        """The dispute cue of the message that none of the answering intents' KB questions uses:
        "说好的赠品呢 没收到" is a case for a person, not the gift policy."""
        folded = bt.to_simplified(question).lower()
        for cue in self.kb.dispute_cues:
            if cue in folded and not any(cue in q for i in intents for q in self._questions(i)):
                return cue
        return None

    def _asks(self, text: str) -> bool:
        """A question word or particle, or a bare topic typed as a search (运费险, 七天无理由, 客服在线时间:
        one part, at most three words, none negated) — not a statement (我不想付钱, 东西就是假的)."""
        if bot_asking.asks(text):
            return True
        words = [w for w in self.reader.fields(text)["w"] if w not in bt.SLOTS]
        return len(text.split()) == 1 and len(words) <= BARE_TOPIC_WORDS and not any(bt.NEG in w for w in words)

    def _questions(self, intent: str) -> tuple[str, ...]:
        item = self.kb.intent(intent)
        return (item.question, *item.paraphrases)

    def _plan(self, text: str, whole: Match | None, threshold: float) -> list[Match] | BotReply:
        """One intent, several (one per question in the message), or a hand-over: a message
        with a part the KB cannot answer is handed over rather than half-answered."""
        if whole is None:
            return BotReply(BotAction.HANDOVER, "low_confidence")
        clauses = self._clauses(text)
        if len(clauses) < 2:
            return [whole]
        judged = [(c, self._judge(c, threshold)) for c in clauses]
        sure = [(c, m) for c, m in judged if m is not None and m.confidence >= threshold and _ASKS.search(c)]
        oos = next((m for _, m in sure if m.intent == OUT_OF_SCOPE), None)
        if oos is not None and not (whole.confidence >= threshold and whole.intent != OUT_OF_SCOPE
                                    and oos.confidence < whole.confidence):  # fmt: skip
            return BotReply(BotAction.HANDOVER, "out_of_scope", confidence=oos.confidence)
        unknown = [
            c for c, m in judged
            if (m is None or m.confidence < threshold)
            and (_ASKS.search(c) or bt.NEG in "".join(self.reader.fields(c)["w"]))  # asks or objects
            and self.index.known_share(self.reader.fields(c)) < CLAUSE_KNOWN_SHARE
        ]  # fmt: skip
        confident_whole = whole.confidence >= threshold and whole.intent != OUT_OF_SCOPE
        parts: dict[str, Match] = {whole.intent: whole} if confident_whole else {}
        for c, m in sure:
            if m.intent == OUT_OF_SCOPE or m.intent in parts:
                continue
            if confident_whole and (self._answered_by(c, whole.intent) or self._follows_up(c, whole.intent)):
                continue  # the whole message's answer already says it (新疆能发吗 运费怎么算)
            parts[m.intent] = m
        if unknown and parts:
            return BotReply(BotAction.HANDOVER, "partly_unknown", confidence=whole.confidence)
        if parts and any(self._unsure_question(c, m, parts, threshold) for c, m in judged):
            return BotReply(BotAction.HANDOVER, "partly_unsure", confidence=whole.confidence)
        if len(parts) >= 2:
            return list(parts.values())
        if parts and not confident_whole and bt.NEG not in "".join(self.reader.fields(text)["w"]):
            # context plus one question (我昨天买的裙子 | 想问下啥时候能发): the asking clause is judged
            # without the context that blurred the whole message; never when a clause objects (没/不 …)
            return list(parts.values())
        return [whole]

    def _unsure_question(self, clause: str, m: Match | None, parts: Mapping[str, Match], threshold: float) -> bool:
        """A clause that asks about another intent than the ones answered, without the bot being
        sure of it (怎么退货 | 运费谁出): answering the rest would be half an answer."""
        if m is None or m.intent in parts or m.intent == OUT_OF_SCOPE or m.confidence >= threshold:
            return False
        if not _ASKS.search(clause) or self.index.known_share(self.reader.fields(clause)) < CLAUSE_KNOWN_SHARE:
            return False
        # unsure between an answered intent and another (能退货吗 in 收到了不喜欢 能退货吗): the whole
        # message has settled it
        return not any(r.intent in parts for r in self.rank(clause, 3))

    def _phrase_is_topic(self, text: str, phrase: str, whole: Match | None, threshold: float) -> bool:
        """A hand-over phrase is the topic, not a request for a person, when the message is still
        confidently the same intent without it (人工客服几点上班 → 客服几点上班), and that intent's
        KB questions use the phrase too. 我要人工客服 without 人工 says nothing: a request."""
        if whole is None or whole.confidence < threshold or whole.intent == OUT_OF_SCOPE:
            return False
        item = self.kb.intent(whole.intent)
        if not any(phrase in q for q in (item.question, *item.paraphrases)):
            return False
        rest_text = text.replace(phrase, " ")
        if len(self.reader.fields(rest_text)["w"]) < 2 or not _ASKS.search(rest_text):
            return False  # 我要(人工)客服, 我要找(人工)客服: nothing asked but a person
        rest = self._judge(rest_text, threshold)
        return rest is not None and rest.intent == whole.intent and rest.confidence >= threshold

    def _follows_up(self, clause: str, intent: str) -> bool:
        """A one-word clause that the intent's own KB questions use asks on about the rest of the
        message (刚买就便宜了 | 能退吗: 退 the difference), not about a second topic."""
        words = [w for w in self.reader.fields(clause)["w"] if w not in bt.SLOTS]
        return len(words) == 1 and self.index.vocab[intent]["w"].get(words[0], 0) > 0

    def _answered_by(self, clause: str, intent: str) -> bool:
        """Whether the intent's answer already speaks of the clause's topic: its weightiest KB
        word of two or more characters (single characters such as 算/谁/出 frame the question)
        occurs in the answer, a two-character word as it is (退货 is not in 退换 … 发错货), a
        longer one character by character (补差价 in 补运费差价)."""
        words = [w.lstrip(bt.NEG) for w in self.reader.fields(clause)["w"]
                 if w not in bt.SLOTS and self.index.df["w"].get(w)]  # fmt: skip
        topics = [w for w in words if len(w) >= 2] or words
        if not topics:
            return True
        key = max(topics, key=lambda t: (self.index.idf("w", t), t))
        answer = render_answer(self.kb.intent(intent).answer)
        return key in answer if len(key) <= 2 else all(ch in answer for ch in key)

