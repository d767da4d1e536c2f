"""Who acts: the actor of a team use-case and the data half of its permission.

Roles say who may call a use-case: ``require_roles`` on the API (the one role
check, enumerated by the permission matrix) and ``kefu_page(roles=…)`` on pages.
The CLI has no such dependency (``--by SUPERVISOR`` names an account), so the
deciding use-cases re-check the actor's role here (:func:`approver`,
:func:`manager`). Whether *this* row is the actor's depends on the data: agents
act only for themselves (:func:`kefu.service.access.own_agent`), accept only swaps
offered to them; supervisors with a team decide for that team; admins for all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.service import access
from kefu.service.team import store
from kefu.store.models.org import Agent

APPROVERS = ("admin", "supervisor")


@dataclass(frozen=True)
class Actor:
    """The person behind a call: a signed-in user, a token, or the CLI acting as a named user or agent."""

    name: str
    role: str  # admin | supervisor | agent | integration
    agent_id: str | None = None
    team: str = ""


def actor_named(session: Session, username: str) -> Actor:
    """The CLI's ``--by SUPERVISOR``: an active user account."""
    user = store.user_named(session, username)
    return Actor(user.username, user.role, user.agent_id, user.team)


def agent_actor(session: Session, agent_id: str) -> Actor:
    """The CLI acting as an agent (``--agent A`` / ``--by B``): the agent must exist."""
    row = store.agent(session, agent_id)
    return Actor(row.id, "agent", row.id, row.team)


def own(session: Session, actor: Actor, agent_id: str | None) -> Agent:
    """The agent row a request is for, when the actor may act for it.

    Agents: only themselves (:func:`kefu.service.access.own_agent`; left out = their own).
    Supervisors with a team: only that team's agents.
    """
    agent_id = access.own_agent(actor, agent_id)
    if not agent_id:
        raise bad_argument("agent_id", "请指定客服", "name the agent")
    row = store.agent(session, agent_id)
    if actor.role == "supervisor" and actor.team and row.team != actor.team:
        raise access.forbidden("只能处理本组客服的申请", "supervisors act only for their own team", agent=agent_id)
    return row


def approver(actor: Actor, agent: Agent) -> None:
    """Supervisors (of the agent's team when they have one) and admins decide."""
    if actor.role not in APPROVERS:
        raise access.forbidden("只有主管可以审批", "only a supervisor may decide")
    if actor.role == "supervisor" and actor.team and agent.team != actor.team:
        raise access.forbidden("只能审批本组客服的申请", "supervisors decide only for their own team")


def manager(actor: Actor) -> None:
    """Supervisors and admins only (shop-wide acts: open shifts, briefings, the fund)."""
    if actor.role not in APPROVERS:
        raise access.forbidden("只有主管可以操作", "only a supervisor may do this")


def today(now: datetime | None = None) -> date:
    return (now or utc_now()).astimezone(SHOP_TZ).date()


def near(name: str, *days: date, now: datetime | None = None) -> None:
    """Team requests concern the coming year (and the last month, for sick leave filed late)."""
    base = today(now)
    for day in days:
        if not base - timedelta(days=31) <= day <= base + timedelta(days=366):
            raise bad_argument(name, "日期应在过去 31 天到未来一年之内", "the date must lie within the last 31 days and the next year",
                               value=day.isoformat())


def agent_names(session: Session, ids: set[str]) -> dict[str, str]:
    """Display names of agents (the id itself for an unknown one)."""
    found = {str(i): str(n) for i, n in session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(ids)))}
    return {i: found.get(i, i) for i in ids}
