"""The /tasks page's data: each role sees exactly the tasks it may, labelled in shop time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from kefu.domain.timeutil import SHOP_TZ
from kefu.service.org.schemas import UserOut
from kefu.store.db import session_factory
from kefu.store.models.duty import Task
from kefu.store.models.org import Agent
from kefu.ui import db as ui_db
from kefu.ui.pages.tasks import _complete, rows_for

DUE = datetime(2026, 11, 20, 17, 30, tzinfo=SHOP_TZ)


@pytest.fixture
def bound(engine: Engine) -> Iterator[Engine]:
    with session_factory(engine)() as s, s.begin():
        s.add_all([Agent(id="a1", name="A1", team="T"), Agent(id="a2", name="A2", team="T"),
                   Agent(id="b1", name="B1", team="U")])
        s.flush()
        for assignee, kind in (("a1", "return"), ("a2", "review"), ("b1", "pay_reminder"), (None, "address_check")):
            s.add(Task(shop_id="s1", task_type=kind, order_id=f"o-{assignee}", assignee=assignee,
                       created_at=DUE - timedelta(hours=1), due_at=DUE, source_rule=kind))
    previous = ui_db._engine
    ui_db.bind_engine(engine)
    yield engine
    ui_db._engine = previous


def user(role: str, agent_id: str | None = None, team: str = "") -> UserOut:
    return UserOut(id=1, username="u", display_name="u", role=role, agent_id=agent_id, team=team, locale="zh",
                    active=True, must_change_password=False)


@pytest.mark.clock("2026-11-21T10:00:00+08:00")  # due 11-20 17:30: overdue, whatever the real date
def test_rows_per_role(bound: Engine) -> None:
    mine = rows_for(user("agent", "a1", "T"), None)
    assert [(r["type"], r["order"], r["assignee"], r["created"], r["due"]) for r in mine] == [
        ("退货", "o-a1", "a1", "11-20 16:30", "11-20 17:30")]
    assert rows_for(user("agent", None), None) == []  # an agent account without an agent sees nothing
    assert sorted(r["order"] for r in rows_for(user("supervisor", None, "T"), None)) == ["o-a1", "o-a2"]
    everything = rows_for(user("admin"), "open")
    assert sorted(r["order"] for r in everything) == ["o-None", "o-a1", "o-a2", "o-b1"]
    assert [r["assignee"] for r in everything if r["order"] == "o-None"] == ["未分配"]
    assert {r["late"] for r in everything} == {"逾期"}  # due in the past


def test_agent_completes_only_own_task(bound: Engine) -> None:
    own = rows_for(user("agent", "a1"), None)[0]["id"]
    other = rows_for(user("agent", "a2"), None)[0]["id"]
    assert _complete(user("agent", "a1"), other, "x") is None  # refused (shown as a notice)
    assert rows_for(user("agent", "a2"), "open")[0]["id"] == other
    done = _complete(user("agent", "a1"), own, "已验货")
    assert done is not None and (done["status"], done["outcome"]) == ("done", "已验货")
