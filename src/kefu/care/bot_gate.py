"""The FAQ bot's "needs a person" gate: a small learned classifier over character n-grams.

Why (issue 21, fifth round): on every unseen set 5–7 % of the messages that must go to a person
were answered — complaints, disputes, shop-specific facts, look-ups of the buyer's own order —
because they use an intent's own words (赠品没收到 under ``gift``). Rules read from the KB's own
data did not separate them (a topic-word scope guard and per-intent trust offsets were tried and
dropped). This gate *learns* the difference from labelled examples: the KB's questions
(answerable), its negatives and out-of-scope examples (a person), the labelled rows of the
evaluation sets' tuning halves and hand-over examples written from the seeds' situations
(``care/data/bot_gate.csv``; never a held-out row).

Model: L2-regularised logistic regression over binary character 1–3-grams of the prepared
message (slots in place, simplified characters), classes weighted to equal mass. Trained at index
build with scipy's L-BFGS from zero weights (deterministic: same data, same weights; rounded
before they are stored), kept in the index state as ``{n-gram: weight}``; scoring is a dict
lookup per n-gram (no numpy, no scipy at answer time).
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any

from kefu.care import bot_text as bt

# n-gram lengths, and how many training messages must hold an n-gram for it to get a weight
GRAMS = (1, 2, 3)
MIN_COUNT = 2
# L2 penalty (on the sum of the class-weighted log losses)
L2 = 2.0
MAX_ITER = 400
# weights are stored rounded: the cached state and a rebuild give the same scores
DIGITS = 5
MUST_HAND_OVER = frozenset({"none", "handover"})


def grams(message: str) -> frozenset[str]:
    """Character 1–3-grams of each part of the prepared message, with part boundaries (^ $)."""
    out: set[str] = set()
    for chunk in bt.prepare(message).text.split():
        s = f"^{chunk}$"
        for n in GRAMS:
            out.update(s[i : i + n] for i in range(len(s) - n + 1))
    out.difference_update({"^", "$"})
    return frozenset(out)


def shipped_rows_text() -> str:
    """The shipped training rows (``question,needs_person,source``); their hash keys the cache."""
    return resources.files("kefu.care").joinpath("data/bot_gate.csv").read_text(encoding="utf-8")


def shipped_rows() -> list[tuple[str, int]]:
    return [(r["question"], int(r["needs_person"])) for r in csv.DictReader(io.StringIO(shipped_rows_text()))]


def kb_examples(kb_data: Mapping[str, Any], out_of_scope: str) -> list[tuple[str, int]]:
    """The KB's own examples: an intent's questions are answerable (0); its negatives and the
    out-of-scope pseudo-intent's questions need a person (1)."""
    out: list[tuple[str, int]] = []
    for item in kb_data["intents"]:
        person = int(item["intent"] == out_of_scope)
        out.extend((q, person) for q in (item["question"], *item["paraphrases"]))
        out.extend((q, 1) for q in item["negatives"])
    return out


def label_rows(rows: Iterable[tuple[str, str]]) -> list[tuple[str, int]]:
    """Evaluation-set rows ``(question, label)`` as gate examples: ``handover``/``none`` → 1."""
    return [(q, int(label in MUST_HAND_OVER)) for q, label in rows]


def train(examples: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """Fit the gate; returns ``{"bias": b, "weights": {n-gram: w}}`` (JSON-able, deterministic)."""
    import numpy as np
    from scipy import optimize, sparse

    rows = [sorted(grams(q)) for q, _ in examples]
    counts = Counter(g for r in rows for g in r)
    vocab = sorted(g for g, n in counts.items() if n >= MIN_COUNT)
    index = {g: i for i, g in enumerate(vocab)}
    indptr: list[int] = [0]
    cols: list[int] = []
    for r in rows:
        cols.extend(index[g] for g in r if g in index)
        indptr.append(len(cols))
    x = sparse.csr_matrix(
        (np.ones(len(cols)), np.array(cols, dtype=np.int64), np.array(indptr)), shape=(len(rows), len(vocab))
    )
    y = np.array([label for _, label in examples], dtype=float)
    pos = max(1.0, float(y.sum()))
    neg = max(1.0, float(len(y) - y.sum()))
    cw = np.where(y > 0, len(y) / (2 * pos), len(y) / (2 * neg))
    sign = 2 * y - 1

    def loss(theta: Any) -> tuple[float, Any]:
        w, b = theta[:-1], theta[-1]
        margin = sign * (x @ w + b)
        value = float(np.sum(cw * np.logaddexp(0.0, -margin)) + 0.5 * L2 * w @ w)
        d = -cw * sign / (1.0 + np.exp(np.clip(margin, -60, 60)))
        grad = np.concatenate([x.T @ d + L2 * w, [d.sum()]])
        return value, grad

    res = optimize.minimize(loss, np.zeros(len(vocab) + 1), jac=True, method="L-BFGS-B",
                            options={"maxiter": MAX_ITER})  # fmt: skip
    weights = {g: round(float(w), DIGITS) for g, w in zip(vocab, res.x[:-1], strict=True)}
    return {"bias": round(float(res.x[-1]), DIGITS), "weights": {g: w for g, w in weights.items() if w}}


class Gate:
    """P(needs a person) of a message, from the trained state."""

    def __init__(self, state: Mapping[str, Any]) -> None:
        self.bias = float(state["bias"])
        self.weights: Mapping[str, float] = state["weights"]

    def score(self, message: str) -> float:
        z = self.bias + sum(self.weights.get(g, 0.0) for g in grams(message))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
