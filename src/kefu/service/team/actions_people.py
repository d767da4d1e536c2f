"""Onboarding and early 转正 (seed 001 九), six-month goals (seed 004).

A new hire gets a mentor (一人带一个), the checklist of :data:`kefu.team.people.CHECKLIST`
and a probation end date. The mentor or a supervisor ticks items; kefu *proposes*
early 转正 when the checklist is done and the probationer's monthly KPI score
reaches the team's norm (the mean of the regular agents' scores of the shop);
a supervisor confirms it. Goals set a KPI target at 120–130 % of the team norm
for the next six months, with the agent's development direction. Every step is
an event row, and the agent reads its own onboarding and goals.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import utc_now
from kefu.service import access
from kefu.service.team import events, store
from kefu.service.team.actions_common import Actor, agent_names, manager, near, own, today
from kefu.service.team.schemas import (
    ChecklistItemOut,
    CheckOut,
    EarlyRegularOut,
    GoalIn,
    GoalOut,
    OnboardingIn,
    OnboardingOut,
    Peer,
)
from kefu.store.models.org import Agent
from kefu.store.models.team import AgentGoal, Onboarding
from kefu.team import growth, people
from kefu.team.flow import STATUS_TEXT

KPI = people.Target("kpi_total", "月度绩效分")


def _view(session: Session, r: Onboarding) -> OnboardingOut:
    names = agent_names(session, {r.agent_id, r.mentor_id})
    return OnboardingOut(agent_id=r.agent_id, agent_name=names[r.agent_id], mentor_id=r.mentor_id,
                         mentor_name=names[r.mentor_id], started_on=r.started_on, probation_end=r.probation_end,
                         status=r.status, regular_on=r.regular_on,
                         checklist=[ChecklistItemOut(item=c["item"], done_on=date.fromisoformat(c["done_on"])
                                                     if c.get("done_on") else None, by=c.get("by", ""))
                                    for c in r.checklist or []])  # fmt: skip


def start_onboarding(session: Session, actor: Actor, body: OnboardingIn, *, now: datetime | None = None) -> OnboardingOut:
    """Give a new hire its mentor, checklist and probation end (the mentor is told)."""
    now = now or utc_now()
    manager(actor)
    agent, mentor = own(session, actor, body.agent_id), store.agent(session, body.mentor_id)
    near("started_on", body.started_on, now=now)
    if mentor.id == agent.id or mentor.shop_id != agent.shop_id:
        raise bad_argument("mentor_id", "带教人须是同店铺的另一位客服", "the mentor is another agent of the same shop")
    if session.get(Onboarding, agent.id) is not None:
        raise store.conflict(f"{agent.name} 已在入职培训中", f"{agent.name} is already onboarding", agent=agent.id)
    row = Onboarding(agent_id=agent.id, mentor_id=mentor.id, started_on=body.started_on,
                     probation_end=people.probation_end(body.started_on, body.months), status="probation",
                     checklist=[{"item": item, "done_on": None, "by": ""} for item in people.CHECKLIST],
                     created_by=actor.name)  # fmt: skip
    session.add(row)
    session.flush()
    events.onboarding_started(session, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name, now=now,
                              mentor_id=mentor.id, probation_end=row.probation_end.isoformat(),
                              tell=f"{mentor.name} 带教新同事 {agent.name}, 试用期至 {row.probation_end}")  # fmt: skip
    return _view(session, row)


def list_onboardings(session: Session, actor: Actor, shop_id: str | None = None) -> list[OnboardingOut]:
    """Onboardings still on probation first, by probation end: a shop's (supervisors: their team's);
    an agent's own and those it mentors (so the mentor can tick the checklist)."""
    stmt = select(Onboarding).join(Agent, Agent.id == Onboarding.agent_id)
    if access.is_agent(actor):
        mine = access.agent_of(actor)
        stmt = stmt.where((Onboarding.agent_id == mine) | (Onboarding.mentor_id == mine))
    else:
        manager(actor)
        stmt = stmt.where(Agent.shop_id == shop_id) if shop_id else stmt
        stmt = stmt.where(Agent.team == actor.team) if actor.role == "supervisor" and actor.team else stmt
    rows = session.scalars(stmt.order_by(Onboarding.status, Onboarding.probation_end, Onboarding.agent_id))
    return [_view(session, r) for r in rows]


def shop_agents(session: Session, actor: Actor, shop_id: str) -> list[Peer]:
    """The active agents of a shop a supervisor may act for (its team when it has one), for the pages' pickers."""
    manager(actor)
    stmt = select(Agent.id, Agent.name).where(Agent.shop_id == shop_id, Agent.active)
    if actor.role == "supervisor" and actor.team:
        stmt = stmt.where(Agent.team == actor.team)
    return [Peer(agent_id=str(i), name=str(n)) for i, n in session.execute(stmt.order_by(Agent.id))]


def _onboarding(session: Session, agent_id: str) -> Onboarding:
    return store.locked(session, Onboarding, agent_id, "入职培训 / onboarding")


def tick_onboarding(session: Session, actor: Actor, agent_id: str, item: int, *,
                    now: datetime | None = None) -> OnboardingOut:  # fmt: skip
    """The mentor (or a supervisor) marks checklist item ``item`` (from 0) done."""
    now = now or utc_now()
    row = _onboarding(session, agent_id)
    if not (actor.role == "agent" and actor.agent_id == row.mentor_id):
        manager(actor)
        own(session, actor, agent_id)
    if not 0 <= item < len(row.checklist or []):
        raise bad_argument("item", f"清单共 {len(row.checklist)} 项 (从 0 开始)", f"the checklist has {len(row.checklist)} items (from 0)")
    checklist = [dict(c) for c in row.checklist]
    if checklist[item].get("done_on"):
        raise store.conflict("该项已完成", "that item is already done", item=item)
    checklist[item].update(done_on=today(now).isoformat(), by=actor.name)
    row.checklist = checklist
    events.onboarding_item_done(session, agent_id=agent_id, actor=actor.name, now=now, item=checklist[item]["item"])
    return _view(session, row)


def early_regular(session: Session, actor: Actor, agent_id: str, *, month: str | None = None,
                  now: datetime | None = None) -> EarlyRegularOut:  # fmt: skip
    """Whether to propose early 转正: checklist done and the month's KPI score at least the team's norm."""
    from kefu.service.credit import actions_pay as pay

    agent = own(session, actor, agent_id)
    row = _onboarding(session, agent.id)
    month = month or today(now).strftime("%Y-%m")
    scores = pay.month_pay(session, month, shop_id=agent.shop_id).scores
    regular = [s.total for s in scores if s.agent != agent.id and not s.excluded]
    norm = sum(regular, Decimal(0)) / len(regular) if regular else None
    mine = next((s.total for s in scores if s.agent == agent.id), None)
    done = all(c.get("done_on") for c in row.checklist or [])
    result = people.early_regular(done, {KPI.metric: mine}, {KPI.metric: norm}, [KPI])
    return EarlyRegularOut(agent_id=agent.id, month=month, eligible=result.eligible and row.status == "probation",
                           checklist_done=done,
                           checks=[CheckOut(metric=c.metric, label=c.label, value=None if c.value is None else str(c.value),
                                            norm=None if c.norm is None else str(round(c.norm, 2)), met=c.met)
                                   for c in result.checks])  # fmt: skip


def confirm_regular(session: Session, actor: Actor, agent_id: str, day: date, *,
                    now: datetime | None = None) -> OnboardingOut:  # fmt: skip
    """A supervisor makes the probationer regular (转正) on ``day`` (early when before the probation end)."""
    now = now or utc_now()
    manager(actor)
    agent = own(session, actor, agent_id)
    row = _onboarding(session, agent.id)
    if row.status != "probation":
        raise store.conflict(f"已于 {row.regular_on} 转正", f"already regular since {row.regular_on}",
                             status=STATUS_TEXT.get(row.status, row.status))  # fmt: skip
    if day < row.started_on:
        raise bad_argument("day", "转正日不能早于入职日", "cannot become regular before starting")
    row.status, row.regular_on = "regular", day
    events.onboarding_regular(session, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name, now=now,
                              day=day.isoformat(), early=day < row.probation_end,
                              tell=f"{agent.name} 于 {day} 转正" + (" (提前)" if day < row.probation_end else ""))  # fmt: skip
    return _view(session, row)


def _goal_view(r: AgentGoal) -> GoalOut:
    return GoalOut(id=r.id, agent_id=r.agent_id, metric=r.metric, label=r.label, lower_is_better=r.lower_is_better,
                   norm=r.norm, factor=r.factor, target=r.target, start=r.start, end=r.end, direction=r.direction,
                   created_by=r.created_by)  # fmt: skip


def set_goal(session: Session, actor: Actor, body: GoalIn, *, now: datetime | None = None) -> GoalOut:
    """A six-month goal at 120–130 % of the team norm (the agent is told)."""
    now = now or utc_now()
    manager(actor)
    agent = own(session, actor, body.agent_id)
    near("start", body.start, now=now)
    target = growth.goal_target(body.norm, body.factor, body.lower_is_better)
    row = AgentGoal(agent_id=agent.id, metric=body.metric.strip(), label=body.label.strip(),
                    lower_is_better=body.lower_is_better, norm=str(body.norm), factor=str(body.factor),
                    target=str(target), start=body.start, end=people.add_months(body.start, growth.GOAL_MONTHS),
                    direction=body.direction.strip(), created_by=actor.name, created_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    events.goal_set(session, goal_id=row.id, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name, now=now,
                    metric=row.metric, target=row.target, end=row.end.isoformat(),
                    tell=f"{agent.name} 的半年目标: {row.label} {'≤' if row.lower_is_better else '≥'} {target.normalize()}"
                         f" (至 {row.end})")  # fmt: skip
    return _goal_view(row)


def list_goals(session: Session, actor: Actor, agent_id: str | None) -> list[GoalOut]:
    """The agent's goals, latest first (agents: their own)."""
    agent = own(session, actor, agent_id)
    rows = session.scalars(select(AgentGoal).where(AgentGoal.agent_id == agent.id)
                           .order_by(AgentGoal.start.desc(), AgentGoal.id.desc()))  # fmt: skip
    return [_goal_view(r) for r in rows]
