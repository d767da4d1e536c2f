"""Open shifts: a supervisor offers a shift (e.g. one freed by approved leave); an eligible agent picks it up.

The supervisor posting the shift is the approval: the first agent whose roster
takes it without breaking a hard rule gets it at once (the row is locked, so two
agents clicking together cannot both get it). An agent it does not fit is told
which rule it would break.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument, not_found
from kefu.domain.timeutil import utc_now
from kefu.plan.roster.rules import Violation
from kefu.plan.roster.types import Assignment
from kefu.service.team import events, store
from kefu.service.team.actions_common import Actor, agent_names, manager, near, own, today
from kefu.service.team.schemas import OpenShiftIn, OpenShiftOut
from kefu.store.models.org import Shop
from kefu.store.models.team import OpenShift
from kefu.team import swap as rules


def _view(session: Session, r: OpenShift) -> OpenShiftOut:
    name = agent_names(session, {r.taken_by})[r.taken_by] if r.taken_by else ""
    return OpenShiftOut(id=r.id, shop_id=r.shop_id, day=r.day, shift_code=r.shift_code, skill=r.skill, note=r.note,
                        source=r.source, status=r.status, created_by=r.created_by, taken_by=r.taken_by,
                        taken_by_name=name, taken_at=r.taken_at)  # fmt: skip


def open_shift(session: Session, actor: Actor, body: OpenShiftIn, *, now: datetime | None = None) -> OpenShiftOut:
    """Offer a shift to the shop's agents (posted to the team robots)."""
    now = now or utc_now()
    manager(actor)
    near("day", body.day, now=now)
    if session.get(Shop, body.shop_id) is None:
        raise not_found("店铺 / shop", body.shop_id)
    if body.shift_code not in store.shift_minutes(session, body.shop_id):
        raise not_found("班次 / shift", body.shift_code)
    if body.day < today(now):
        raise bad_argument("day", "不能开放过去的班次", "cannot open a shift in the past")
    row = OpenShift(shop_id=body.shop_id, day=body.day, shift_code=body.shift_code, skill=body.skill,
                    note=body.note.strip(), source=body.source, status="open", created_by=actor.name,
                    created_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    events.shift_opened(session, open_id=row.id, shop_id=row.shop_id, actor=actor.name, now=now,
                        day=row.day.isoformat(), shift=row.shift_code, source=row.source,
                        tell=f"开放班次: {row.day} {row.shift_code} ({row.skill}), 可在「我的」页面领取")  # fmt: skip
    return _view(session, row)


def pick_up_shift(session: Session, actor: Actor, open_id: int, agent_id: str | None, *,
                  now: datetime | None = None) -> OpenShiftOut:  # fmt: skip
    """The agent takes the open shift when it breaks none of its hard rules; refused naming the rule otherwise."""
    now = now or utc_now()
    row = store.locked(session, OpenShift, open_id, "开放班次 / open shift")
    agent = own(session, actor, agent_id)
    if row.status != "open":
        raise store.conflict("该班次已被领取或已取消", "this shift was already taken or withdrawn", status=row.status)
    if agent.shop_id != row.shop_id:
        raise bad_argument("agent", "只能领取本店铺的班次", "agents pick up shifts of their own shop only")
    win = store.window(session, row.shop_id, row.day)
    day = win.index(row.day)
    if store.cell_at(win, agent.id, row.day) is not None:
        raise rules.rule_broken([Violation(agent.id, row.day, "one_shift_per_day", "当天已有班次", "already works that day")])
    after = rules.taken(win.problem, win.roster, agent.id, day, Assignment(row.shift_code, row.skill))
    found = rules.added_violations(win.problem, win.roster, after, [agent.id])
    if found:
        raise rules.rule_broken(found)
    store.set_cell(session, row.shop_id, agent.id, row.day, row.shift_code, row.skill)
    row.status, row.taken_by, row.taken_at = "taken", agent.id, now
    events.shift_picked_up(session, open_id=row.id, agent_id=agent.id, shop_id=row.shop_id, actor=actor.name, now=now,
                           day=row.day.isoformat(), shift=row.shift_code,
                           tell=f"{agent.name} 领取了 {row.day} 的 {row.shift_code}")  # fmt: skip
    return _view(session, row)


def cancel_open_shift(session: Session, actor: Actor, open_id: int, *, now: datetime | None = None) -> OpenShiftOut:
    """The supervisor withdraws a shift nobody has taken."""
    now = now or utc_now()
    manager(actor)
    row = store.locked(session, OpenShift, open_id, "开放班次 / open shift")
    if row.status != "open":
        raise store.conflict("该班次已被领取或已取消", "this shift was already taken or withdrawn", status=row.status)
    row.status = "cancelled"
    events.shift_open_cancelled(session, open_id=row.id, shop_id=row.shop_id, actor=actor.name, now=now)
    return _view(session, row)


def list_open_shifts(session: Session, actor: Actor, *, shop_id: str | None = None, status: str | None = "open",
                     now: datetime | None = None) -> list[OpenShiftOut]:  # fmt: skip
    """Open shifts from today on (an agent sees its own shop's, except on the days of its own approved leave)."""
    stmt = select(OpenShift).where(OpenShift.day >= today(now))
    away: frozenset[date] = frozenset()
    if actor.role == "agent":
        shop_id = store.agent(session, actor.agent_id or "").shop_id if actor.agent_id else "-"
        away = store.leave_days(session, [actor.agent_id or ""], today(now), date.max).get(actor.agent_id or "", away)
    if shop_id:
        stmt = stmt.where(OpenShift.shop_id == shop_id)
    if status:
        stmt = stmt.where(OpenShift.status == status)
    return [_view(session, r) for r in session.scalars(stmt.order_by(OpenShift.day, OpenShift.id)) if r.day not in away]
