"""What the line DP need not tell apart: kinds alike as yesterday's kind, and choices alike but for their day cost.

Both are exact reductions of the DP in ``lines`` (``compile_rules``): the
state keeps only what decides the rest of a line, and of choices that reach
the same state at the same cost but the day's own, only the cheapest is
tried.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from kefu.plan.roster.engine.dp import BoolArray, FloatArray, IntArray
    from kefu.plan.roster.engine.lines import Counter, LineRules


def kind_classes(forbid: BoolArray, trans: FloatArray) -> tuple[IntArray, list[int]]:
    """Kinds that are interchangeable as *yesterday's* kind: the same successors forbidden and the same transition costs.

    The DP's state only needs yesterday's kind for what may and what costs to
    follow it, so such kinds share a state: Curtois 12's ten shifts are four
    classes (a, d, p, n: each forbids the classes before it), which cuts its
    states by 2.2× at no loss of exactness. Returns each kind's class and one
    representative kind per class.
    """
    seen: dict[tuple[bytes, bytes], int] = {}
    klass = np.empty(forbid.shape[0], dtype=np.int64)
    reps: list[int] = []
    for k in range(forbid.shape[0]):
        key = (np.ascontiguousarray(forbid[k]).tobytes(), np.ascontiguousarray(trans[:, :, k, :]).tobytes())
        if key not in seen:
            seen[key] = len(reps)
            reps.append(k)
        klass[k] = seen[key]
    return klass, reps


def choice_groups(rules: LineRules, klass: IntArray, trans: FloatArray, counters: Sequence[Counter]) -> IntArray:
    """Work choices the DP need not tell apart beyond their day cost: per day it only tries each group's cheapest.

    Two choices are alike when their kinds share a class, may follow the
    same classes, cost the same transitions and add the same to every
    counter (tracked or checked): from any state they lead to the same next
    state, so of an allowed pair only the cheaper can be on a best line.
    The shop's month has one choice per shift and skill, alike in pairs;
    Curtois 12's ten shifts are four groups.
    """
    seen: dict[tuple[object, ...], int] = {}
    group = np.empty(len(rules.kind), dtype=np.int64)
    for c, k in enumerate(rules.kind.tolist()):
        key = (int(klass[k]), rules.forbid[:, k].tobytes(), np.ascontiguousarray(trans[..., k]).tobytes(),
               tuple(int(counter.inc[c]) for counter in counters))
        group[c] = seen.setdefault(key, len(seen))
    return group
