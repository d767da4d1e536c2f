"""Per-row work in blocks on a small thread pool.

Why: numpy's and Arrow's inner loops release the GIL, so two threads use both cores
of the 2-core target machine for the per-row passes (coding, sort keys, sessions),
and a block's temporaries (~8 MB) stay in cache and are recycled by the allocator
instead of being page-faulted in afresh (a full-length temporary is 160 MB at 20 M rows).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import TypeVar

import numpy as np

BLOCK = 1 << 20
THREADS = min(2, os.cpu_count() or 1)
T = TypeVar("T")


def run(tasks: Sequence[Callable[[], T]]) -> list[T]:
    """Results of ``tasks`` in order; one task runs inline."""
    if len(tasks) <= 1 or THREADS == 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda task: task(), tasks))


def in_blocks(fn: Callable[[int, int], T], n: int) -> list[T]:
    """``fn(lo, hi)`` over consecutive blocks of ``n`` rows, results in order."""
    return run([partial(fn, lo, min(lo + BLOCK, n)) for lo in range(0, n, BLOCK)])


@contextmanager
def small_pages() -> Iterator[None]:
    """numpy without ``madvise(MADV_HUGEPAGE)`` on its large arrays, for the duration.

    Why: the engine's arrays live for one stage. Where transparent huge pages are
    ``madvise`` with ``defrag=madvise`` (this machine), every first touch of a huge page
    compacts memory synchronously: at 20 M messages ~2 of ~6 system CPU-seconds went
    there (sessions 2.5 → 0.9 s, coding 1.5 → 0.6 s of system time). The switch is numpy's
    own (the ``NUMPY_MADVISE_HUGEPAGE`` setting); left alone where numpy lacks it.
    """
    switch = getattr(getattr(np, "_core", None), "multiarray", None)
    setter = getattr(switch, "_set_madvise_hugepage", None)
    if setter is None:
        yield
        return
    before = setter(False)
    try:
        yield
    finally:
        setter(before)
