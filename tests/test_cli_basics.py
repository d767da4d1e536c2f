"""The kefu command: version, database upgrade, token creation, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kefu import __version__


def run_kefu(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {"KEFU_DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "kefu", *args], capture_output=True, text=True, env=env, check=False)


def test_version(tmp_path: Path) -> None:
    result = run_kefu("--version", db=tmp_path / "k.db")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kefu {__version__}"


def test_db_upgrade_then_token_create(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    assert run_kefu("db", "upgrade", db=db).returncode == 0
    first = run_kefu("token", "create", "--name", "erp", db=db)
    assert first.returncode == 0
    assert len(first.stdout.strip()) >= 40
    again = run_kefu("token", "create", "--name", "erp", db=db)
    assert again.returncode == 2
    assert "CONFLICT" in again.stderr


def test_usage_error_exits_2(tmp_path: Path) -> None:
    assert run_kefu("db", "upgrade", "--no-such-flag", db=tmp_path / "k.db").returncode == 2


HEAVY = ("pandas", "numba", "scipy", "ortools", "duckdb", "pyarrow", "highspy", "statsforecast", "jieba",
         "nicegui", "openpyxl")


def test_kefu_help_loads_no_heavy_library() -> None:
    """`kefu --help` must answer quickly on a busy machine: the number crunchers load with the command that uses them."""
    probe = f"import sys, kefu.cli; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
