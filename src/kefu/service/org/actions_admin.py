"""Agents and shift templates, edited on the settings page (validated; each change an event row).

Kept apart from ``service.live`` (which owns presence and routing) because these
are slow-changing master data a supervisor edits, not floor operations.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.codes import check_code
from kefu.domain.errors import ErrorCode, KefuError, bad_argument, not_found
from kefu.service.org import events
from kefu.service.org.schemas import AgentOut, ShiftOut
from kefu.store.models.org import Agent, Shop
from kefu.store.models.plan import ShiftTemplate

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_AGENT_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
KNOWN_SKILLS = ("售前", "售后")


def list_agents(session: Session, team: str | None = None) -> list[AgentOut]:
    stmt = select(Agent).order_by(Agent.id)
    if team:
        stmt = stmt.where(Agent.team == team)
    return [AgentOut(a.id, a.name, a.team, list(a.skills or []), a.capacity, a.status, a.active)
            for a in session.scalars(stmt)]


def save_agent(session: Session, agent_id: str, *, name: str, team: str, skills: list[str], capacity: int,
               active: bool = True, actor: str = "system", shop_id: str | None = None,
               only_team: str | None = None) -> AgentOut:
    """Create or update an agent. Capacity 1–50 (接待上限); at least one known skill.

    ``only_team`` is a supervisor's scope: agents of other teams cannot be changed or moved.
    """
    agent_id = agent_id.strip()
    if not _AGENT_ID.match(agent_id):
        raise bad_argument("id", "客服编号只能包含字母、数字、_.-", "agent id: letters, digits, _.- only")
    if not name.strip():
        raise bad_argument("name", "姓名不能为空", "name is required")
    if team.strip():
        check_code("team", team.strip())
    if not 1 <= capacity <= 50:
        raise bad_argument("capacity", "接待上限应在 1–50 之间", "capacity must be between 1 and 50", value=capacity)
    unknown = [s for s in skills if s not in KNOWN_SKILLS]
    if not skills or unknown:
        raise bad_argument("skills", f"技能组应为 {'/'.join(KNOWN_SKILLS)}", f"skills must be among {KNOWN_SKILLS}",
                           unknown=unknown)
    if shop_id is not None and session.get(Shop, shop_id) is None:
        raise not_found("店铺/shop", shop_id)
    agent = session.get(Agent, agent_id)
    if only_team is not None and ((agent is not None and agent.team != only_team) or team.strip() != only_team):
        raise KefuError(ErrorCode.FORBIDDEN, "只能修改本团队的客服", "you can only edit agents of your own team",
                        {"team": only_team})
    created = agent is None
    if agent is None:
        agent = Agent(id=agent_id, shop_id=shop_id, name=name.strip(), status="offline", load=0)
        session.add(agent)
    elif not active and agent.load > 0:
        raise KefuError(ErrorCode.AGENT_HAS_OPEN_CONVERSATIONS, f"客服 {agent_id} 仍有进行中的会话, 不能停用",
                        f"agent {agent_id} still has open conversations; cannot deactivate")
    agent.name, agent.team, agent.skills, agent.capacity, agent.active = (
        name.strip(), team.strip(), list(skills), capacity, active)
    session.flush()
    events.agent_saved(session, agent_id=agent_id, created=created, actor=actor, team=agent.team,
                       skills=list(agent.skills), capacity=capacity, active=active)
    return AgentOut(agent.id, agent.name, agent.team, list(agent.skills), agent.capacity, agent.status, agent.active)


def list_shifts(session: Session, shop_id: str | None = None) -> list[ShiftOut]:
    stmt = select(ShiftTemplate).order_by(ShiftTemplate.shop_id, ShiftTemplate.start, ShiftTemplate.code)
    if shop_id:
        stmt = stmt.where(ShiftTemplate.shop_id == shop_id)
    return [ShiftOut(s.id, s.shop_id, s.code, s.start, s.end, s.night, s.evening) for s in session.scalars(stmt)]


def save_shift(session: Session, shop_id: str, code: str, start: str, end: str, *, night: bool = False,
               evening: bool = False, actor: str = "system") -> ShiftOut:
    """Create or update a shift template by (shop, code). ``end <= start`` means it ends the next day."""
    code = check_code("code", code.strip(), 32)
    for name, value in (("start", start), ("end", end)):
        if not _HHMM.match(value.strip()):
            raise bad_argument(name, f"时间应为 HH:MM: '{value}'", f"time must be HH:MM: '{value}'")
    if start.strip() == end.strip():
        raise bad_argument("end", "上下班时间不能相同", "start and end must differ")
    if session.get(Shop, shop_id) is None:
        raise not_found("店铺/shop", shop_id)
    shift = session.scalar(select(ShiftTemplate).where(ShiftTemplate.shop_id == shop_id,
                                                       ShiftTemplate.code == code))
    if shift is None:
        shift = ShiftTemplate(shop_id=shop_id, code=code, start=start.strip(), end=end.strip())
        session.add(shift)
    shift.start, shift.end, shift.night, shift.evening = start.strip(), end.strip(), night, evening
    session.flush()
    events.shift_saved(session, shop_id=shop_id, code=code, actor=actor, start=shift.start, end=shift.end,
                       night=night, evening=evening)
    return ShiftOut(shift.id, shift.shop_id, shift.code, shift.start, shift.end, shift.night, shift.evening)


def delete_shift(session: Session, shift_id: int, actor: str = "system") -> None:
    shift = session.get(ShiftTemplate, shift_id)
    if shift is None:
        raise not_found("班次/shift", shift_id)
    events.shift_deleted(session, shop_id=shift.shop_id, code=shift.code, actor=actor)
    session.delete(shift)


def shop_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Shop.id).order_by(Shop.id)))
