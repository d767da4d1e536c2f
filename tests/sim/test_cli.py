"""``kefu demo`` and ``kefu sim export`` from the shell: exit 2 and nothing written on bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

RUN = [sys.executable, "-c", "from kefu.cli import main; main()"]


def _kefu(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KEFU_DATABASE_URL": f"sqlite:///{tmp_path / 'kefu.db'}", "COLUMNS": "200"}
    return subprocess.run(RUN + args, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)


@pytest.mark.parametrize(
    "args",
    [
        ["demo", "--days", "0"],
        ["demo", "--days", "-3"],
        ["demo", "--agents", "-2"],
        ["demo", "--start", "2026-02-30"],
        ["demo", "--start", "yesterday"],
    ],
)
def test_demo_bad_input_exit_2_no_database(tmp_path: Path, args: list[str]) -> None:
    proc = _kefu(args, tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "BAD_ARGUMENT" in proc.stderr and "参数" in proc.stderr and "argument" in proc.stderr
    assert not (tmp_path / "kefu.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["--orders", "-1", "--messages", "10"],
        ["--orders", "10", "--messages", "-10"],
        ["--orders", "10", "--messages", "10", "--days", "0"],
        ["--orders", "10", "--messages", "10", "--start", "2026-13-01"],
        ["--orders", "10", "--messages", "10", "--format", "xlsx"],
    ],
)
def test_export_bad_input_exit_2_nothing_written(tmp_path: Path, args: list[str]) -> None:
    proc = _kefu(["sim", "export", "--out", str(tmp_path / "out"), *args], tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "BAD_ARGUMENT" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_demo_prints_login_then_if_empty_skips(tmp_path: Path) -> None:
    first = _kefu(["demo", "--days", "2", "--agents", "3", "--start", "2026-11-10"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "demo" in first.stdout and "kefu-demo-2026" in first.stdout
    again = _kefu(["demo", "--if-empty"], tmp_path)
    assert again.returncode == 0 and "kefu-demo-2026" not in again.stdout
    conflict = _kefu(["demo", "--days", "2", "--agents", "3", "--start", "2026-11-10"], tmp_path)
    assert conflict.returncode == 2 and "CONFLICT" in conflict.stderr


def test_export_writes_files(tmp_path: Path) -> None:
    proc = _kefu(
        ["sim", "export", "--orders", "50", "--messages", "400", "--out", "out", "--format", "csv"], tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    lines = (tmp_path / "out" / "messages.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 401 and lines[0] == "shop,buyer,agent,ts,direction,auto"
    assert len((tmp_path / "out" / "orders.csv").read_text(encoding="utf-8").splitlines()) == 51
    assert not (tmp_path / "out" / "messages.parquet").exists()
