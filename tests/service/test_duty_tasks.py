"""Task lists, completion with events, overdue escalation to the supervisor, KPI figures, the worker."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from duty.http_stub import http_stub
from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.duty.actions import run_worker
from kefu.service.duty.actions_tasks import complete_task, escalate_overdue, list_tasks, task_stats
from kefu.store.db import session_factory
from kefu.store.models.duty import OutboxMessage, Task
from kefu.store.models.live import Event
from kefu.store.models.org import Agent, Shop, User

DUE = datetime(2026, 11, 20, 17, 30, tzinfo=SHOP_TZ)
S = timedelta(seconds=1)


def seed(s: Session, settings: dict | None = None) -> dict[str, int]:
    s.add(Shop(id="s1", name="店", settings=settings or {}))
    s.flush()
    s.add_all([Agent(id="a01", shop_id="s1", name="甲", team="A"), Agent(id="b02", shop_id="s1", name="乙", team="B")])
    s.add_all([User(username="sup-a", password_hash="x", role="supervisor", team="A", created_at=DUE),
               User(username="sup-all", password_hash="x", role="supervisor", team="", created_at=DUE),
               User(username="sup-b", password_hash="x", role="supervisor", team="B", created_at=DUE)])
    s.flush()
    ids = {}
    for name, assignee, task_type, created in (
        ("ret", "a01", "return", DUE - timedelta(hours=5)),
        ("pay", "a01", "pay_reminder", DUE - timedelta(hours=1)),
        ("rev", "b02", "review", DUE - timedelta(hours=2)),
        ("oct", "a01", "review", datetime(2026, 10, 31, 23, 59, tzinfo=SHOP_TZ)),
    ):
        task = Task(shop_id="s1", task_type=task_type, order_id=name, assignee=assignee, created_at=created,
                    due_at=DUE if name != "oct" else created + timedelta(days=1), source_rule=task_type)
        s.add(task)
        s.flush()
        ids[name] = task.id
    return ids


def test_lists_per_agent_team_and_status(session: Session) -> None:
    ids = seed(session)
    assert [t["order_id"] for t in list_tasks(session, agent_id="a01")] == ["oct", "ret", "pay"]
    assert [t["order_id"] for t in list_tasks(session, team="B")] == ["rev"]
    assert [t["id"] for t in list_tasks(session, status="overdue", now=DUE)] == [ids["oct"]]
    assert {t["order_id"] for t in list_tasks(session, status="overdue", now=DUE + S)} == {"oct", "ret", "pay", "rev"}
    with pytest.raises(KefuError) as err:
        list_tasks(session, status="late")
    assert err.value.code is ErrorCode.BAD_ARGUMENT


def test_complete_records_event_and_rejects_twice_or_unknown(session: Session) -> None:
    ids = seed(session)
    done = complete_task(session, ids["ret"], "a01", " 已验货入库 ", now=DUE)
    assert (done["status"], done["outcome"], done["done_at"]) == ("done", "已验货入库", DUE.isoformat())
    (event,) = session.scalars(select(Event).where(Event.kind == "task.done")).all()
    assert (event.agent_id, event.actor, event.subject, event.data["on_time"]) == (
        "a01", "a01", f"task:{ids['ret']}", True)
    with pytest.raises(KefuError) as again:
        complete_task(session, ids["ret"], "a01", "x", now=DUE)
    assert again.value.code is ErrorCode.CONFLICT
    with pytest.raises(KefuError) as missing:
        complete_task(session, 99999, "a01", "x")
    assert missing.value.code is ErrorCode.NOT_FOUND


def test_escalation_strictly_after_due_notifies_supervisors_once(session: Session) -> None:
    seed(session, {"duty": {"escalation_channel": "dingtalk"}})
    assert escalate_overdue(session, DUE - S) == 1  # only last month's review
    assert escalate_overdue(session, DUE) == 0  # due at 17:30, now 17:30: not late yet
    assert escalate_overdue(session, DUE + S) == 3
    assert escalate_overdue(session, DUE + 10 * S) == 0  # already escalated
    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.channel for m in messages] == ["dingtalk"] * 4
    texts = {m.payload["text"] for m in messages}
    assert any("sup-a" in t and "sup-all" in t and "sup-b" not in t and "a01" in t for t in texts)
    events = session.scalars(select(Event).where(Event.kind == "task.escalated")).all()
    assert len(events) == 4


def test_escalation_without_channel_only_marks_and_logs(session: Session) -> None:
    seed(session)
    assert escalate_overdue(session, DUE + S) == 4
    assert session.scalars(select(OutboxMessage)).all() == []
    assert {t["status"] for t in list_tasks(session)} == {"escalated"}


def test_task_stats_for_kpi(session: Session) -> None:
    ids = seed(session)
    complete_task(session, ids["ret"], "a01", "ok", now=DUE)  # on time (at due)
    complete_task(session, ids["pay"], "a01", "ok", now=DUE + S)  # late
    escalate_overdue(session, DUE + S)
    stats = task_stats(session, "a01", "2026-11")
    assert stats == {
        "agent_id": "a01", "month": "2026-11", "assigned": 2, "done": 2, "done_on_time": 1, "overdue_open": 0,
        "escalated": 1, "on_time_rate": "0.5000",  # October's review, escalated in November
        "by_type": {"pay_reminder": {"assigned": 1, "done": 1, "done_on_time": 0},
                    "return": {"assigned": 1, "done": 1, "done_on_time": 1}},
    }
    october = task_stats(session, "a01", date(2026, 10, 5))
    # due 1 November: not yet late when October ends
    assert (october["assigned"], october["done"], october["overdue_open"], october["on_time_rate"]) == (1, 0, 0, "")
    assert task_stats(session, "a01", "2026-12")["escalated"] == 0
    # October's review done in November counts in October: 已完成 never exceeds 本月任务
    complete_task(session, ids["oct"], "a01", "ok", now=DUE + 2 * S)
    late = task_stats(session, "a01", "2026-10")
    assert (late["assigned"], late["done"], late["done_on_time"], late["on_time_rate"]) == (1, 1, 0, "0.0000")
    assert task_stats(session, "a01", "2026-11")["done"] == 2
    with pytest.raises(KefuError):
        task_stats(session, "a01", "November")


@pytest.mark.clock("2026-11-21T10:00:00+08:00")  # four tasks overdue, whatever the real date
def test_worker_pass_escalates_and_sends_through_the_robot(engine: Engine) -> None:
    with http_stub() as stub:
        config = {"duty": {"escalation_channel": "wecom"},
                  "notify": {"wecom": {"webhook": f"{stub.url}/cgi-bin/webhook/send?key=K"}}}
        with session_factory(engine)() as s, s.begin():
            seed(s, config)
        assert run_worker(engine, once=True) == 1
        assert run_worker(engine, once=True) == 1
    assert len(stub.requests) == 4  # four overdue tasks, each announced once
    assert all(r.path == "/cgi-bin/webhook/send?key=K" for r in stub.requests)
    with session_factory(engine)() as s:
        assert {m.status for m in s.scalars(select(OutboxMessage))} == {"sent"}
