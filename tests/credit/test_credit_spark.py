"""Spark beside the embedded engine: the same files from the same query definition.

Differential: simulator months (several seeds, each rule) credited by the numba columnar
default, by the SQL statements in DuckDB and by the same statements on Spark (local mode)
give equal frames; ``kefu credit run --engine spark`` writes byte-identical files.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from test_credit_cli import _write
from typer.testing import CliRunner

from kefu.cli import app
from kefu.credit.pipeline import run_arrow
from kefu.credit.rules import CreditRules
from kefu.credit.spark import to_spark
from kefu.credit.sql import statements
from kefu.io.credit_csv import read_messages, read_orders

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]
FILES = ("order_credit.csv", "agent_day.csv", "shop_day.csv", "provisional.csv", "evidence.csv")
FRAMES = ("order_credit", "agent_day", "shop_day", "provisional", "evidence", "assists")


def _months(tmp: Path, seeds: tuple[int, ...]) -> tuple[pa.Table, pa.Table]:
    """Simulator weeks of several seeds as the shops of one floor (shop ids prefixed by the seed).

    One Spark run checks every seed: Spark's cost is per job, not per row, at this size.
    """
    export = pytest.importorskip("kefu.sim.export")
    parts: list[tuple[pa.Table, pa.Table]] = []
    for seed in seeds:
        m_csv, o_csv = export.export_benchmark(300, 6000, tmp / f"sim{seed}", seed=seed, fmt="csv", days=7)
        tables = []
        for t in (read_messages(m_csv), read_orders(o_csv)):
            t = t.cast(
                pa.schema(
                    [pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f for f in t.schema]
                )
            )
            shop = pc.binary_join_element_wise(f"s{seed}-", t.column("shop"), "")
            tables.append(t.set_column(t.column_names.index("shop"), "shop", shop))
        parts.append((tables[0], tables[1]))
    return pa.concat_tables([m for m, _ in parts]), pa.concat_tables([o for _, o in parts])


@pytest.mark.parametrize("rule", ["order_first", "by_payment"])
def test_three_engines_agree_on_simulator_weeks(spark: Any, tmp_path: Path, rule: str) -> None:
    m, o = _months(tmp_path, (3, 11, 29))
    rules = CreditRules(rule=rule)  # type: ignore[arg-type]
    default = run_arrow(m, o, rules)
    assert default.shop_day["shop"].str[:3].nunique() == 3  # every seed's shops are there
    assert (default.order_credit["credited_agent"] != "").sum() > 0
    assert default.order_credit["silent"].sum() > 0
    for other in (run_arrow(m, o, rules, engine="sql"), run_arrow(m, o, rules, engine="spark", spark=spark)):
        for name in FRAMES:
            pd.testing.assert_frame_equal(getattr(default, name), getattr(other, name))


def test_cli_spark_writes_the_default_engines_files_byte_for_byte(spark: Any, tmp_path: Path) -> None:
    m, o = _write(tmp_path)
    runner = CliRunner()
    base = ["credit", "run", "--messages", str(m), "--orders", str(o)]
    first = runner.invoke(app, [*base, "--out", str(tmp_path / "a")])
    second = runner.invoke(
        app,
        [*base, "--out", str(tmp_path / "b"), "--engine", "spark", "--master", "local[2]", "--parquet-out"],
    )
    assert first.exit_code == 0 and second.exit_code == 0, (first.output, second.output, second.exception)
    assert first.output.replace("/a", "/b") == second.output
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    back = pd.read_parquet(tmp_path / "b" / "order_credit.parquet")
    pd.testing.assert_frame_equal(
        back, pd.read_csv(tmp_path / "a" / "order_credit.csv", keep_default_na=False)
    )
    assert spark.catalog.listTables() == []  # every step's view dropped after the run


def test_per_shop_on_spark_matches_the_embedded_per_shop_run(spark: Any, tmp_path: Path) -> None:
    m, o = _write(tmp_path)
    m.write_text(m.read_text() + "s2,b9,C,2026-11-03T10:00:00+08:00,in,0\n", encoding="utf-8")
    o.write_text(o.read_text() + "o9,s2,b9,2026-11-03T10:00:00+08:00,2026-11-03T09:00:00+08:00,100,x,0\n")
    runner = CliRunner()
    base = ["credit", "run", "--messages", str(m), "--orders", str(o), "--per-shop"]
    a = runner.invoke(app, [*base, "--out", str(tmp_path / "a")])
    b = runner.invoke(app, [*base, "--out", str(tmp_path / "b"), "--engine", "spark"])
    assert a.exit_code == b.exit_code == 1  # shop s2 failed
    for name in (*FILES, "../shops.csv"):
        assert (tmp_path / "a" / "shop=s1" / name).read_bytes() == (
            tmp_path / "b" / "shop=s1" / name
        ).read_bytes()
    assert not (tmp_path / "b" / "shop=s2").exists()


def test_statements_transpile_with_explicit_null_order() -> None:
    """DuckDB sorts NULLs last, Spark first: sqlglot writes DuckDB's order out for Spark."""
    pytest.importorskip("sqlglot")
    m1 = dict(statements(CreditRules(), 0))["m1"]
    assert re.search(r"ORDER BY t NULLS LAST, io NULLS LAST", to_spark(m1))
