"""``kefu care`` commands through the real entry point (subprocess, throw-away SQLite file)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run_kefu(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {"KEFU_DATABASE_URL": f"sqlite:///{db}", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "kefu", "care", *args], capture_output=True, text=True, env=env, check=False
    )


def test_bot_ask_without_database(tmp_path: Path) -> None:
    out = run_kefu("bot-ask", "能开发票吗", db=tmp_path / "k.db")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["intent"] == "invoice"
    bad = run_kefu("bot-ask", "能开发票吗", "--mode", "robot", db=tmp_path / "k.db")
    assert bad.returncode == 2 and "BAD_ARGUMENT" in bad.stderr


def test_seed_search_render(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    seeded = run_kefu("seed-templates", db=db)
    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.strip().startswith("added=")
    found = run_kefu("templates", "wl", db=db)
    assert "物流进度查询" in found.stdout
    row = next(line for line in found.stdout.splitlines() if "物流进度查询" in line)
    tid = row.split()[1]  # "│ 3  │ 物流 │ …"
    missing = run_kefu("render", tid, "--var", "买家=小王", db=db)
    assert missing.returncode == 2 and "TEMPLATE_VARIABLE_MISSING" in missing.stderr
    vals = ["--var", "买家=小王", "--var", "订单号=88", "--var", "物流单号=ZT1", "--var", "预计天数=2"]
    ok = run_kefu("render", tid, *vals, db=db)
    assert ok.returncode == 0 and "订单88" in ok.stdout and "ZT1" in ok.stdout
