"""Tiny builders for hand-worked credit cases: shop time strings in, contract frames out."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from kefu.domain.timeutil import SHOP_TZ


def at(text: str) -> datetime:
    """'2026-11-03 10:00:00' in shop time (Asia/Shanghai)."""
    return datetime.fromisoformat(text).replace(tzinfo=SHOP_TZ)


def msgs(*rows: tuple[str, str, str, str] | tuple[str, str, str, str, int]) -> pd.DataFrame:
    """Rows of (buyer, agent, shop time, direction[, auto])."""
    data = [
        {
            "shop": "s1",
            "buyer": r[0],
            "agent": r[1],
            "ts": at(r[2]),
            "direction": r[3],
            "auto": r[4] if len(r) > 4 else 0,
        }
        for r in rows
    ]
    frame = pd.DataFrame(data, columns=["shop", "buyer", "agent", "ts", "direction", "auto"])
    frame["ts"] = pd.to_datetime(frame["ts"], utc=True)
    return frame


def orders(
    *rows: tuple[str, str, str, str | None, int] | tuple[str, str, str, str | None, int, int],
) -> pd.DataFrame:
    """Rows of (order_id, buyer, created, paid or None, amount_fen[, refund_fen])."""
    data = [
        {
            "order_id": r[0],
            "shop": "s1",
            "buyer": r[1],
            "created_at": at(r[2]),
            "paid_at": at(r[3]) if r[3] else None,
            "amount_fen": r[4],
            "status": "交易成功" if r[3] else "等待买家付款",
            "refund_fen": r[5] if len(r) > 5 else 0,
        }
        for r in rows
    ]
    frame = pd.DataFrame(
        data,
        columns=["order_id", "shop", "buyer", "created_at", "paid_at", "amount_fen", "status", "refund_fen"],
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["paid_at"] = pd.to_datetime(frame["paid_at"], utc=True)
    return frame


def credit_rows(result_frame: pd.DataFrame) -> dict[str, tuple[str, str, str, int]]:
    return {
        r.order_id: (r.order_agent, r.payment_agent, r.credited_agent, int(r.silent))
        for r in result_frame.itertuples()
    }
