"""Leave use-cases: request → supervisor approves (roster re-planned, 调休 drawn) or rejects; balances.

Approval changes the roster only where it must: the agent's own rostered work
days in the range become rest days, and the rest of the month is re-planned by
the roster engine with as few changes as it can (:mod:`.actions_leave_roster`,
which falls back to offering the freed shifts as open shifts and says why). Every
changed cell is recorded on the request and in the approval event.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import utc_now
from kefu.service.live import actions_presence as presence
from kefu.service.team import events, store
from kefu.service.team.actions_common import Actor, approver, near, own, today
from kefu.service.team.actions_leave_roster import apply_leave
from kefu.service.team.schemas import BalanceOut, LeaveIn, LeaveOut, ReplanOut, RosterChange
from kefu.store.models.org import Agent
from kefu.store.models.plan import LeaveRequest
from kefu.team import flow
from kefu.team import leave as rules


def _policy(session: Session, shop_id: str | None) -> rules.LeavePolicy:
    raw = store.team_settings(session, shop_id).get("leave") or {}
    base = rules.LeavePolicy()
    return rules.LeavePolicy(int(raw.get("annual_days", base.annual_days)), int(raw.get("max_days", base.max_days)),
                             int(raw.get("sick_backdate_days", base.sick_backdate_days)),
                             int(raw.get("day_minutes", base.day_minutes)))  # fmt: skip


def _view(r: LeaveRequest, agent: tuple[str, str | None]) -> LeaveOut:
    kind = rules.LeaveKind(r.kind)
    return LeaveOut(
        id=r.id, agent_id=r.agent_id, agent_name=agent[0], shop_id=agent[1], kind=kind.value, kind_label=rules.LABELS[kind][0],
        first_day=r.first_day, last_day=r.last_day, days=r.days, minutes=r.minutes, status=r.status, reason=r.note,
        created_at=r.created_at, created_by=r.created_by, decided_by=r.decided_by, decided_at=r.decided_at,
        decision_note=r.decision_note, roster_changes=[RosterChange(**c) for c in r.roster_changes or []],
    )  # fmt: skip


def _taken(session: Session, agent: Agent, first: date, last: date, policy: rules.LeavePolicy) -> tuple[int, int]:
    """(days, 调休 minutes) the range takes from the agent's current roster."""
    found = store.cells(session, [agent.id], first, last)
    minutes = store.shift_minutes(session, agent.shop_id)
    days = []
    d = first
    while d <= last:
        entry = found.get((agent.id, d))
        shift = None if entry is None else entry.shift_code
        days.append(rules.LeaveDay(d, shift, minutes.get(shift or "", 0)))
        d += timedelta(days=1)
    taken = rules.taken_days(days, store.CALENDAR.is_workday)
    return len(taken), rules.comp_minutes(taken, policy)


def _balances(session: Session, agent_id: str, year: int, policy: rules.LeavePolicy,
              skip: int | None = None) -> list[rules.Balance]:  # fmt: skip
    booked = [rules.Booked(rules.LeaveKind(r.kind), r.status, r.days, r.minutes)
              for r in store.year_leave(session, agent_id, year) if r.id != skip]  # fmt: skip
    return rules.balances(booked, policy, presence.comp_leave_balance(session, agent_id))


def _check_balance(session: Session, agent_id: str, kind: rules.LeaveKind, first: date, days: int, minutes: int,
                   policy: rules.LeavePolicy, skip: int | None = None) -> None:  # fmt: skip
    balance = next(b for b in _balances(session, agent_id, first.year, policy, skip) if b.kind is kind)
    rules.check_balance(kind, days, minutes, balance)


def request_leave(session: Session, actor: Actor, body: LeaveIn, *, now: datetime | None = None) -> LeaveOut:
    """File a leave request (the agent for itself, or a supervisor for a team member)."""
    now = now or utc_now()
    agent = own(session, actor, body.agent_id)
    near("from", body.first_day, body.last_day, now=now)
    kind = rules.parse_kind(body.kind)
    policy = _policy(session, agent.shop_id)
    rules.check_dates(kind, body.first_day, body.last_day, today(now), policy)
    clash = store.overlapping_leave(session, agent.id, body.first_day, body.last_day)
    if clash is not None:
        raise store.conflict(f"与假期申请 #{clash} 的日期重叠", f"overlaps leave request #{clash}", leave=clash)
    days, minutes = _taken(session, agent, body.first_day, body.last_day, policy)
    if days == 0:
        raise bad_argument("to", "所选日期内没有需要上班的日子", "no working day in the chosen dates")
    if kind is not rules.LeaveKind.COMP:
        minutes = 0
    _check_balance(session, agent.id, kind, body.first_day, days, minutes, policy)
    row = LeaveRequest(agent_id=agent.id, first_day=body.first_day, last_day=body.last_day, kind=kind.value,
                       status="pending", note=body.reason.strip(), created_at=now, created_by=actor.name, days=days,
                       minutes=minutes, roster_changes=[])  # fmt: skip
    session.add(row)
    session.flush()
    events.leave_requested(session, leave_id=row.id, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name,
                           now=now, kind=kind.value, first=body.first_day.isoformat(), last=body.last_day.isoformat(),
                           days=days)  # fmt: skip
    return _view(row, (agent.name, agent.shop_id))


def approve_leave(session: Session, actor: Actor, leave_id: int, note: str = "", *,
                  now: datetime | None = None) -> LeaveOut:  # fmt: skip
    """Approve: re-check the balance, draw 调休, free the agent's cells and fill them with minimal change, tell who moved."""
    now = now or utc_now()
    row = store.locked(session, LeaveRequest, leave_id, "假期申请 / leave request")
    agent = store.agent(session, row.agent_id)
    approver(actor, agent)
    row.status = flow.LEAVE.next(row.status, "approve")
    kind = rules.LeaveKind(row.kind)
    policy = _policy(session, agent.shop_id)
    row.days, minutes = _taken(session, agent, row.first_day, row.last_day, policy)
    row.minutes = minutes if kind is rules.LeaveKind.COMP else 0
    _check_balance(session, agent.id, kind, row.first_day, row.days, row.minutes, policy, skip=row.id)
    if row.minutes:
        presence.take_comp_leave(session, agent.id, row.minutes, row.first_day, now=now, actor=actor.name)
    row.decided_by, row.decided_at, row.decision_note = actor.name, now, note.strip()
    session.flush()  # the re-plan reads the approved leave
    done = apply_leave(session, actor, row, agent, now)
    row.roster_changes = done.changes
    freed = "、".join(c["day"][5:] for c in done.changes if c["agent"] == agent.id
                     and row.first_day.isoformat() <= c["day"] <= row.last_day.isoformat()) or "无"
    others = len({c["agent"] for c in done.changes} - {agent.id})
    how = {"replanned": f"; 已重排, {others} 位同事的班次调整", "freed": "; 空出的班次已开放领取"}.get(done.outcome, "")
    events.leave_approved(session, leave_id=row.id, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name, now=now,
                          note=row.decision_note, changes=row.roster_changes,
                          replan={"outcome": done.outcome, "reason": done.reason, "reason_en": done.reason_en},
                          tell=f"{agent.name} 的{rules.LABELS[kind][0]} {row.first_day}~{row.last_day} 已批准 "
                               f"(审批 {actor.name}); 排班改为休息: {freed}{how}")  # fmt: skip
    out = _view(row, (agent.name, agent.shop_id))
    out.replan = ReplanOut(outcome=done.outcome, reason=done.reason, reason_en=done.reason_en, open_shifts=done.opened)
    return out


def reject_leave(session: Session, actor: Actor, leave_id: int, note: str, *, now: datetime | None = None) -> LeaveOut:
    """Reject with a note the agent reads."""
    now = now or utc_now()
    if not note.strip():
        raise bad_argument("note", "驳回须写明原因", "a rejection needs a note")
    row = store.locked(session, LeaveRequest, leave_id, "假期申请 / leave request")
    agent = store.agent(session, row.agent_id)
    approver(actor, agent)
    row.status = flow.LEAVE.next(row.status, "reject")
    row.decided_by, row.decided_at, row.decision_note = actor.name, now, note.strip()
    label = rules.LABELS[rules.LeaveKind(row.kind)][0]
    events.leave_rejected(session, leave_id=row.id, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name, now=now,
                          note=row.decision_note,
                         tell=f"{agent.name} 的{label} {row.first_day}~{row.last_day} 未批准: {row.decision_note}")  # fmt: skip
    return _view(row, (agent.name, agent.shop_id))


def cancel_leave(session: Session, actor: Actor, leave_id: int, *, now: datetime | None = None) -> LeaveOut:
    """The agent withdraws a request still waiting for the supervisor."""
    now = now or utc_now()
    row = store.locked(session, LeaveRequest, leave_id, "假期申请 / leave request")
    agent = own(session, actor, row.agent_id)
    row.status = flow.LEAVE.next(row.status, "cancel")
    events.leave_cancelled(session, leave_id=row.id, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name,
                           now=now)  # fmt: skip
    return _view(row, (agent.name, agent.shop_id))


def list_leave(session: Session, actor: Actor, *, agent_id: str | None = None, status: str | None = None,
               limit: int = 200) -> list[LeaveOut]:  # fmt: skip
    """Leave requests newest first: an agent sees its own; a supervisor with a team sees that team."""
    stmt = select(LeaveRequest).join(Agent, Agent.id == LeaveRequest.agent_id)
    if actor.role == "agent":
        agent_id = actor.agent_id or "-"
    elif actor.role == "supervisor" and actor.team:
        stmt = stmt.where(Agent.team == actor.team)
    if agent_id:
        stmt = stmt.where(LeaveRequest.agent_id == agent_id)
    if status:
        stmt = stmt.where(LeaveRequest.status == status)
    rows = session.execute(stmt.add_columns(Agent.name, Agent.shop_id).order_by(LeaveRequest.id.desc()).limit(limit)).all()
    return [_view(r, (name, shop)) for r, name, shop in rows]


def leave_balances(session: Session, actor: Actor, agent_id: str, *, year: int | None = None,
                   now: datetime | None = None) -> list[BalanceOut]:  # fmt: skip
    """Entitled, used, pending and remaining per leave kind (调休 in minutes, from the ledger)."""
    agent = own(session, actor, agent_id)
    policy = _policy(session, agent.shop_id)
    return [BalanceOut(kind=b.kind.value, label=rules.LABELS[b.kind][0], unit=b.unit, entitled=b.entitled, used=b.used,
                       pending=b.pending, remaining=b.remaining)
            for b in _balances(session, agent.id, year or today(now).year, policy)]  # fmt: skip
