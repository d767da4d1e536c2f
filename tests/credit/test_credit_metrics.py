"""Hand-worked daily metrics: receptions, 询单 and 售后, rounds and response times, sales, assists."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pytest
from credit_frames import msgs, orders

from kefu.credit.pipeline import CreditResult, run_arrow, run_credit
from kefu.credit.rules import CreditRules


def run(m, o, engine: str = "columnar", **rules: object) -> CreditResult:  # type: ignore[no-untyped-def]
    r = CreditRules(**rules)  # type: ignore[arg-type]
    if engine == "columnar":
        return run_credit(m, o, r)
    return run_arrow(
        pa.Table.from_pandas(m, preserve_index=False),
        pa.Table.from_pandas(o, preserve_index=False),
        r,
        engine="sql",
    )


def row(result: CreditResult, agent: str, day: str) -> dict[str, object]:
    frame = result.agent_day
    hit = frame[(frame["agent"] == agent) & (frame["day"] == day)]
    assert len(hit) == 1, f"no row for {agent} {day}"
    return hit.iloc[0].to_dict()


# One session of A with b1 on Nov 3:
#  10:00:00 in   ← round 1 starts
#  10:00:01 out auto (ignored)
#  10:01:00 out  → answers round 1 after 60 s
#  10:02:00 in   ← round 2 starts
#  10:02:30 in
#  10:06:00 out  → answers round 2 after 240 s (slow, not within 3 min)
#  10:07:00 in   ← round 3, never answered
ROUNDS = msgs(
    ("b1", "A", "2026-11-03 10:00:00", "in"),
    ("b1", "A", "2026-11-03 10:00:01", "out", 1),
    ("b1", "A", "2026-11-03 10:01:00", "out"),
    ("b1", "A", "2026-11-03 10:02:00", "in"),
    ("b1", "A", "2026-11-03 10:02:30", "in"),
    ("b1", "A", "2026-11-03 10:06:00", "out"),
    ("b1", "A", "2026-11-03 10:07:00", "in"),
    # a second buyer at 07:30 local: outside the 08:00–24:00 window of the 3-minute rate
    ("b2", "A", "2026-11-03 07:30:00", "in"),
    ("b2", "A", "2026-11-03 07:31:00", "out"),
    # a monologue (buyer wrote nothing): not a reception
    ("b3", "A", "2026-11-03 12:00:00", "out"),
)
NO_ORDERS = orders()


@pytest.mark.parametrize("engine", ["columnar", "sql"])
def test_rounds_and_response_times(engine: str) -> None:
    r = row(run(ROUNDS, NO_ORDERS, engine), "A", "2026-11-03")
    assert (r["rounds"], r["answered"], r["resp_sum_ms"]) == (4, 3, 360_000)
    assert (r["slow_rounds"], r["slow_response"]) == (1, 0)
    assert (r["fast_base"], r["fast_rounds"], r["fast_rate"]) == (3, 1, Decimal("0.3333"))
    assert (r["first_resp_n"], r["first_resp_sum_ms"], r["first_resp_s"]) == (2, 120_000, Decimal("60.0"))
    assert r["avg_resp_s"] == Decimal("120.0")
    assert (r["msgs_in"], r["msgs_out"], r["answer_ratio"]) == (
        5,
        4,
        Decimal("0.80"),
    )  # b3 monologue reply counts as a reply
    assert (r["received"], r["receptions"], r["reply_rate"]) == (2, 2, Decimal("1.0000"))


def test_monologue_counts_when_the_filter_is_off() -> None:
    r = row(run(ROUNDS, NO_ORDERS, exclude_monologue=False), "A", "2026-11-03")
    assert (r["received"], r["receptions"]) == (2, 3)


def test_slow_response_flag_after_three_slow_replies() -> None:
    rows = []
    for i, hour in enumerate(("09", "11", "13")):
        rows += [
            (f"s{i}", "A", f"2026-11-03 {hour}:00:00", "in"),
            (f"s{i}", "A", f"2026-11-03 {hour}:02:01", "out"),
        ]
    r = row(run(msgs(*rows), NO_ORDERS), "A", "2026-11-03")
    assert (r["slow_rounds"], r["slow_response"], r["fast_rounds"]) == (3, 1, 3)


@pytest.mark.parametrize("engine", ["columnar", "sql"])
def test_max_concurrent_counts_touching_sessions(engine: str) -> None:
    m = msgs(
        ("x", "A", "2026-11-03 10:00:00", "in"),
        ("x", "A", "2026-11-03 10:05:00", "out"),
        ("y", "A", "2026-11-03 10:05:00", "in"),
        ("y", "A", "2026-11-03 10:20:00", "out"),  # 15-min gap: y's second message is its own session
        ("z", "A", "2026-11-03 10:30:00", "in"),
    )
    assert row(run(m, NO_ORDERS, engine), "A", "2026-11-03")["max_concurrent"] == 2


CHAT = [("b1", "A", "2026-11-10 10:00:00", "in"), ("b1", "A", "2026-11-10 10:01:00", "out")]


@pytest.mark.parametrize(
    ("history", "inquiry"),
    [
        ([], 1),
        ([("old", "b1", "2026-10-19 09:00:00", "2026-10-20 10:00:00", 900)], 0),  # paid 21 days before: 售后
        ([("old", "b1", "2026-10-18 09:00:00", "2026-10-19 09:59:59", 900)], 1),  # 21 days + 1 s: 询单
        ([("old", "b1", "2026-11-10 09:00:00", None, 900)], 0),  # ordered earlier that day
        (  # paid 5 days ago but ordered again since (unpaid): buying again, 询单
            [
                ("old", "b1", "2026-11-01 09:00:00", "2026-11-05 09:00:00", 900),
                ("new", "b1", "2026-11-09 09:00:00", None, 500),
            ],
            1,
        ),
    ],
)
def test_inquiries_and_the_aftersale_window(history: list[tuple], inquiry: int) -> None:  # type: ignore[type-arg]
    r = row(run(msgs(*CHAT), orders(*history)), "A", "2026-11-10")
    assert r["inquiries"] == inquiry


@pytest.mark.parametrize("engine", ["columnar", "sql"])
def test_inquiry_conversions_and_sales(engine: str) -> None:
    o = orders(
        ("o1", "b1", "2026-11-10 10:30:00", "2026-11-12 09:00:00", 10_000, 2_500),  # ordered today, paid D+2
    )
    res = run(msgs(*CHAT), o, engine)
    r = row(res, "A", "2026-11-10")
    assert (r["inquiries"], r["inq_ordered_same_day"], r["inq_ordered_final"]) == (1, 1, 1)
    assert (r["inq_paid_next_day"], r["inq_paid_final"], r["inq_conv_pay_final"]) == (0, 1, Decimal("1.0000"))
    assert (r["placed_orders"], r["placed_fen"], r["placed_paid"], r["order_to_pay"]) == (
        1,
        10_000,
        1,
        Decimal("1.0000"),
    )
    # the sale is counted on the payment day (window 48 h from the 10:01 reply: paid 46 h 59 min later)
    pay_day = row(res, "A", "2026-11-12")
    assert (pay_day["credited_orders"], pay_day["sales_fen"], pay_day["aov_fen"]) == (1, 7_500, 7_500)
    assert pay_day["paid_orders"] == 1
    no_refunds = row(run(msgs(*CHAT), o, engine, refunds_reduce_sales=False), "A", "2026-11-12")
    assert no_refunds["sales_fen"] == 10_000


@pytest.mark.parametrize("engine", ["columnar", "sql"])
def test_assists_go_to_other_agents_in_the_window(engine: str) -> None:
    m = msgs(
        ("b", "A", "2026-11-03 09:00:00", "in"),
        ("b", "A", "2026-11-03 09:01:00", "out"),
        ("b", "B", "2026-11-03 11:00:00", "in"),
        ("b", "B", "2026-11-03 11:01:00", "out"),
        ("b", "C", "2026-11-03 11:05:00", "in"),
        ("b", "C", "2026-11-03 11:06:00", "out", 1),  # auto-reply only: no assist
    )
    o = orders(("o", "b", "2026-11-03 10:00:00", "2026-11-03 12:00:00", 3_000))
    res = run(m, o, engine)
    assert res.assists.values.tolist() == [["o", "B"]]  # which order each assist was for: the order page shows it
    assert row(res, "A", "2026-11-03")["assists"] == 0
    assert row(res, "A", "2026-11-03")["sales_fen"] == 3_000
    assert row(res, "B", "2026-11-03")["assists"] == 1
    assert row(res, "B", "2026-11-03")["sales_fen"] == 0


def test_shop_day_silent_share() -> None:
    o = orders(
        ("credited", "b1", "2026-11-10 10:30:00", "2026-11-10 10:40:00", 3_000),
        ("silent", "zz", "2026-11-10 11:00:00", "2026-11-10 11:10:00", 1_000),
    )
    sd = run(msgs(*CHAT), o).shop_day.iloc[0].to_dict()
    assert sd == {
        "shop": "s1",
        "day": "2026-11-10",
        "paid_fen": 4_000,
        "credited_fen": 3_000,
        "silent_orders": 1,
        "silent_fen": 1_000,
        "silent_share": Decimal("0.2500"),
    }


def test_business_day_cut_hour_and_provisional_figures() -> None:
    m = msgs(("b1", "A", "2026-11-10 03:00:00", "in"), ("b1", "A", "2026-11-10 03:01:00", "out"))
    res = run(m, NO_ORDERS, day_cut_hour=4)
    assert res.agent_day["day"].tolist() == ["2026-11-09"]
    # data ends 2026-11-10 03:01 local: day 11-09 runs to 11-10 04:00, so everything is provisional
    prov = res.provisional
    assert set(prov["day"]) == {"2026-11-09"}
    assert res.as_of == datetime(2026, 11, 9, 19, 1, tzinfo=UTC)
    final = prov.set_index("metric")["final_after"]
    assert final["receptions"] == "2026-11-10T04:00:00+08:00"
    assert final["inq_paid_final"] == "2026-11-13T04:00:00+08:00"
