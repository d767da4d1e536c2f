"""``kefu demo`` and ``kefu sim export`` from the command line: exit 2 and nothing written on bad input.

Most cases run in-process with Typer's CliRunner (the KefuError escapes the
command; ``kefu.cli.main`` turns it into exit 2). Two run the real program in a
subprocess to check that exit code end to end; starting ``kefu`` imports the
whole app, which is slow on a shared machine, so they are few.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kefu.cli import app
from kefu.config import get_settings
from kefu.domain.errors import ErrorCode, KefuError

RUN = [sys.executable, "-c", "from kefu.cli import main; main()"]


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    db = tmp_path / "kefu.db"
    monkeypatch.setenv("KEFU_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def _invoke(args: list[str]) -> KefuError | None:
    result = CliRunner().invoke(app, args)
    return result.exception if isinstance(result.exception, KefuError) else None


@pytest.mark.parametrize(
    "args",
    [
        ["demo", "--days", "0"],
        ["demo", "--days", "-3"],
        ["demo", "--agents", "-2"],
        ["demo", "--agents", "100", "--days", "366"],
        ["demo", "--start", "2026-02-30"],
        ["demo", "--start", "yesterday"],
        ["demo", "--seed", "-1"],
    ],
)
def test_demo_bad_input_no_database(db_env: Path, args: list[str]) -> None:
    exc = _invoke(args)
    assert exc is not None and exc.code is ErrorCode.BAD_ARGUMENT
    assert exc.message.startswith("参数") and exc.message_en.startswith("argument")
    assert not db_env.exists()


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
def test_export_bad_input_nothing_written(tmp_path: Path, args: list[str]) -> None:
    exc = _invoke(["sim", "export", "--out", str(tmp_path / "out"), *args])
    assert exc is not None and exc.code is ErrorCode.BAD_ARGUMENT
    assert not (tmp_path / "out").exists()


def test_demo_prints_login_then_if_empty_skips_then_conflicts(db_env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--days", "2", "--agents", "3", "--start", "2026-11-10"])
    assert first.exit_code == 0, first.output
    password = first.output.split("supervisor: demo  密码 password: ")[1].split()[0]
    credentials = db_env.parent / "var" / "first-run-credentials.txt"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert str(credentials) in " ".join(first.output.split())  # the console says where the file is
    saved = credentials.read_text(encoding="utf-8").splitlines()
    assert saved[-2:] == [f"demo\t{password}\tsupervisor 主管", f"kf01..kf03\t{password}\tagents 客服"]
    assert saved[2].startswith("admin\t") and len(saved) == 5
    again = runner.invoke(app, ["demo", "--if-empty"])
    assert again.exit_code == 0 and password not in again.output
    assert credentials.read_text(encoding="utf-8").splitlines() == saved  # a skipped load leaves the file alone
    conflict = _invoke(["demo", "--days", "2", "--agents", "3", "--start", "2026-11-10"])
    assert conflict is not None and conflict.code is ErrorCode.CONFLICT


def test_export_writes_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["sim", "export", "--orders", "50", "--messages", "400", "--out", str(out), "--format", "csv"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = (out / "messages.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 401 and lines[0] == "shop,buyer,agent,ts,direction,auto"
    assert len((out / "orders.csv").read_text(encoding="utf-8").splitlines()) == 51
    assert not (out / "messages.parquet").exists()


@pytest.mark.parametrize(
    ("args", "created"),
    [
        (["demo", "--days", "0"], "kefu.db"),
        (["sim", "export", "--orders", "-1", "--messages", "1", "--out", "out"], "out"),
    ],
)
def test_real_program_exits_2(tmp_path: Path, args: list[str], created: str) -> None:
    env = {**os.environ, "KEFU_DATABASE_URL": f"sqlite:///{tmp_path / 'kefu.db'}", "COLUMNS": "200"}
    proc = subprocess.run(RUN + args, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "BAD_ARGUMENT" in proc.stderr and "参数" in proc.stderr and "argument" in proc.stderr
    assert not (tmp_path / created).exists()
