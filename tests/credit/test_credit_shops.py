"""``kefu credit run --per-shop``: one shop's bad rows fail that shop only, with a report (embedded engine)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from test_credit_cli import M_HEAD, MESSAGES, O_HEAD, ORDERS, _write
from typer.testing import CliRunner

from kefu.cli import app
from kefu.domain.errors import ErrorCode, KefuError

FILES = ("order_credit.csv", "agent_day.csv", "shop_day.csv", "provisional.csv", "evidence.csv")
# shop "=s2" (a formula-looking id): one good order, one paid before created (file row 8)
BAD_SHOP_M = "=s2,b9,C,2026-11-03T10:00:00+08:00,in,0\n=s2,b9,C,2026-11-03T10:00:05+08:00,out,0\n"
BAD_SHOP_O = (
    "o8,=s2,b9,2026-11-03T10:01:00+08:00,,100,x,0\n"
    "o9,=s2,b9,2026-11-03T10:00:00+08:00,2026-11-03T09:00:00+08:00,100,x,0\n"
)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["credit", "run", *args])
    if isinstance(result.exception, KefuError):
        raise result.exception
    return result.exit_code, result.output


def test_bad_shop_fails_alone_and_the_good_shop_matches_a_run_of_its_own(tmp_path: Path) -> None:
    m, o = _write(tmp_path, MESSAGES + BAD_SHOP_M, ORDERS + BAD_SHOP_O)
    code, out = _run("--messages", str(m), "--orders", str(o), "--out", str(tmp_path / "all"), "--per-shop")
    assert code == 1, out
    assert "shops=2 failed=1" in out
    alone = tmp_path / "alone"
    alone.mkdir()
    m1, o1 = _write(alone)
    assert _run("--messages", str(m1), "--orders", str(o1), "--out", str(alone / "out"))[0] == 0
    for name in FILES:
        assert (tmp_path / "all" / "shop=s1" / name).read_bytes() == (alone / "out" / name).read_bytes()
    assert not (tmp_path / "all" / "shop=%3Ds2").exists()
    rows = list(csv.reader((tmp_path / "all" / "shops.csv").open(encoding="utf-8")))
    assert rows[0] == [
        "shop",
        "status",
        "messages",
        "orders",
        "credited",
        "error_code",
        "bad_rows",
        "reason_zh",
        "reason_en",
    ]
    assert rows[1] == [
        "'=s2", "failed", "2", "2", "0", "IMPORT_BAD_ROW", "1",
        "文件 O.csv 有 1 处错误, 未导入任何数据; 第8行 [paid_at] 付款时间早于创建时间",
        "file O.csv has 1 bad rows; nothing was imported; row 8 [paid_at] paid before created",
    ]  # fmt: skip
    assert rows[2] == ["s1", "ok", "6", "5", "2", "", "0", "", ""]


def test_every_shop_good_exits_zero_and_parquet_beside_csv(tmp_path: Path) -> None:
    m, o = _write(tmp_path, M_HEAD + MESSAGES[len(M_HEAD) :], O_HEAD + ORDERS[len(O_HEAD) :])
    code, out = _run("--messages", str(m), "--orders", str(o), "--out", str(tmp_path / "x"), "--per-shop",
                     "--parquet-out")  # fmt: skip
    assert code == 0, out
    assert sorted(p.name for p in (tmp_path / "x" / "shop=s1").iterdir()) == sorted(
        [*FILES, *(f.replace(".csv", ".parquet") for f in FILES)]
    )


def test_spark_engine_without_java_is_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on the path
    monkeypatch.delenv("JAVA_HOME", raising=False)
    m, o = _write(tmp_path)
    with pytest.raises(KefuError) as err:
        _run("--messages", str(m), "--orders", str(o), "--out", str(tmp_path / "x"), "--engine", "spark")
    assert err.value.code == ErrorCode.BAD_ARGUMENT
    assert "Java" in err.value.message_en and "openjdk-17-jre-headless" in err.value.message
    assert not (tmp_path / "x").exists()


def test_unknown_engine(tmp_path: Path) -> None:
    m, o = _write(tmp_path)
    with pytest.raises(KefuError) as err:
        _run("--messages", str(m), "--orders", str(o), "--out", str(tmp_path / "x"), "--engine", "flink")
    assert err.value.details["argument"] == "--engine"
