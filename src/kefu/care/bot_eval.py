"""Evaluation of the FAQ bot: figures on a labelled set, KB leave-one-out, calibration fit.

Labels: an intent id; ``a+b`` for a message with two questions (the answer must cover
exactly those intents: half an answer is a wrong answer); ``handover`` (or the first set's
``none``) for a message the bot must hand over. Definitions (also in docs/bench/bot.md):
answer_rate = answered ∩ labelled-with-intent ÷ labelled-with-intent; precision = right
answers ÷ all answers; unanswerable_answered = answered ``handover`` rows ÷ ``handover`` rows;
handover_rate = not answered ÷ all rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kefu.care.bot import DEFAULT_MARGIN, DEFAULT_THRESHOLD, OUT_OF_SCOPE, BotMode, FaqMatcher, Match

MUST_HAND_OVER = frozenset({"none", "handover"})


@dataclass(frozen=True)
class EvalResult:
    """Figures on a labelled set (definitions in the module docstring)."""

    questions: int
    with_intent: int
    answered: int
    answered_with_intent: int
    correct: int
    handed_over: int
    unanswerable: int
    unanswerable_answered_count: int
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

    @property
    def unanswerable_answered(self) -> float:
        return self.unanswerable_answered_count / self.unanswerable if self.unanswerable else 0.0


def same_intents(label: str, predicted: str) -> bool:
    """Whether an answer covers exactly the labelled intents (order of parts does not matter)."""
    return label not in MUST_HAND_OVER and set(label.split("+")) == set(predicted.split("+"))


def score(outcomes: Iterable[tuple[str, str, str | None]]) -> EvalResult:
    """Tally ``(question, label, answered intent or None = handed over)``."""
    rows = list(outcomes)
    answered = answered_with_intent = correct = handed = unanswerable_answered = 0
    errors: list[tuple[str, str, str]] = []
    for question, label, intent in rows:
        if intent is None:
            handed += 1
            continue
        answered += 1
        if label in MUST_HAND_OVER:
            unanswerable_answered += 1
        else:
            answered_with_intent += 1
        if same_intents(label, intent):
            correct += 1
        else:
            errors.append((question, label, intent))
    unanswerable = sum(1 for _, label, _ in rows if label in MUST_HAND_OVER)
    return EvalResult(len(rows), len(rows) - unanswerable, answered, answered_with_intent, correct, handed,
                      unanswerable, unanswerable_answered, tuple(errors))  # fmt: skip


def evaluate(
    matcher: FaqMatcher,
    rows: Sequence[tuple[str, str]],
    threshold: float = DEFAULT_THRESHOLD,
    margin: float = DEFAULT_MARGIN,
) -> EvalResult:
    """Score ``(question, label)`` rows in bot_first mode."""
    outcomes = []
    for question, label in rows:
        r = matcher.reply(question, BotMode.BOT_FIRST, threshold=threshold, margin=margin)
        outcomes.append((question, label, (r.intent or "") if r.answered else None))
    return score(outcomes)


def kb_leave_one_out(
    matcher: FaqMatcher, threshold: float = DEFAULT_THRESHOLD, margin: float = DEFAULT_MARGIN
) -> EvalResult:
    """Every KB paraphrase asked with itself left out of the index: generalisation to wordings
    the KB has not seen, without any eval-set row. Out-of-scope paraphrases count as ``none``."""
    return score(
        (q, label, None if m is None or m.intent == OUT_OF_SCOPE or m.confidence < threshold
         or m.margin < margin else m.intent)
        for q, label, m in _loo_matches(matcher)
    )  # fmt: skip


def _loo_matches(matcher: FaqMatcher) -> list[tuple[str, str, Match | None]]:
    out = []
    for item in matcher.kb.intents:
        label = "none" if item.intent == OUT_OF_SCOPE else item.intent
        for question in item.paraphrases:
            ranked = matcher.rank(question, top=1, exclude=question)
            out.append((question, label, ranked[0] if ranked else None))
    return out


def calibration_samples(matcher: FaqMatcher, rows: Sequence[tuple[str, str]], *,
                        with_loo: bool = False) -> list[tuple[tuple[float, ...], int]]:  # fmt: skip
    """(raw, margin) of the top intent, and whether answering it would be right;
    from labelled rows (single-intent and hand-over rows) and, optionally, the KB leave-one-out
    (which has few messages the KB cannot answer, so it teaches the map too little about those)."""
    samples: list[tuple[tuple[float, ...], int]] = []
    for question, label in rows:
        if "+" in label:
            continue
        ranked = matcher.rank(question, top=1)
        if ranked:
            ok = int(
                ranked[0].intent == label or (label in MUST_HAND_OVER and ranked[0].intent == OUT_OF_SCOPE)
            )
            samples.append(((ranked[0].raw, ranked[0].margin), ok))
    for _, label, m in _loo_matches(matcher) if with_loo else []:
        if m is not None:
            right = m.intent == label or (label == "none" and m.intent == OUT_OF_SCOPE)
            samples.append(((m.raw, m.margin), int(right)))
    return samples


def fit_logistic(samples: Sequence[tuple[tuple[float, ...], int]], iterations: int = 50,
                 ridge: float = 1e-3) -> tuple[float, ...]:  # fmt: skip
    """Weights and bias of a logistic regression by Newton's method (a few features, no numpy needed)."""
    k = len(samples[0][0]) + 1
    w = [0.0] * k
    for _ in range(iterations):
        grad = [ridge * wi for wi in w]
        hess = [[ridge if i == j else 0.0 for j in range(k)] for i in range(k)]
        for x, y in samples:
            xs = (*x, 1.0)
            z = sum(a * b for a, b in zip(w, xs, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
            for i in range(k):
                grad[i] += (p - y) * xs[i]
                for j in range(k):
                    hess[i][j] += p * (1 - p) * xs[i] * xs[j]
        step = _solve(hess, grad)
        w = [a - b for a, b in zip(w, step, strict=True)]
    return tuple(w)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (tiny systems)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[p] = m[p], m[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            for j in range(c, n + 1):
                m[r][j] -= f * m[c][j]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][j] * x[j] for j in range(r + 1, n))) / m[r][r]
    return x
