"""Money as integer fen: how an amount is shown, never through a float."""

from __future__ import annotations


def yuan(fen: int) -> str:
    """Integer fen shown as yuan with two decimals and thousands separators."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"
