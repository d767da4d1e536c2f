"""``kefu promotion show|team|promote`` in process (a throw-away SQLite file): the same use-cases as the API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from kefu.cli import app
from kefu.config import get_settings
from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.service.org import actions as auth
from kefu.store.db import make_engine, session_factory
from kefu.store.migrate import upgrade
from kefu.store.models.org import Agent, Shop

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, date]]:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    monkeypatch.setenv("KEFU_DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    engine = make_engine(url)
    today = utc_now().astimezone(SHOP_TZ).date()
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="店", settings={}))
        s.flush()
        s.add(Agent(id="a1", shop_id="s1", name="A1", skills=["售前"], hired_on=today - timedelta(days=400)))
        s.flush()
        auth.create_user(s, "sup", "password-123", "supervisor")
    yield engine, today
    engine.dispose()
    get_settings.cache_clear()


def test_show_refuse_then_promote_on_the_shops_track(db: tuple[Engine, date]) -> None:
    engine, today = db
    shown = runner.invoke(app, ["promotion", "show", "a1", "--by", "sup"])
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.stdout)
    assert (body["level"], body["months_at_level"], [c["met"] for c in body["criteria"]]) == ("初级", 13, [True, False])
    refused = runner.invoke(app, ["promotion", "promote", "a1", "--by", "sup", "--date", str(today)])
    assert isinstance(refused.exception, KefuError) and refused.exception.code == "CONFLICT"
    assert refused.exception.details["unmet"] == ["score"]
    with session_factory(engine)() as s, s.begin():
        s.get(Shop, "s1").settings = {"team": {"track": [  # type: ignore[union-attr]
            {"level": "初级", "min_months": 12, "min_score": 0, "score_months": 0}]}}
    team = runner.invoke(app, ["promotion", "team", "--shop", "s1", "--by", "sup"])
    assert [(r["agent_id"], r["eligible"]) for r in json.loads(team.stdout)] == [("a1", True)]
    done = runner.invoke(app, ["promotion", "promote", "a1", "--by", "sup", "--date", str(today), "--note", "稳定"])
    assert done.exit_code == 0, done.output
    assert (json.loads(done.stdout)["level"], json.loads(done.stdout)["next_level"]) == ("中级", None)  # the shop's track ends there
    bad = runner.invoke(app, ["promotion", "promote", "a1", "--by", "sup", "--date", "2026-13-01"])
    assert isinstance(bad.exception, KefuError) and bad.exception.code == "BAD_ARGUMENT"
