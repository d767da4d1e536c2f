"""Queries and locks of the team area: one copy of each statement.

Requests are read ``FOR UPDATE`` on PostgreSQL before a decision, so two
supervisors clicking at once decide once (the second sees the new status and is
refused). Roster windows are whole calendar months around a day, so the rest-
days-per-month rule judges real months and a consecutive run crossing a month
edge is seen.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.calendar import BusinessCalendar
from kefu.domain.errors import ErrorCode, KefuError, not_found
from kefu.live.floor import unknown_agent
from kefu.plan.roster.types import Assignment, Roster, RosterProblem, Rules
from kefu.service.plan import roster as roster_svc
from kefu.store.models.org import Agent, Shop, User
from kefu.store.models.plan import LeaveRequest, RosterEntry, ShiftTemplate
from kefu.store.models.team import AgentLevel

CALENDAR = BusinessCalendar()
MONTHLY_OVERTIME_HOURS = 36  # 劳动法 第41条: the contract's hours plus at most this much overtime a month
M = TypeVar("M")


def is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def locked(session: Session, model: type[M], key: object, what: str) -> M:
    """A row by primary key, locked for this transaction on PostgreSQL; NOT_FOUND when absent."""
    stmt = select(model).where(model.__mapper__.primary_key[0] == key)  # type: ignore[attr-defined]
    row = session.scalars(stmt.with_for_update() if is_pg(session) else stmt).first()
    if row is None:
        raise not_found(what, key)
    return row


def agent(session: Session, agent_id: str) -> Agent:
    row = session.get(Agent, agent_id)
    if row is None:
        raise unknown_agent(agent_id)
    return row


def shop(session: Session, shop_id: str) -> Shop:
    row = session.get(Shop, shop_id)
    if row is None:
        raise not_found("店铺 / shop", shop_id)
    return row


def user_named(session: Session, username: str) -> User:
    row = session.scalar(select(User).where(User.username == username, User.active))
    if row is None:
        raise not_found("用户 / user", username)
    return row


def team_settings(session: Session, shop_id: str | None) -> dict[str, Any]:
    """``Shop.settings["team"]``: leave, ladder, rewards and attendance settings."""
    settings = session.scalar(select(Shop.settings).where(Shop.id == shop_id)) if shop_id else None
    return dict((settings or {}).get("team") or {})


def roster_rules(session: Session, shop_id: str | None) -> Rules:
    """The shop's hard roster rules (``Shop.settings["roster"]``), defaults otherwise."""
    settings = session.scalar(select(Shop.settings).where(Shop.id == shop_id)) if shop_id else None
    raw = dict((settings or {}).get("roster") or {})
    base = Rules()
    return Rules(int(raw.get("rest_days_per_month", base.rest_days_per_month)),
                 int(raw.get("max_consecutive", base.max_consecutive)),
                 float(raw.get("min_rest_hours", base.min_rest_hours)))  # fmt: skip


def cells(session: Session, agent_ids: list[str], first: date, last: date) -> dict[tuple[str, date], RosterEntry]:
    rows = session.scalars(select(RosterEntry).where(RosterEntry.agent_id.in_(agent_ids), RosterEntry.day >= first,
                                                     RosterEntry.day <= last))  # fmt: skip
    return {(r.agent_id, r.day): r for r in rows}


def set_cell(session: Session, shop_id: str, agent_id: str, day: date, shift: str, skill: str) -> str:
    """Write one roster cell ("" = rest) keeping its skill; returns the shift it had before."""
    entry = session.scalar(select(RosterEntry).where(RosterEntry.agent_id == agent_id, RosterEntry.day == day))
    if entry is None:
        entry = RosterEntry(shop_id=shop_id, agent_id=agent_id, day=day, shift_code="", skill="", breaks=[])
        session.add(entry)
    before = entry.shift_code
    entry.shift_code, entry.skill, entry.breaks = shift, skill if shift else "", []
    session.flush()
    return before


def free_days(session: Session, agent_id: str, first: date, last: date) -> list[dict[str, str]]:
    """Make the agent's rostered work days in the range rest days; the cells that changed.

    Only this agent's own cells change; filling the gap is the re-plan's
    (:mod:`kefu.service.team.actions_leave_roster`).
    """
    changes = []
    for (_, day), entry in sorted(cells(session, [agent_id], first, last).items(), key=lambda kv: kv[0][1]):
        if entry.shift_code:
            changes.append({"day": day.isoformat(), "before": entry.shift_code, "skill": entry.skill, "after": ""})
            entry.shift_code, entry.skill, entry.breaks = "", "", []
    session.flush()
    return changes


def leave_days(session: Session, agent_ids: list[str], first: date, last: date) -> dict[str, frozenset[date]]:
    """Approved leave days per agent inside [first, last]."""
    rows = session.execute(select(LeaveRequest.agent_id, LeaveRequest.first_day, LeaveRequest.last_day).where(
        LeaveRequest.agent_id.in_(agent_ids), LeaveRequest.status == "approved",
        LeaveRequest.first_day <= last, LeaveRequest.last_day >= first)).all()  # fmt: skip
    out: dict[str, set[date]] = {}
    for agent_id, lo, hi in rows:
        d = max(lo, first)
        while d <= min(hi, last):
            out.setdefault(agent_id, set()).add(d)
            d += timedelta(days=1)
    return {k: frozenset(v) for k, v in out.items()}


@dataclass(frozen=True)
class Window:
    """The whole calendar months around a day, as the roster engine sees them."""

    problem: RosterProblem
    roster: Roster
    primary: dict[str, str]  # agent -> main skill

    def index(self, day: date) -> int:
        return (day - self.problem.start).days


def window(session: Session, shop_id: str, day: date) -> Window:
    """Agents (with approved leave and contract hours), shifts, rules and stored roster around ``day``."""
    first = (day - timedelta(days=7)).replace(day=1)
    last = ((day + timedelta(days=7)).replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    days = (last - first).days + 1
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    problem = roster_svc.db_problem(session, shop_id, first, days, roster_rules(session, shop_id))
    rows = {a.id: a for a in session.scalars(select(Agent).where(Agent.shop_id == shop_id, Agent.active))}
    leave = leave_days(session, list(rows), first, last)
    problem.agents = [replace(a, leave=leave.get(a.id, frozenset()),
                              max_hours=months * (rows[a.id].contract_minutes_month / 60 + MONTHLY_OVERTIME_HOURS))
                      for a in problem.agents]  # fmt: skip
    roster = roster_svc.load_roster(session, shop_id, first, days)
    primary = {a.id: (a.skills or [""])[0] for a in rows.values()}
    return Window(problem, roster, primary)


def cell_at(win: Window, agent_id: str, day: date) -> Assignment | None:
    line = win.roster.get(agent_id)
    return line[win.index(day)] if line else None


def conflict(zh: str, en: str, **details: Any) -> KefuError:
    return KefuError(ErrorCode.CONFLICT, zh, en, dict(details))


def shift_minutes(session: Session, shop_id: str | None) -> dict[str, int]:
    """Paid minutes per shift code of a shop: start to end (past midnight when end ≤ start) less meal breaks."""
    out = {}
    for s in session.scalars(select(ShiftTemplate).where(ShiftTemplate.shop_id == shop_id)):
        start, end = int(s.start[:2]) * 60 + int(s.start[3:]), int(s.end[:2]) * 60 + int(s.end[3:])
        meal = sum(int(b.get("minutes", 0)) for b in (s.breaks or []) if b.get("kind") == "meal")
        out[s.code] = (end - start) % 1440 - meal
    return out


def overlapping_leave(session: Session, agent_id: str, first: date, last: date, skip: int | None = None) -> int | None:
    """The id of a pending or approved leave of the agent overlapping [first, last]."""
    stmt = select(LeaveRequest.id).where(LeaveRequest.agent_id == agent_id,
                                         LeaveRequest.status.in_(("pending", "approved")),
                                         LeaveRequest.first_day <= last, LeaveRequest.last_day >= first)  # fmt: skip
    if skip is not None:
        stmt = stmt.where(LeaveRequest.id != skip)
    return session.scalar(stmt.limit(1))


def year_leave(session: Session, agent_id: str, year: int) -> list[LeaveRequest]:
    """The agent's pending and approved leave starting in ``year``."""
    return list(session.scalars(select(LeaveRequest).where(
        LeaveRequest.agent_id == agent_id, LeaveRequest.status.in_(("pending", "approved")),
        LeaveRequest.first_day >= date(year, 1, 1), LeaveRequest.first_day <= date(year, 12, 31))))  # fmt: skip


def lock_agent(session: Session, agent_id: str) -> None:
    """Serialise an agent's requests that share a limit (PostgreSQL row lock; SQLite serialises writers)."""
    if is_pg(session):
        session.execute(select(Agent.id).where(Agent.id == agent_id).with_for_update())


def lock_shop(session: Session, shop_id: str) -> None:
    """Serialise writes that share a shop-wide balance (the activity fund)."""
    if is_pg(session):
        session.execute(select(Shop.id).where(Shop.id == shop_id).with_for_update())


def levels(session: Session, agent_ids: list[str]) -> dict[str, tuple[str, date]]:
    """Each agent's latest promotion-track step (level, since); agents never promoted are absent."""
    rows = session.execute(select(AgentLevel.agent_id, AgentLevel.level, AgentLevel.since).where(
        AgentLevel.agent_id.in_(agent_ids)).order_by(AgentLevel.since, AgentLevel.id))  # fmt: skip
    return {str(a): (str(lv), d) for a, lv, d in rows}  # the latest row of each agent wins
