"""Hand-worked attribution cases for every rule and boundary, on both engines and the pandas baseline."""

from __future__ import annotations

import pandas as pd
import pytest
from credit_frames import credit_rows, msgs, orders

from kefu.credit.pipeline import run_arrow, run_credit
from kefu.credit.reference_pandas import run_reference
from kefu.credit.rules import CreditRules

ENGINES = ["columnar", "sql", "pandas"]


def credit(
    m: pd.DataFrame, o: pd.DataFrame, engine: str, **rules: object
) -> dict[str, tuple[str, str, str, int]]:
    r = CreditRules(**rules)  # type: ignore[arg-type]
    if engine == "pandas":
        frame, _ = run_reference(m, o, r)
        return credit_rows(frame)
    if engine == "columnar":
        return credit_rows(run_credit(m, o, r).order_credit)
    import pyarrow as pa

    ma = pa.Table.from_pandas(m, preserve_index=False)
    oa = pa.Table.from_pandas(o, preserve_index=False)
    return credit_rows(run_arrow(ma, oa, r, engine="sql").order_credit)


# A serves buyer b1 on Nov 3, 10:00–10:08 (human replies).
SESSION_A = [
    ("b1", "A", "2026-11-03 10:00:00", "in"),
    ("b1", "A", "2026-11-03 10:01:00", "out"),
    ("b1", "A", "2026-11-03 10:05:00", "in"),
    ("b1", "A", "2026-11-03 10:08:00", "out"),
]


@pytest.mark.parametrize("engine", ENGINES)
def test_order_inside_a_session_and_payment_after_it(engine: str) -> None:
    o = orders(("o1", "b1", "2026-11-03 10:03:00", "2026-11-03 10:20:00", 5000))
    assert credit(msgs(*SESSION_A), o, engine) == {"o1": ("A", "A", "A", 0)}


@pytest.mark.parametrize("engine", ENGINES)
def test_session_boundaries_are_inclusive(engine: str) -> None:
    o = orders(
        ("at_start", "b1", "2026-11-03 10:00:00", None, 100),
        ("at_end", "b1", "2026-11-03 10:08:00", None, 100),
        ("before", "b1", "2026-11-03 09:59:59", None, 100),
    )
    assert credit(msgs(*SESSION_A), o, engine) == {
        "at_start": ("A", "", "", 0),
        "at_end": ("A", "", "", 0),
        "before": ("", "", "", 1),
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_window_is_48_hours_exactly(engine: str) -> None:
    o = orders(
        ("exact", "b1", "2026-11-05 10:08:00", "2026-11-05 10:08:00", 100),
        ("one_s_late", "b1", "2026-11-05 10:08:01", "2026-11-05 10:09:00", 100),
    )
    assert credit(msgs(*SESSION_A), o, engine) == {
        "exact": ("A", "A", "A", 0),
        "one_s_late": ("", "", "", 1),
    }


@pytest.mark.parametrize("engine", ENGINES)
def test_window_setting_changes_the_boundary(engine: str) -> None:
    o = orders(("o", "b1", "2026-11-03 12:08:00", "2026-11-03 12:08:01", 100))
    assert credit(msgs(*SESSION_A), o, engine, credit_window_s=7200) == {"o": ("A", "", "A", 0)}


@pytest.mark.parametrize("engine", ENGINES)
def test_auto_reply_only_session_serves_nobody(engine: str) -> None:
    m = msgs(("b2", "A", "2026-11-03 10:00:00", "in"), ("b2", "A", "2026-11-03 10:00:02", "out", 1))
    o = orders(("o", "b2", "2026-11-03 10:30:00", "2026-11-03 10:31:00", 100))
    assert credit(m, o, engine) == {"o": ("", "", "", 1)}


@pytest.mark.parametrize("engine", ENGINES)
def test_fully_silent_order(engine: str) -> None:
    o = orders(("o", "nobody_talked", "2026-11-03 10:30:00", "2026-11-03 10:31:00", 100))
    assert credit(msgs(*SESSION_A), o, engine) == {"o": ("", "", "", 1)}


# Buyer b3 orders silently at 09:00, chats with B at 09:30–09:40, pays at 09:50.
ORDER_THEN_CHAT = (
    msgs(("b3", "B", "2026-11-03 09:30:00", "in"), ("b3", "B", "2026-11-03 09:40:00", "out")),
    orders(("o", "b3", "2026-11-03 09:00:00", "2026-11-03 09:50:00", 100)),
)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("rule", "credited"), [("order_first", "B"), ("by_order", ""), ("by_payment", "B")])
def test_order_then_chat_then_pay(engine: str, rule: str, credited: str) -> None:
    m, o = ORDER_THEN_CHAT
    assert credit(m, o, engine, rule=rule) == {"o": ("", "B", credited, 0)}


# A talks before the order, B between order and payment.
TWO_AGENTS = (
    msgs(
        ("b4", "A", "2026-11-03 09:00:00", "in"),
        ("b4", "A", "2026-11-03 09:02:00", "out"),
        ("b4", "B", "2026-11-03 11:00:00", "in"),
        ("b4", "B", "2026-11-03 11:01:00", "out"),
    ),
    orders(("o", "b4", "2026-11-03 10:00:00", "2026-11-03 12:00:00", 100)),
)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("rule", "credited"), [("order_first", "A"), ("by_order", "A"), ("by_payment", "B")])
def test_three_rule_variants(engine: str, rule: str, credited: str) -> None:
    m, o = TWO_AGENTS
    assert credit(m, o, engine, rule=rule) == {"o": ("A", "B", credited, 0)}


@pytest.mark.parametrize("engine", ENGINES)
def test_spanning_session_beats_a_more_recent_start(engine: str) -> None:
    # A's session spans 10:00–10:30; B's ended 10:12; at 10:15 A spans → A. At 10:12:30 A spans too.
    m = msgs(
        ("b5", "A", "2026-11-03 10:00:00", "out"),
        ("b5", "A", "2026-11-03 10:09:00", "in"),
        ("b5", "A", "2026-11-03 10:18:00", "out"),
        ("b5", "A", "2026-11-03 10:27:00", "out"),
        ("b5", "A", "2026-11-03 10:30:00", "in"),
        ("b5", "B", "2026-11-03 10:10:00", "in"),
        ("b5", "B", "2026-11-03 10:12:00", "out"),
    )
    o = orders(("o", "b5", "2026-11-03 10:15:00", None, 100))
    assert credit(m, o, engine) == {"o": ("A", "", "", 0)}


@pytest.mark.parametrize("engine", ENGINES)
def test_several_spanning_sessions_the_one_that_ends_last(engine: str) -> None:
    m = msgs(
        ("b6", "A", "2026-11-03 10:00:00", "out"),
        ("b6", "A", "2026-11-03 10:20:00", "out"),
        ("b6", "A", "2026-11-03 10:29:00", "in"),
        ("b6", "B", "2026-11-03 10:05:00", "out"),
        ("b6", "B", "2026-11-03 10:14:00", "out"),
        ("b6", "B", "2026-11-03 10:23:00", "out"),
        ("b6", "B", "2026-11-03 10:32:00", "out"),
    )
    # A: 10:00 alone (gap 20 min) then 10:20–10:29; B: 10:05–10:32. At 10:25 both span → B ends last.
    o = orders(("o", "b6", "2026-11-03 10:25:00", None, 100))
    assert credit(m, o, engine) == {"o": ("B", "", "", 0)}


@pytest.mark.parametrize("engine", ENGINES)
def test_equal_ends_go_to_the_lowest_agent_id(engine: str) -> None:
    m = msgs(
        ("b7", "Z", "2026-11-03 10:00:00", "out"),
        ("b7", "M", "2026-11-03 09:59:00", "out"),
        ("b7", "M", "2026-11-03 10:00:00", "out"),
    )
    o = orders(("o", "b7", "2026-11-03 11:00:00", None, 100))
    assert credit(m, o, engine) == {"o": ("M", "", "", 0)}


@pytest.mark.parametrize("engine", ENGINES)
def test_a_silence_of_exactly_the_gap_splits_the_session(engine: str) -> None:
    # A replies at 10:00, the buyer writes again at 10:10:00 (no reply). Split: serving session ends
    # 10:00 → an order 48 h after 10:10 is 48 h 10 min after the serving end: nobody.
    m = msgs(("b8", "A", "2026-11-03 10:00:00", "out"), ("b8", "A", "2026-11-03 10:10:00", "in"))
    o = orders(("o", "b8", "2026-11-05 10:10:00", None, 100))
    assert credit(m, o, engine) == {"o": ("", "", "", 1)}
    # with an 11-minute gap it is one serving session ending 10:10 → exactly 48 h → A
    assert credit(m, o, engine, session_gap_s=660) == {"o": ("A", "", "", 0)}


@pytest.mark.parametrize("engine", ENGINES)
def test_unpaid_orders_are_credited_to_nobody(engine: str) -> None:
    o = orders(("o", "b1", "2026-11-03 10:03:00", None, 5000))
    assert credit(msgs(*SESSION_A), o, engine) == {"o": ("A", "", "", 0)}


@pytest.mark.parametrize("engine", ENGINES)
def test_other_shop_same_buyer_name_does_not_count(engine: str) -> None:
    o = orders(("o", "b1", "2026-11-03 10:03:00", None, 5000)).assign(shop="s2")
    assert credit(msgs(*SESSION_A), o, engine) == {"o": ("", "", "", 1)}


@pytest.mark.parametrize("engine", ENGINES)
def test_excluded_accounts_earn_nothing(engine: str) -> None:
    o = orders(("o1", "b1", "2026-11-03 10:03:00", "2026-11-03 10:20:00", 5000))
    assert credit(msgs(*SESSION_A), o, engine, excluded_agents=frozenset({"A"})) == {"o1": ("", "", "", 1)}


def test_empty_inputs() -> None:
    r = run_credit(msgs(), orders(("o", "b", "2026-11-03 10:00:00", "2026-11-03 10:01:00", 100)))
    assert credit_rows(r.order_credit) == {"o": ("", "", "", 1)}
    assert r.agent_day.empty
    r = run_credit(msgs(("b", "A", "2026-11-03 10:00:00", "out")), orders())
    assert r.order_credit.empty
    assert r.agent_day[["agent", "day", "msgs_out", "receptions"]].values.tolist() == [["A", "2026-11-03", 1, 0]]
