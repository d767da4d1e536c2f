"""Timestamps with microseconds (as live chat stores them) are credited, not refused."""

from __future__ import annotations

from credit_frames import msgs, orders

from kefu.credit.pipeline import run_credit


def test_microsecond_timestamps_are_truncated_to_milliseconds() -> None:
    m = msgs(("b1", "a1", "2026-11-03 10:00:00.123456", "in"), ("b1", "a1", "2026-11-03 10:00:30.999999", "out"))
    o = orders(("o1", "b1", "2026-11-03 10:05:00.000001", "2026-11-03 10:06:00.500500", 1000))
    credit = run_credit(m, o).order_credit
    assert credit.to_dict("records") == [
        {"order_id": "o1", "order_agent": "a1", "payment_agent": "a1", "credited_agent": "a1", "silent": 0}
    ]
