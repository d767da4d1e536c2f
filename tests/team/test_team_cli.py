"""The contract commands ``kefu leave …`` and ``kefu swap …``, in process (a throw-away SQLite file per test).

The roster lies in the coming days, so requests are "in advance" whatever the clock says.
"""

from __future__ import annotations

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
from kefu.store.models.plan import RosterEntry, ShiftTemplate

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, list[date]]]:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    monkeypatch.setenv("KEFU_DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    engine = make_engine(url)
    today = utc_now().astimezone(SHOP_TZ).date()
    days = [today + timedelta(days=i) for i in range(5)]
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="店", settings={}))
        s.flush()
        s.add_all([ShiftTemplate(shop_id="s1", code="白班", start="09:00", end="16:30", breaks=[]),
                   ShiftTemplate(shop_id="s1", code="晚班", start="16:00", end="22:30", breaks=[]),
                   ShiftTemplate(shop_id="s1", code="早班", start="07:00", end="15:00", breaks=[])])  # fmt: skip
        s.add_all([Agent(id="a1", shop_id="s1", name="A1", skills=["售前"]),
                   Agent(id="a2", shop_id="s1", name="A2", skills=["售前"])])  # fmt: skip
        s.flush()
        for d, (c1, c2) in zip(days[1:], [("白班", "晚班"), ("早班", "白班"), ("白班", "白班"), ("白班", "晚班")],
                               strict=True):  # fmt: skip
            s.add(RosterEntry(shop_id="s1", agent_id="a1", day=d, shift_code=c1, skill="售前", breaks=[]))
            s.add(RosterEntry(shop_id="s1", agent_id="a2", day=d, shift_code=c2, skill="售前", breaks=[]))
        auth.create_user(s, "sup", "password-123", "supervisor")
    yield engine, days
    engine.dispose()
    get_settings.cache_clear()


def shift(engine: Engine, agent: str, day: date) -> str:
    with session_factory(engine)() as s:
        return str(s.query(RosterEntry.shift_code).filter_by(agent_id=agent, day=day).scalar())


def test_leave_request_prints_the_id_and_approve_frees_the_days(db: tuple[Engine, list[date]]) -> None:
    engine, days = db
    out = runner.invoke(app, ["leave", "request", "--agent", "a1", "--from", str(days[3]), "--to", str(days[4]),
                              "--type", "年假", "--reason", "回老家"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert out.stdout == "1\n"
    ok = runner.invoke(app, ["leave", "approve", "1", "--by", "sup", "--note", "好"])
    assert ok.exit_code == 0, ok.output
    assert '"status": "approved"' in ok.stdout
    assert (shift(engine, "a1", days[3]), shift(engine, "a1", days[4]), shift(engine, "a2", days[3])) == ("", "", "白班")
    twice = runner.invoke(app, ["leave", "approve", "1", "--by", "sup"])
    assert isinstance(twice.exception, KefuError) and twice.exception.code == "REQUEST_BAD_TRANSITION"
    by_agent = runner.invoke(app, ["leave", "request", "--agent", "a2", "--from", str(days[3]), "--to", str(days[3]),
                                   "--type", "事假"])  # fmt: skip
    assert by_agent.stdout == "2\n"
    refused = runner.invoke(app, ["leave", "approve", "2", "--by", "a1"])  # a1 has no user account
    assert isinstance(refused.exception, KefuError) and refused.exception.code == "NOT_FOUND"
    no_note = runner.invoke(app, ["leave", "reject", "2", "--by", "sup"])
    assert no_note.exit_code == 2  # --note is required
    rejected = runner.invoke(app, ["leave", "reject", "2", "--by", "sup", "--note", "人手不足"])
    assert rejected.exit_code == 0 and '"decision_note": "人手不足"' in rejected.stdout
    bad = runner.invoke(app, ["leave", "request", "--agent", "a1", "--from", "2026-13-01", "--to", str(days[3]),
                              "--type", "事假"])  # fmt: skip
    assert isinstance(bad.exception, KefuError) and bad.exception.code == "BAD_ARGUMENT"


def test_swap_refused_with_the_rule_then_approved(db: tuple[Engine, list[date]]) -> None:
    engine, days = db
    out = runner.invoke(app, ["swap", "request", "--agent", "a1", "--date", str(days[2]), "--with", "a2"])
    assert out.exit_code == 0 and out.stdout == "1\n"
    accepted = runner.invoke(app, ["swap", "accept", "1", "--by", "a2"])
    assert accepted.exit_code == 0 and '"rule": "min_rest_hours"' in accepted.stdout
    refused = runner.invoke(app, ["swap", "approve", "1", "--by", "sup"])
    assert isinstance(refused.exception, KefuError) and refused.exception.code == "ROSTER_RULE_BROKEN"
    assert "两个班次之间的最少休息小时" in refused.exception.message  # 晚班 to 22:30, then 早班 at 07:00
    assert shift(engine, "a2", days[2]) == "白班"
    wrong_peer = runner.invoke(app, ["swap", "accept", "1", "--by", "a1"])
    assert isinstance(wrong_peer.exception, KefuError) and wrong_peer.exception.code == "FORBIDDEN"
    runner.invoke(app, ["swap", "request", "--agent", "a1", "--date", str(days[4]), "--with", "a2"])
    runner.invoke(app, ["swap", "accept", "2", "--by", "a2"])
    done = runner.invoke(app, ["swap", "approve", "2", "--by", "sup", "--note", "可以"])
    assert done.exit_code == 0, done.output
    assert (shift(engine, "a1", days[4]), shift(engine, "a2", days[4])) == ("晚班", "白班")
