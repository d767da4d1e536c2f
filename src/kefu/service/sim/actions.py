"""Simulated data at benchmark scale: one action, called by ``kefu sim export``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from kefu.sim.export import DEFAULT_START, export_benchmark, validate_export

__all__ = ["DEFAULT_START", "export"]


def export(orders: int, messages: int, out: Path, *, seed: int, fmt: str, start: date, days: int,
           progress: Callable[[int, int], None] | None = None) -> tuple[Path, ...]:
    """Write ``messages`` and ``orders`` (CSV, Parquet or both) into ``out``; the arguments are checked
    before the folder is created, so a bad call leaves nothing behind."""
    validate_export(orders, messages, fmt, start, days)
    return tuple(export_benchmark(orders, messages, out, seed=seed, fmt=fmt, progress=progress, start=start, days=days))
