"""Per-intent trust: how often the KB's own unseen wording that lands on an intent belongs to it.

Why (issue 21, fourth round): one calibration map serves every intent, but some intents are
*hubs* that attract questions of their neighbours and chit-chat (退货怎么弄 vs 换货流程,
有人吗 → service hours), others are never chosen wrongly. The KB measures this itself: ask every
KB paraphrase with itself left out (leave-one-out) and count, per intent the matcher chose, how
often that choice was right. The count is shrunk towards the overall rate (few paraphrases say
little) and enters the calibrated confidence as a log-odds offset, so the threshold keeps meaning
the same probability of being right for every intent. Computed when the index is built (under a
second) and kept in the index state; a shop that edits the KB gets its own offsets.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

# Pseudo-count of the shrinkage towards the overall rate: an intent needs about this many
# leave-one-out choices before its own rate counts as much as the overall one.
PRIOR_STRENGTH = 20.0
# Only confident-enough choices say something about answers (a choice at 0.2 is never answered).
PRIOR_FLOOR = 0.5


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1.0 - 1e-6)
    return math.log(p / (1.0 - p))


def intent_offsets(choices: Iterable[tuple[str, float, bool]]) -> dict[str, float]:
    """``(chosen intent, confidence, right)`` per left-out KB paraphrase → log-odds offset per
    intent (negative: trust this intent's matches less)."""
    seen: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for intent, confidence, ok in choices:
        if confidence >= PRIOR_FLOOR:
            seen[intent] += 1
            right[intent] += ok
    total = sum(seen.values())
    if not total:
        return {}
    overall = sum(right.values()) / total
    return {
        i: round(min(0.0, _logit((right[i] + PRIOR_STRENGTH * overall) / (n + PRIOR_STRENGTH)) - _logit(overall)), 4)
        for i, n in seen.items()
    }
