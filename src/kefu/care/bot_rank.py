"""Ranking a message against the index: BM25 evidence per intent, coverage, calibrated confidence.

Why a module of its own: this is the one place where evidence becomes a probability — the blend of the
best single KB question and the intent's coverage of the message, and the logistic (Platt) map fitted
by ``bench/bot_eval.py --fit`` so that a threshold means the same chance of being right for every
intent. The decision rules (:mod:`kefu.care.bot`) only read its :class:`Match` list. Pure.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping

from kefu.care import bot_index as bi
from kefu.care.bot_kb import Match

# Raw evidence = ALPHA × best single KB question + (1 − ALPHA) × coverage of the message.
COVERAGE_ALPHA = 0.8
# Logistic calibration: p = σ(a·raw + b·margin + c). Fitted by
# ``bench/bot_eval.py --fit`` on the dev half and the KB leave-one-out check (never held-out).
CALIBRATION = (3.378, 8.485, -1.963)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -60 else 0.0


def rank(index: bi.Index, q: Mapping[str, Counter[str]], top: int, exclude: str | None = None) -> list[Match]:
    """Best intents first for a message's BM25 fields ``q``: per intent its best KB question, the
    calibrated confidence and the raw lead over the runner-up; ``exclude`` ignores one KB question
    (leave-one-out evaluation; IDF keeps it)."""
    ceiling = index.ceiling(q)
    if ceiling <= 0.0:
        return []
    weight = {f: {t: index.idf(f, t) * n for t, n in q[f].items()} for f in bi.FIELD_WEIGHTS}
    total = sum(bi.FIELD_WEIGHTS[f] * sum(weight[f].values()) for f in bi.FIELD_WEIGHTS)
    best: dict[str, tuple[float, float, str]] = {}
    gone: dict[str, dict[str, Counter[str]]] = {}
    for i, score in index.doc_scores(q).items():
        doc = index.docs[i]
        if doc.question == exclude:
            g = gone.setdefault(doc.intent, {f: Counter() for f in bi.FIELD_WEIGHTS})
            for f in bi.FIELD_WEIGHTS:
                g[f].update(doc.fields[f].keys())
            continue
        conf = min(1.0, score / ceiling, score / index.self_score[i])
        if (conf, score) > best.get(doc.intent, (-1.0, -1.0, ""))[:2]:
            best[doc.intent] = (conf, score, doc.question)
    raw: list[tuple[float, float, str, str]] = []
    for intent, (conf, score, kb_q) in best.items():
        vocab = index.vocab[intent]
        g = gone.get(intent) or {f: Counter() for f in bi.FIELD_WEIGHTS}
        covered = sum(
            bi.FIELD_WEIGHTS[f]
            * sum(v for t, v in weight[f].items() if vocab[f][t] > g[f][t])
            for f in bi.FIELD_WEIGHTS
        )
        cov = covered / total if total > 0.0 else 0.0
        raw.append((COVERAGE_ALPHA * conf + (1.0 - COVERAGE_ALPHA) * cov, score, intent, kb_q))
    raw.sort(key=lambda r: (-r[0], -r[1], r[2]))
    a, b, c = CALIBRATION
    out: list[Match] = []
    for i, (value, _, intent, kb_q) in enumerate(raw[:top]):
        # lead over the best *other* intent: negative for every intent but the first
        lead = value - (raw[1][0] if len(raw) > 1 else 0.0) if i == 0 else value - raw[0][0]
        out.append(Match(intent, _sigmoid(a * value + b * lead + c), kb_q, lead, value))
    return out
