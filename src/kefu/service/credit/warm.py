"""Compile the credit engine's numba kernels into numba's on-disk cache, once, at install time.

Why here: it reads the contract files (kefu.io) and runs the engine, which an engine module may not.
Why at all: the kernels (:mod:`kefu.io.fastcsv`, :mod:`kefu.credit.columnar`,
:mod:`kefu.credit.attribution`) are compiled on first use and cached beside their
source (``cache=True``). Left to the first ``kefu credit run``, that compile costs about
2 CPU-seconds — a fifth of a 20 M-message month on two cores. ``make install`` runs this
module instead: one pass of the full pipeline over a small generated month, through the
same reader, dtypes and code paths as a real file, so every kernel signature is cached.

    python -m kefu.service.credit.warm
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from kefu.credit import synth
from kefu.credit.pipeline import run_arrow
from kefu.io.credit_csv import read_messages, read_orders


def warm(orders: int = 2_000, messages: int = 40_000) -> float:
    """Run the pipeline once on generated data; the seconds it took (compiling included)."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        m_csv, o_csv = synth.write_csv(*synth.generate(orders, messages, seed=1), Path(tmp))
        run_arrow(read_messages(m_csv), read_orders(o_csv))
    return time.perf_counter() - start


if __name__ == "__main__":
    print(f"credit kernels ready ({warm():.1f} s)")
