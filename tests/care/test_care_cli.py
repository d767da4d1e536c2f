"""``kefu care`` commands, in process through Typer's runner (a throw-away SQLite file per test)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kefu.cli import app
from kefu.config import get_settings
from kefu.domain.errors import ErrorCode, KefuError

runner = CliRunner()


@pytest.fixture
def db_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KEFU_DATABASE_URL", f"sqlite:///{tmp_path / 'k.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_bot_ask_without_database() -> None:
    out = runner.invoke(app, ["care", "bot-ask", "能开发票吗"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["intent"] == "invoice"
    bad = runner.invoke(app, ["care", "bot-ask", "能开发票吗", "--mode", "robot"])
    assert isinstance(bad.exception, KefuError) and bad.exception.code is ErrorCode.BAD_ARGUMENT


def test_seed_search_render(db_env: None) -> None:
    seeded = runner.invoke(app, ["care", "seed-templates"])
    assert seeded.exit_code == 0, seeded.output
    assert seeded.stdout.strip().startswith("added=")
    found = runner.invoke(app, ["care", "templates", "wl"])
    row = next(line for line in found.stdout.splitlines() if "物流进度查询" in line)
    tid = row.split()[1]  # "│ 3  │ 物流 │ …"
    missing = runner.invoke(app, ["care", "render", tid, "--var", "买家=小王"])
    assert isinstance(missing.exception, KefuError)
    assert missing.exception.code is ErrorCode.TEMPLATE_VARIABLE_MISSING
    vals = ["--var", "买家=小王", "--var", "订单号=88", "--var", "物流单号=ZT1", "--var", "预计天数=2"]
    ok = runner.invoke(app, ["care", "render", tid, *vals])
    assert ok.exit_code == 0 and "订单88" in ok.stdout and "ZT1" in ok.stdout
    bad_var = runner.invoke(app, ["care", "render", tid, "--var", "买家"])
    assert isinstance(bad_var.exception, KefuError)


def test_bot_eval_contract(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kefu.service.care import actions_bot as care_bot

    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(care_bot, "_matchers", {})  # as in a fresh process
    get_settings.cache_clear()
    questions = tmp_path / "QUESTIONS.csv"
    questions.write_text("question\n什麼時候發貨\n你叫什么名字\n", encoding="utf-8")
    out = runner.invoke(app, ["care", "bot-eval", str(questions), "--out", str(tmp_path / "ANSWERS.csv")])
    assert out.exit_code == 0, out.output
    assert out.stdout.strip() == "questions=2 answered=1 handed_over=1"
    lines = (tmp_path / "ANSWERS.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "question,action,intent,confidence,reason"
    assert lines[1].startswith("什麼時候發貨,answer,ship_time,") and lines[1].endswith(",confident")
    assert lines[2].startswith("你叫什么名字,handover,,")
    assert len(list((tmp_path / "var" / "bot").glob("index-*.json"))) == 1  # built once, cached
    get_settings.cache_clear()


def test_naming_a_group_loads_only_that_area(tmp_path: Path) -> None:
    """``kefu care bot-ask`` must not import every area's database layer before the bot answers
    (issue 21: first answer ≤ 1 s); ``kefu --help`` still lists every group."""
    import subprocess
    import sys

    probe = (
        "import sys; sys.argv = ['kefu', *sys.argv[1:]]; import kefu.cli as c; "
        "print(sorted(g.name for g in c.app.registered_groups), 'sqlalchemy' in sys.modules)"
    )
    env = {**__import__("os").environ, "KEFU_DATA_DIR": str(tmp_path)}
    care = subprocess.run([sys.executable, "-c", probe, "care"], capture_output=True, text=True, env=env, check=True)
    assert care.stdout.strip() == "['care'] False"
    every = subprocess.run([sys.executable, "-c", probe, "--help"], capture_output=True, text=True, env=env, check=True)
    groups = every.stdout.split("]")[0]
    assert "'care'" in groups and "'roster'" in groups and "'tokens'" in groups
    # the bot's action module leaves the database side for the calls that need it
    bot = "import sys, kefu.service.care.actions_bot; print('sqlalchemy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", bot], capture_output=True, text=True, env=env, check=True).stdout == "False\n"
    # a group whose module has another name (db.py registers tokens) loads every module
    tokens = subprocess.run([sys.executable, "-c", probe, "tokens"], capture_output=True, text=True, env=env, check=True)
    assert "'tokens'" in tokens.stdout and "'care'" in tokens.stdout
