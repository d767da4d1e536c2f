"""The SQL engine, its all-SQL variant and the pandas baseline agree on simulator data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pytest

from kefu.credit import columnar, synth
from kefu.credit.pipeline import run_arrow
from kefu.credit.reference_pandas import run_reference
from kefu.credit.rules import CreditRules
from kefu.io.credit_csv import read_messages, read_orders

CORE = ["agent", "day", "receptions", "placed_orders", "paid_orders", "credited_orders", "sales_fen"]


def _frames(tables: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:  # type: ignore[type-arg]
    m, o = (t.to_pandas() for t in tables)
    for frame in (m, o):
        for col in frame.columns:
            if isinstance(frame[col].dtype, pd.CategoricalDtype):
                frame[col] = frame[col].astype(str)
    return m, o


@pytest.fixture(scope="module")
def sim_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    export = pytest.importorskip("kefu.sim.export")
    out = tmp_path_factory.mktemp("sim")
    return export.export_benchmark(4000, 80000, out, seed=7, fmt="csv")  # type: ignore[no-any-return]


@pytest.mark.parametrize("rule", ["order_first", "by_order", "by_payment"])
def test_engine_equals_pandas_baseline_on_simulator_data(sim_files: tuple[Path, Path], rule: str) -> None:
    m_tab, o_tab = read_messages(sim_files[0]), read_orders(sim_files[1])
    rules = CreditRules(rule=rule)  # type: ignore[arg-type]
    ours = run_arrow(m_tab, o_tab, rules)
    m, o = _frames((m_tab, o_tab))
    credit, core = run_reference(m, o, rules)
    pd.testing.assert_frame_equal(ours.order_credit, credit)
    assert 0 < (credit["credited_agent"] != "").sum() < len(credit)  # the sample has both kinds
    assert credit["silent"].sum() > 0
    mine = ours.agent_day[CORE]
    mine = mine[(mine.iloc[:, 2:] != 0).any(axis=1)].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, core[CORE])


def test_columnar_equals_all_sql_on_simulator_data(sim_files: tuple[Path, Path]) -> None:
    m_tab, o_tab = read_messages(sim_files[0]), read_orders(sim_files[1])
    a = run_arrow(m_tab, o_tab, engine="columnar")
    b = run_arrow(m_tab, o_tab, engine="sql")
    pd.testing.assert_frame_equal(a.order_credit, b.order_credit)
    pd.testing.assert_frame_equal(a.agent_day, b.agent_day)


def test_engine_equals_pandas_on_synthetic_data_with_two_shops() -> None:
    m_tab, o_tab = synth.generate(1500, 30000, seed=5, shops=2)
    ours = run_arrow(m_tab, o_tab)
    credit, _ = run_reference(*_frames((m_tab, o_tab)))
    pd.testing.assert_frame_equal(ours.order_credit, credit)


def test_blocks_and_row_order_do_not_change_the_answer(
    sim_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions split over many small blocks, and messages in time order (the introsort path)."""
    m_tab, o_tab = read_messages(sim_files[0]), read_orders(sim_files[1])
    whole = run_arrow(m_tab, o_tab)
    monkeypatch.setattr(columnar, "BLOCK", 997)
    by_time = m_tab.take(pc.sort_indices(m_tab, [("ts", "ascending")]))
    for messages in (m_tab, by_time):
        part = run_arrow(messages, o_tab)
        pd.testing.assert_frame_equal(part.order_credit, whole.order_credit)
        pd.testing.assert_frame_equal(part.agent_day, whole.agent_day)
        pd.testing.assert_frame_equal(part.shop_day, whole.shop_day)
