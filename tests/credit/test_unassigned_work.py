"""A queued (never assigned) buyer is not an agent: the month's pay and KPI still answer (issue 15, hole 7).

The buyer's message has no agent; it once became an agent ``''`` row whose
CSAT (another agent had a survey) was NaN, and ``Decimal('NaN')`` compared in
scoring raised ``InvalidOperation``: ``GET /credit/pay`` and ``kefu report kpi``
answered 500 for the whole month.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine
from typer.testing import CliRunner

from kefu.api.app import create_app
from kefu.cli import app as cli
from kefu.credit.kpi import score_items, shipped_scheme
from kefu.service.org import actions as auth
from kefu.store.db import make_engine, session_factory
from kefu.store.migrate import upgrade
from kefu.store.models.care import Survey
from kefu.store.models.live import Conversation, Message
from kefu.store.models.org import Agent

BASE = "http://testserver"
PW = "kefu-Unassigned-9!"


def _t(day: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, day, hh - 8, mm, tzinfo=UTC)


def _seed(engine: Engine) -> None:
    with session_factory(engine)() as s, s.begin():
        s.add_all([Agent(id="a1", name="A1"), Agent(id="a2", name="A2")])
        s.flush()
        for buyer, agent in (("b1", "a1"), ("b2", "a2")):
            s.add(Message(shop_id="s1", buyer=buyer, agent_id=agent, ts=_t(3, 10), direction="in", text="在吗"))
            s.add(Message(shop_id="s1", buyer=buyer, agent_id=agent, ts=_t(3, 10, 1), direction="out", text="在"))
        # one buyer still waits in the queue: a message with no agent
        s.add(Conversation(shop_id="s1", buyer="q1", status="queued", opened_at=_t(3, 11)))
        s.add(Message(shop_id="s1", buyer="q1", agent_id=None, ts=_t(3, 11), direction="in", text="有人吗"))
        # a1 has an answered survey, a2 none: a2's CSAT is missing (not NaN); service_first scores CSAT
        s.add(Survey(shop_id="s1", agent_id="a1", sent_at=_t(3, 12), answered_at=_t(3, 12, 5), score=5))
        auth.create_user(s, "boss", PW, "supervisor")


@pytest.fixture
def boss(engine: Engine) -> Iterator[TestClient]:
    _seed(engine)
    client = TestClient(create_app(engine), base_url=BASE, headers={"Origin": BASE})
    assert client.post("/api/v1/auth/login", json={"username": "boss", "password": PW}).status_code == 200
    yield client


def test_pay_answers_with_a_queued_buyer_in_the_month(boss: TestClient) -> None:
    r = boss.get("/api/v1/credit/pay?month=2026-11&scheme=service_first")
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["agent"] for s in body["payslips"]] == ["a1", "a2"]
    assert [g["agent"] for g in body["grades"]] == ["a1", "a2"]  # no '' agent for unassigned work


def test_leaderboard_has_no_unassigned_agent_row(boss: TestClient) -> None:
    r = boss.get("/api/v1/credit/leaderboard?month=2026-11")
    assert r.status_code == 200, r.text
    assert [a["agent"] for a in r.json()["agents"]] == ["a1", "a2"]


def test_kpi_report_command_with_a_queued_buyer(db_url: str, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade(db_url)  # the command migrates first: start from a migrated database, as an operator's
    engine = make_engine(db_url)
    _seed(engine)
    engine.dispose()
    monkeypatch.setenv("KEFU_DATABASE_URL", db_url)
    from kefu.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["report", "kpi", "--month", "2026-11", "--xlsx", str(tmp_path / "k.xlsx"),
                                             "--scheme", "service_first"])
        paid = CliRunner().invoke(cli, ["report", "pay", "--month", "2026-11", "--xlsx", str(tmp_path / "p.xlsx"),
                                        "--scheme", "service_first"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, (result.output, result.exception)
    agents = [r[0] for r in load_workbook(tmp_path / "k.xlsx")["agents"].iter_rows(min_row=2, values_only=True)]
    assert agents == ["a1", "a2"]
    assert paid.exit_code == 0, (paid.output, paid.exception)
    assert paid.output.startswith("2026-11: 2 payslips, total ") and paid.output.rstrip().endswith("p.xlsx")
    slips = [r[0] for r in load_workbook(tmp_path / "p.xlsx")["工资条"].iter_rows(min_row=3, values_only=True)]
    assert slips == ["a1", "a2"]  # the same payslips as GET /credit/pay, no '' agent for unassigned work


def test_a_missing_figure_never_reaches_decimal_as_nan() -> None:
    scheme = shipped_scheme("service_first")
    items, total = score_items({"csat": float("nan"), "fast_rate": Decimal("NaN")}, scheme)
    by_metric = {i.metric: i for i in items}
    assert by_metric["csat"].value is None and by_metric["csat"].points == Decimal("0.00")
    assert by_metric["fast_rate"].value is None and by_metric["fast_rate"].points == Decimal("0.00")
    assert total == Decimal("0.00")
