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


def _score(outcomes: Sequence[tuple[str, str, str | None]]) -> EvalResult:
    """Tally ``(question, label, answered intent or None = handed over)``; label ``none`` = must hand over."""
    answered = answered_with_intent = correct = handed = 0
    errors: list[tuple[str, str, str]] = []
    for question, label, intent in outcomes:
        if intent is None:
            handed += 1
            continue
        answered += 1
        answered_with_intent += label != "none"
        if intent == label:
            correct += 1
        else:
            errors.append((question, label, intent))
    with_intent = sum(1 for _, label, _ in outcomes if label != "none")
    return EvalResult(len(outcomes), with_intent, answered, answered_with_intent, correct, handed, tuple(errors))


def evaluate(
    matcher: FaqMatcher,
    rows: Sequence[tuple[str, str]],
    threshold: float = DEFAULT_THRESHOLD,
    margin: float = DEFAULT_MARGIN,
) -> EvalResult:
    """Score ``(question, label)`` rows in bot_first mode; label ``none`` means "must hand over"."""
    outcomes = []
    for question, label in rows:
        r = matcher.reply(question, BotMode.BOT_FIRST, threshold=threshold, margin=margin)
        outcomes.append((question, label, (r.intent or "") if r.answered else None))
    return _score(outcomes)


def kb_leave_one_out(
    matcher: FaqMatcher, threshold: float = DEFAULT_THRESHOLD, margin: float = DEFAULT_MARGIN
) -> EvalResult:
    """Every KB paraphrase asked as a question with itself left out of the index: a check of how
    the matcher generalises to wordings it has not seen that needs no eval-set row at all.
    Paraphrases of the out-of-scope pseudo-intent count as ``none`` (must hand over)."""
    outcomes: list[tuple[str, str, str | None]] = []
    for item in matcher.kb.intents:
        label = "none" if item.intent == OUT_OF_SCOPE else item.intent
        for question in item.paraphrases:
            ranked = matcher.rank(question, top=1, exclude=question)
            m = ranked[0] if ranked else None
            handed = m is None or m.intent == OUT_OF_SCOPE or m.confidence < threshold or m.margin < margin
            outcomes.append((question, label, None if handed or m is None else m.intent))
    return _score(outcomes)
