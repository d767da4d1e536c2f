"""One SparkSession for the whole test run (its JVM takes 10–20 s to start).

The Spark tests carry ``xdist_group("spark")``, so under ``--dist loadgroup`` they all run
in one worker and this session-scoped fixture starts one JVM. Where Java or the
``spark`` extra is missing they skip, saying which.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from kefu.credit.spark import missing, session

    _, why = missing()
    if why:
        pytest.skip(f"Spark tests skipped: {why}")
    s = session("local[2]", shuffle_partitions=2, driver_memory="1g")
    yield s
    s.stop()
