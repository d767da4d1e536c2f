"""Settings use-cases: agents and shifts are validated, scoped to a supervisor's team, and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.org import actions_admin as org_admin
from kefu.store.models.live import Event
from kefu.store.models.org import Agent, Shop


def _shop(session: Session) -> None:
    session.add(Shop(id="s1", name="店"))
    session.flush()


def test_save_agent_creates_then_updates(session: Session) -> None:
    _shop(session)
    row = org_admin.save_agent(session, "a1", name="小美", team="A", skills=["售前"], capacity=4, actor="boss")
    assert (row.id, row.team, row.skills, row.capacity, row.status) == ("a1", "A", ["售前"], 4, "offline")
    row = org_admin.save_agent(session, "a1", name="小美", team="A", skills=["售前", "售后"], capacity=6)
    assert (row.skills, row.capacity) == (["售前", "售后"], 6)
    kinds = list(session.scalars(select(Event.kind).order_by(Event.id)))
    assert kinds == ["agent.created", "agent.updated"]


@pytest.mark.parametrize(("kwargs", "argument"), [
    ({"agent_id": "a 1"}, "id"),
    ({"name": " "}, "name"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": 51}, "capacity"),
    ({"skills": []}, "skills"),
    ({"skills": ["售中"]}, "skills"),
])
def test_save_agent_rejects_bad_input(session: Session, kwargs: dict[str, object], argument: str) -> None:
    args: dict[str, object] = {"agent_id": "a1", "name": "小美", "team": "A", "skills": ["售前"], "capacity": 3}
    args.update(kwargs)
    with pytest.raises(KefuError) as info:
        org_admin.save_agent(session, str(args.pop("agent_id")), **args)  # type: ignore[arg-type]
    assert info.value.code == ErrorCode.BAD_ARGUMENT
    assert info.value.details["argument"] == argument
    assert session.scalar(select(Agent).where(Agent.id == "a1")) is None


def test_supervisor_cannot_touch_other_team(session: Session) -> None:
    org_admin.save_agent(session, "b1", name="小B", team="B", skills=["售后"], capacity=3)
    with pytest.raises(KefuError) as info:
        org_admin.save_agent(session, "b1", name="小B", team="A", skills=["售后"], capacity=9, only_team="A")
    assert info.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(KefuError):
        org_admin.save_agent(session, "new", name="新", team="B", skills=["售后"], capacity=3, only_team="A")
    ok = org_admin.save_agent(session, "a2", name="小A", team="A", skills=["售前"], capacity=3, only_team="A")
    assert ok.team == "A"
    assert [a.id for a in org_admin.list_agents(session, "A")] == ["a2"]


def test_deactivating_agent_with_open_chats_is_refused(session: Session) -> None:
    org_admin.save_agent(session, "a1", name="小美", team="A", skills=["售前"], capacity=3)
    session.get(Agent, "a1").load = 1  # type: ignore[union-attr]
    with pytest.raises(KefuError) as info:
        org_admin.save_agent(session, "a1", name="小美", team="A", skills=["售前"], capacity=3, active=False)
    assert info.value.code == ErrorCode.AGENT_HAS_OPEN_CONVERSATIONS


def test_shifts_upsert_validate_delete(session: Session) -> None:
    _shop(session)
    org_admin.save_shift(session, "s1", "晚班", "16:00", "22:30", evening=True)
    org_admin.save_shift(session, "s1", "白班", "09:00", "16:30")
    org_admin.save_shift(session, "s1", "晚班", "16:00", "23:00", evening=True)
    rows = org_admin.list_shifts(session, "s1")
    assert [(r.code, r.start, r.end, r.evening) for r in rows] == [
        ("白班", "09:00", "16:30", False), ("晚班", "16:00", "23:00", True)]
    for start, end in (("9:00", "16:30"), ("09:00", "24:00"), ("10:00", "10:00")):
        with pytest.raises(KefuError) as info:
            org_admin.save_shift(session, "s1", "X", start, end)
        assert info.value.code == ErrorCode.BAD_ARGUMENT
    with pytest.raises(KefuError) as info:
        org_admin.save_shift(session, "nope", "X", "09:00", "10:00")
    assert info.value.code == ErrorCode.NOT_FOUND
    org_admin.delete_shift(session, rows[0].id)
    assert [r.code for r in org_admin.list_shifts(session)] == ["晚班"]
    with pytest.raises(KefuError):
        org_admin.delete_shift(session, rows[0].id)


PROBE = 'x" onmouseover="alert(1)"'


def test_codes_with_markup_are_refused_and_nothing_is_stored(session: Session) -> None:
    """Issue 15, hole 2: the probe's shift code reached an HTML attribute on /settings."""
    _shop(session)
    with pytest.raises(KefuError) as info:
        org_admin.save_shift(session, "s1", PROBE, "09:00", "17:00")
    assert (info.value.code, info.value.details["argument"]) == (ErrorCode.BAD_ARGUMENT, "code")
    with pytest.raises(KefuError) as info:
        org_admin.save_agent(session, "a9", name="小九", team=PROBE, skills=["售前"], capacity=3)
    assert info.value.details["argument"] == "team"
    assert org_admin.list_shifts(session) == [] and org_admin.list_agents(session) == []
