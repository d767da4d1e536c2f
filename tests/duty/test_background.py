"""Issue 20 item 4: the served app runs the duty timers, the outbox and the live sweep by itself.

The app's lifespan starts :class:`~kefu.service.duty.actions_worker.Background` and stops it;
an imported unpaid order gets its 催付 task when kefu's clock passes creation + 30 min — no
command typed. The test moves kefu's clock and waits for the worker's next passes; it never
asserts the wall clock.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kefu.api.app import create_app
from kefu.config import Settings, get_settings
from kefu.domain.errors import KefuError
from kefu.domain.timeutil import SHOP_TZ, clock_from
from kefu.service.imports.actions import import_orders
from kefu.service.org import actions as org
from kefu.store.db import session_factory, transaction
from kefu.store.models.duty import DueTimer, OutboxMessage, Task
from kefu.store.models.org import Agent, Shop
from kefu.store.models.plan import RosterEntry, ShiftTemplate

CREATED = datetime(2026, 11, 18, 10, 0, tzinfo=SHOP_TZ)  # a Wednesday: 催付 goes to the 晚班 agent
HEADER = "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间,宝贝标题\n"


def _floor(engine: Engine) -> None:
    with transaction(engine) as s:
        s.add(Shop(id="s1", name="小店"))
        s.flush()
        s.add_all([Agent(id="kf01", name="小美", shop_id="s1"), Agent(id="kf02", name="小雅", shop_id="s1")])
        s.flush()
        s.add_all([ShiftTemplate(shop_id="s1", code="白班", start="09:00", end="17:00"),
                   ShiftTemplate(shop_id="s1", code="晚班", start="16:00", end="22:30", evening=True)])
        s.add_all([RosterEntry(shop_id="s1", agent_id="kf01", day=date(2026, 11, 18), shift_code="白班"),
                   RosterEntry(shop_id="s1", agent_id="kf02", day=date(2026, 11, 18), shift_code="晚班")])


def _import(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "订单.csv"
    path.write_text(HEADER + "7000001,夜猫子,59.00,等待买家付款,2026-11-18 10:00:00,,珊瑚绒毛毯\n", encoding="utf-8")
    with transaction(engine) as s:
        assert import_orders(s, path, shop="s1").inserted == 1


def _next_passes(app: FastAPI, n: int = 2) -> None:
    """Wait until the worker finished ``n`` more passes (each after the clock was moved)."""
    target = app.state.background.passes + n
    for _ in range(1000):
        if app.state.background.passes >= target:
            return
        time.sleep(0.01)
    raise AssertionError("the background worker made no pass")


def _rows(session: Session) -> tuple[list[tuple[str, str]], list[Task], list[str]]:
    timers = [(t.rule, t.status) for t in session.scalars(select(DueTimer).order_by(DueTimer.rule))]
    tasks = list(session.scalars(select(Task).order_by(Task.id)))
    outbox = [f"{m.dedupe_key}:{m.status}" for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    return timers, tasks, outbox


def test_an_imported_unpaid_order_gets_its_pay_reminder_without_a_command(engine: Engine, tmp_path: Path) -> None:
    _floor(engine)
    with clock_from(CREATED + timedelta(minutes=5)):
        _import(engine, tmp_path)
        app = create_app(engine, background=0.02)
        with TestClient(app):
            _next_passes(app)
            with session_factory(engine)() as s:
                timers, tasks, outbox = _rows(s)
            assert timers == [("pay_sms", "pending"), ("pay_task", "pending")] and tasks == [] and outbox == []
            with clock_from(CREATED + timedelta(minutes=31)):
                _next_passes(app)
            with session_factory(engine)() as s:
                timers, tasks, outbox = _rows(s)
            assert timers == [("pay_sms", "fired"), ("pay_task", "fired")]
            [task] = tasks
            assert (task.task_type, task.order_id, task.assignee, task.status, task.source_rule) == (
                "pay_reminder", "7000001", "kf02", "open", "pay_task")
            # created when the rule fires (30 min), due an hour later: never 截止 = 创建
            assert task.created_at == CREATED + timedelta(minutes=30)
            assert task.due_at == CREATED + timedelta(minutes=90)
            # the 15-minute SMS went to the outbox; the shop has no SMS gateway, so it waits for a person
            assert outbox == ["pay_sms:7000001:failed"]
        assert app.state.background._task is None  # stopped with the app


def test_without_background_nothing_fires(engine: Engine, tmp_path: Path) -> None:
    _floor(engine)
    with clock_from(CREATED + timedelta(minutes=31)):
        _import(engine, tmp_path)
        app = create_app(engine)  # an API-only worker: `kefu duty worker` does the passes
        with TestClient(app):
            assert app.state.background is None
        with session_factory(engine)() as s:
            assert _rows(s) == ([], [], [])


@pytest.mark.parametrize("value", ["0", "abc", "7200"])
def test_a_bad_interval_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("KEFU_BACKGROUND_INTERVAL_S", value)
    get_settings.cache_clear()
    try:
        with pytest.raises(KefuError, match="KEFU_BACKGROUND_INTERVAL_S must be 0.1–3600 seconds"):
            get_settings()
    finally:
        monkeypatch.delenv("KEFU_BACKGROUND_INTERVAL_S")
        get_settings.cache_clear()
    assert Settings().background_interval_s == 5.0


def test_the_served_app_marks_late_and_absent_from_presence_by_itself(engine: Engine) -> None:
    """Issue 22: nobody records attendance by hand — kf01 (白班 09:00–17:00) never comes online, kf02 (晚班 from
    16:00) neither; the supervisor reads the marks over the API as the worker writes them."""
    _floor(engine)
    with transaction(engine) as s:
        org.create_user(s, "sup", "password-123", "supervisor")
    base = "http://testserver"
    with clock_from(datetime(2026, 11, 18, 9, 30, tzinfo=SHOP_TZ)):
        app = create_app(engine, background=0.02)
        with TestClient(app, base_url=base, headers={"Origin": base}) as client:
            assert client.post("/api/v1/auth/login", json={"username": "sup", "password": "password-123"}).status_code == 200
            _next_passes(app)
            day = {"from": "2026-11-18", "to": "2026-11-18"}
            marks = client.get("/api/v1/attendance", params=day).json()
            assert [(m["agent_id"], m["kind"], m["final"]) for m in marks] == [("kf01", "late", False)]  # late so far
            with clock_from(datetime(2026, 11, 18, 17, 0, tzinfo=SHOP_TZ)):
                _next_passes(app)
            marks = client.get("/api/v1/attendance", params=day).json()
    assert [(m["agent_id"], m["agent_name"], m["kind"], m["final"]) for m in marks] == [
        ("kf01", "小美", "absent", True), ("kf02", "小雅", "late", False)]
    assert marks[0]["minutes"] == 480  # the whole 白班 missed
