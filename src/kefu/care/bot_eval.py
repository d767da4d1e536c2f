"""Evaluation of the FAQ bot: figures on a labelled set, and a leave-one-out check of the KB.

Definitions (also in docs/bench/bot.md): answer_rate = answered ∩ labelled-with-intent ÷
labelled-with-intent; precision = answered with the right intent ÷ all answered (answering a
``none`` question is wrong); handover_rate = not answered ÷ all questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kefu.care.bot import DEFAULT_MARGIN, DEFAULT_THRESHOLD, OUT_OF_SCOPE, BotMode, FaqMatcher


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
    matcher: FaqMatcher,
    rows: Sequence[tuple[str, str]],
    threshold: float = DEFAULT_THRESHOLD,
    margin: float = DEFAULT_MARGIN,
) -> EvalResult:
    """Score ``(question, label)`` rows in bot_first mode; label ``none`` means "must hand over"."""
    answered = answered_with_intent = correct = handed = 0
    errors: list[tuple[str, str, str]] = []
    for question, label in rows:
        r = matcher.reply(question, BotMode.BOT_FIRST, threshold=threshold, margin=margin)
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


def kb_leave_one_out(
    matcher: FaqMatcher, threshold: float = DEFAULT_THRESHOLD, margin: float = DEFAULT_MARGIN
) -> EvalResult:
    """Every KB paraphrase asked as a question with itself left out of the index: a check of how
    the matcher generalises to wordings it has not seen that needs no eval-set row at all.
    Paraphrases of the out-of-scope pseudo-intent count as ``none`` (must hand over)."""
    answered = answered_with_intent = correct = handed = with_intent = 0
    errors: list[tuple[str, str, str]] = []
    rows = [(q, item.intent) for item in matcher.kb.intents for q in item.paraphrases]
    for question, intent in rows:
        label = "none" if intent == OUT_OF_SCOPE else intent
        with_intent += label != "none"
        ranked = matcher.rank(question, top=1, exclude=question)
        m = ranked[0] if ranked else None
        if m is None or m.intent == OUT_OF_SCOPE or m.confidence < threshold or m.margin < margin:
            handed += 1
            continue
        answered += 1
        answered_with_intent += label != "none"
        if m.intent == label:
            correct += 1
        else:
            errors.append((question, label, m.intent))
    return EvalResult(len(rows), with_intent, answered, answered_with_intent, correct, handed, tuple(errors))
