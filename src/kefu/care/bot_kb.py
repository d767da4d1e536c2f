"""FAQ bot knowledge base and reply types: intents, paraphrases, negatives, synonyms.

Plain data shared by the matcher (:mod:`kefu.care.bot`), the evaluation and the
chat-mining engine; parsed from ``care/data/faq.yaml`` or a shop's rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from typing import Any

import yaml

from kefu.domain.errors import ErrorCode, KefuError, bad_argument

# Probability of being right above which bot_first answers (calibrated; see docs/bench/bot.md).
DEFAULT_THRESHOLD = 0.85
# In mixed mode the bot answers alone only above this; between the two it suggests to the agent.
DEFAULT_MIXED_THRESHOLD = 0.92
# Extra lead over the runner-up a caller may demand; the calibrated confidence already weighs
# the lead, so none is required by default.
DEFAULT_MARGIN = 0.0
# KB pseudo-intent of messages the shop's bot must not answer (chit-chat, styling, wholesale …).
OUT_OF_SCOPE = "out_of_scope"


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
    negatives: tuple[str, ...] = ()  # look-alike messages that must not get this answer


@dataclass(frozen=True)
class KnowledgeBase:
    intents: tuple[FaqIntent, ...]
    synonyms: dict[str, str] = field(default_factory=dict)  # variant → canonical word
    handover_phrases: tuple[str, ...] = ()
    words: tuple[str, ...] = ()  # extra vocabulary
    # words of a dispute or a follow-up on a case (凭什么, 处理了没, 用不了): a message holding one is
    # answered only by an intent whose own KB questions use it (发错了 is wrong_item's, not invoice's)
    dispute_cues: tuple[str, ...] = ()

    def intent(self, name: str) -> FaqIntent:
        for item in self.intents:
            if item.intent == name:
                return item
        raise KefuError(ErrorCode.NOT_FOUND, f"未知的问答意图: {name}", f"unknown FAQ intent: {name}")

    def to_data(self) -> dict[str, Any]:
        """Plain data that ``parse_knowledge_base`` reads back (for the cached index)."""
        groups: dict[str, list[str]] = {}
        for variant, canonical in self.synonyms.items():
            groups.setdefault(canonical, []).append(variant)
        return {
            "synonyms": groups,
            "handover_phrases": list(self.handover_phrases),
            "words": list(self.words),
            "dispute_cues": list(self.dispute_cues),
            "intents": [
                {
                    "intent": i.intent,
                    "question": i.question,
                    "answer": i.answer,
                    "paraphrases": list(i.paraphrases),
                    "negatives": list(i.negatives),
                }  # fmt: skip
                for i in self.intents
            ],
        }


@dataclass(frozen=True)
class Match:
    intent: str
    confidence: float  # calibrated probability that this intent is right
    matched_question: str
    margin: float = 1.0  # lead of the raw score over the next intent (1.0 when there is none)
    raw: float = 0.0  # uncalibrated blend of best KB question and coverage


@dataclass(frozen=True)
class BotReply:
    action: BotAction
    # confident | two_part | low_confidence | ambiguous | out_of_scope | partly_unknown |
    # asked_for_human | human_first | mixed_unsure | empty | dispute | not_a_question | needs_person
    reason: str
    intent: str | None = None  # "a+b" when a two-part message is answered in two parts
    answer: str | None = None
    confidence: float = 0.0
    matched_question: str = ""

    @property
    def answered(self) -> bool:
        return self.action is BotAction.ANSWER

    @property
    def intents(self) -> tuple[str, ...]:
        return tuple(self.intent.split("+")) if self.intent else ()


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
        if "+" in str(raw["intent"]):
            raise bad_argument(
                "faq", f"意图名不能含 +: {raw['intent']}", f"intent ids cannot contain +: {raw['intent']}"
            )
        intents.append(FaqIntent(
            str(raw["intent"]), str(raw["question"]), str(raw["answer"]),
            tuple(str(p) for p in raw.get("paraphrases") or []), tuple(str(p) for p in raw.get("negatives") or []),
        ))  # fmt: skip
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
        tuple(str(c) for c in data.get("dispute_cues") or []),
    )


def shipped_kb_text() -> str:
    """The shipped KB's YAML text (its hash keys the cached index)."""
    return resources.files("kefu.care").joinpath("data/faq.yaml").read_text(encoding="utf-8")


def load_knowledge_base(yaml_text: str | None = None) -> KnowledgeBase:
    """The shipped KB (``care/data/faq.yaml``) or one given as YAML text."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(shipped_kb_text() if yaml_text is None else yaml_text, Loader=loader)
    if not isinstance(data, dict):
        raise bad_argument("faq", "知识库必须是 YAML 映射", "knowledge base must be a YAML mapping")
    return parse_knowledge_base(data)


def asks_for_human(question: str, phrases: tuple[str, ...] | list[str]) -> str | None:
    """The hand-over phrase (转人工, 投诉 …) the buyer's message contains, if any."""
    from kefu.care.bot_text import to_simplified

    folded = "".join(ch for ch in to_simplified(question).lower() if not ch.isspace())
    return next((p for p in phrases if p and p in folded), None)
