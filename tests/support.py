"""Helpers for tests, importable as ``support`` from any test module (pytest pythonpath)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ../shared; the test is skipped when the fixtures are absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared fixture not present: {path}")
    return path
