"""Shift swaps (agent A asks, peer B accepts, the supervisor approves), who could take a shift, open shifts.

The hard rules are re-checked with the roster engine's checker at acceptance
(the findings are stored for the supervisor) and again at approval, on the roster
as it is then: approval refuses with every broken rule named, in Chinese and
English, and stores nothing. An approval also refuses when either cell changed
since the request, so nobody swaps a shift they no longer hold.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from kefu.domain.errors import bad_argument, not_found
from kefu.domain.timeutil import utc_now
from kefu.plan.roster.rules import FAMILY_TEXT, Violation
from kefu.plan.roster.types import Assignment
from kefu.service import access
from kefu.service.team import events, store
from kefu.service.team.actions_common import (
    Actor,
    agent_names,
    approver,
    manager,
    near,
    own,
    today,
)
from kefu.service.team.schemas import FitOut, RuleOut, SwapIn, SwapOut
from kefu.store.models.org import Agent
from kefu.store.models.team import ShiftSwap
from kefu.team import flow
from kefu.team import swap as rules


def _rule(v: Violation) -> RuleOut:
    return RuleOut(agent=v.agent, day=v.day, rule=v.rule, message=v.message, message_en=v.message_en)


def _view(session: Session, r: ShiftSwap) -> SwapOut:
    names = agent_names(session, {r.requester, r.peer})
    return SwapOut(
        id=r.id, day=r.day, requester=r.requester, requester_name=names[r.requester], peer=r.peer,
        peer_name=names[r.peer], status=r.status, reason=r.reason, cells=dict(r.cells or {}), created_at=r.created_at,
        accepted_at=r.accepted_at, decided_by=r.decided_by, decided_at=r.decided_at, decision_note=r.decision_note,
        findings=[RuleOut(**f) for f in r.findings or []],
    )  # fmt: skip


def _shift(code: str) -> str:
    return code or "休息"


def _check(session: Session, r: ShiftSwap) -> tuple[store.Window, list[Violation]]:
    """The window around the swap day and the violations the swap would add there; refuses stale cells."""
    win = store.window(session, r.shop_id or "", r.day)
    for agent in (r.requester, r.peer):
        cell = store.cell_at(win, agent, r.day)
        if (cell.shift if cell else "") != (r.cells or {}).get(agent, ""):
            raise store.conflict(f"{agent} 在 {r.day} 的班次已变更, 请重新申请",
                                 f"{agent}'s shift on {r.day} changed since the request; ask again", agent=agent)
    after = rules.swapped(win.problem, win.roster, r.requester, r.peer, win.index(r.day))
    return win, rules.added_violations(win.problem, win.roster, after, [r.requester, r.peer])


def request_swap(session: Session, actor: Actor, body: SwapIn, *, now: datetime | None = None) -> SwapOut:
    """Agent A asks peer B to exchange their cells of a day (a work day for a rest day is a cover)."""
    now = now or utc_now()
    agent = own(session, actor, body.agent_id)
    peer = store.agent(session, body.peer_id)
    if peer.id == agent.id:
        raise bad_argument("with", "不能与自己换班", "cannot swap with oneself")
    if peer.shop_id != agent.shop_id or agent.shop_id is None:
        raise bad_argument("with", "只能与同一店铺的客服换班", "swaps are within one shop")
    near("date", body.day, now=now)
    if body.day <= today(now):
        raise bad_argument("date", "换班须提前申请 (最早明天)", "swaps are arranged in advance (from tomorrow on)")
    win = store.window(session, agent.shop_id, body.day)
    mine, theirs = store.cell_at(win, agent.id, body.day), store.cell_at(win, peer.id, body.day)
    if mine is None and theirs is None:
        raise bad_argument("date", "两人当天都休息, 没有可换的班", "both rest that day: there is nothing to swap")
    if mine is not None and theirs is not None and (mine.shift, mine.skill) == (theirs.shift, theirs.skill):
        raise bad_argument("date", f"两人当天都是 {mine.shift}, 无需换班", f"both work {mine.shift} that day: nothing to swap")
    busy = session.scalar(select(ShiftSwap.id).where(
        ShiftSwap.day == body.day, ShiftSwap.status.in_(("requested", "accepted")),
        or_(ShiftSwap.requester.in_((agent.id, peer.id)), ShiftSwap.peer.in_((agent.id, peer.id)))).limit(1))  # fmt: skip
    if busy is not None:
        raise store.conflict(f"当天已有进行中的换班申请 #{busy}", f"swap #{busy} for that day is still open", swap=busy)
    cells = {agent.id: mine.shift if mine else "", peer.id: theirs.shift if theirs else ""}
    row = ShiftSwap(shop_id=agent.shop_id, day=body.day, requester=agent.id, peer=peer.id, status="requested",
                    reason=body.reason.strip(), created_at=now, cells=cells, findings=[])  # fmt: skip
    session.add(row)
    session.flush()
    events.swap_requested(session, swap_id=row.id, requester=agent.id, peer=peer.id, shop_id=agent.shop_id,
                          actor=actor.name, now=now, day=body.day.isoformat(), cells=cells,
                      tell=f"{agent.name} 想与 {peer.name} 交换 {body.day} 的班次 ({_shift(cells[agent.id])} ↔ "
                           f"{_shift(cells[peer.id])}), 请 {peer.name} 在「我的」页面接受或拒绝")  # fmt: skip
    return _view(session, row)


def _peer_answers(session: Session, actor: Actor, swap_id: int, action: str, now: datetime) -> ShiftSwap:
    row = store.locked(session, ShiftSwap, swap_id, "换班申请 / swap")
    if actor.role != "agent" or actor.agent_id != row.peer:
        raise access.forbidden("只有被邀请的客服可以接受或拒绝", "only the asked agent may accept or decline")
    row.status = flow.SWAP.next(row.status, action)
    return row


def accept_swap(session: Session, actor: Actor, swap_id: int, *, now: datetime | None = None) -> SwapOut:
    """The peer accepts; the rules are checked now and what breaks is stored for the supervisor."""
    now = now or utc_now()
    row = _peer_answers(session, actor, swap_id, "accept", now)
    _, found = _check(session, row)
    row.accepted_at, row.findings = now, [_rule(v).model_dump(mode="json") for v in found]
    broken = "、".join(dict.fromkeys(FAMILY_TEXT.get(v.rule, (v.rule,))[0] for v in found))
    events.swap_accepted(session, swap_id=row.id, requester=row.requester, peer=row.peer, shop_id=row.shop_id,
                         actor=actor.name, now=now, findings=row.findings,
                      tell=f"换班 #{row.id} ({row.day}) 双方已同意, 待主管审批" + (f"; 违反规则: {broken}" if broken else ""))  # fmt: skip
    return _view(session, row)


def decline_swap(session: Session, actor: Actor, swap_id: int, *, now: datetime | None = None) -> SwapOut:
    now = now or utc_now()
    row = _peer_answers(session, actor, swap_id, "decline", now)
    row.decided_by, row.decided_at = actor.name, now
    events.swap_declined(session, swap_id=row.id, requester=row.requester, peer=row.peer, shop_id=row.shop_id,
                          actor=actor.name, now=now)
    return _view(session, row)


def cancel_swap(session: Session, actor: Actor, swap_id: int, *, now: datetime | None = None) -> SwapOut:
    """The requester withdraws before the supervisor decides."""
    now = now or utc_now()
    row = store.locked(session, ShiftSwap, swap_id, "换班申请 / swap")
    own(session, actor, row.requester)
    row.status = flow.SWAP.next(row.status, "cancel")
    events.swap_cancelled(session, swap_id=row.id, requester=row.requester, peer=row.peer, shop_id=row.shop_id,
                          actor=actor.name, now=now)
    return _view(session, row)


def approve_swap(session: Session, actor: Actor, swap_id: int, note: str = "", *,
                 now: datetime | None = None) -> SwapOut:  # fmt: skip
    """Approve and apply the swap, or refuse naming every hard rule it would break (nothing stored)."""
    now = now or utc_now()
    row = store.locked(session, ShiftSwap, swap_id, "换班申请 / swap")
    for agent_id in (row.requester, row.peer):
        approver(actor, store.agent(session, agent_id))
    status = flow.SWAP.next(row.status, "approve")
    win, found = _check(session, row)
    if found:
        raise rules.rule_broken(found)
    day = win.index(row.day)
    mine, theirs = (win.roster.get(a, [None] * win.problem.days)[day] for a in (row.requester, row.peer))
    for agent_id, cell in ((row.requester, theirs), (row.peer, mine)):
        store.set_cell(session, row.shop_id or "", agent_id, row.day, cell.shift if cell else "", cell.skill if cell else "")
    row.status, row.decided_by, row.decided_at, row.decision_note = status, actor.name, now, note.strip()
    names = agent_names(session, {row.requester, row.peer})
    events.swap_approved(session, swap_id=row.id, requester=row.requester, peer=row.peer, shop_id=row.shop_id,
                          actor=actor.name, now=now, note=row.decision_note,
                      tell=f"换班 #{row.id} 已批准: {row.day} {names[row.requester]} 上 {_shift(theirs.shift if theirs else '')}, "
                           f"{names[row.peer]} 上 {_shift(mine.shift if mine else '')}")  # fmt: skip
    return _view(session, row)


def reject_swap(session: Session, actor: Actor, swap_id: int, note: str, *, now: datetime | None = None) -> SwapOut:
    now = now or utc_now()
    if not note.strip():
        raise bad_argument("note", "驳回须写明原因", "a rejection needs a note")
    row = store.locked(session, ShiftSwap, swap_id, "换班申请 / swap")
    for agent_id in (row.requester, row.peer):
        approver(actor, store.agent(session, agent_id))
    row.status = flow.SWAP.next(row.status, "reject")
    row.decided_by, row.decided_at, row.decision_note = actor.name, now, note.strip()
    events.swap_rejected(session, swap_id=row.id, requester=row.requester, peer=row.peer, shop_id=row.shop_id,
                          actor=actor.name, now=now, note=row.decision_note,
                      tell=f"换班 #{row.id} ({row.day}) 未批准: {row.decision_note}")  # fmt: skip
    return _view(session, row)


def list_swaps(session: Session, actor: Actor, *, status: str | None = None, limit: int = 200) -> list[SwapOut]:
    """Swaps newest first: an agent sees those it asked or was asked; a team supervisor those of the team."""
    stmt = select(ShiftSwap)
    if actor.role == "agent":
        me = actor.agent_id or "-"
        stmt = stmt.where(or_(ShiftSwap.requester == me, ShiftSwap.peer == me))
    elif actor.role == "supervisor" and actor.team:
        a, b = aliased(Agent), aliased(Agent)
        stmt = (stmt.join(a, a.id == ShiftSwap.requester).join(b, b.id == ShiftSwap.peer)
                .where(or_(a.team == actor.team, b.team == actor.team)))  # fmt: skip
    if status:
        stmt = stmt.where(ShiftSwap.status == status)
    return [_view(session, r) for r in session.scalars(stmt.order_by(ShiftSwap.id.desc()).limit(limit))]


def shift_candidates(session: Session, actor: Actor, shop_id: str, day: date, shift_code: str, skill: str,
                     *, exclude: str | None = None, now: datetime | None = None) -> list[FitOut]:  # fmt: skip
    """Who could work ``shift_code``/``skill`` on ``day``, best first (supervisors, or an agent for its own shift)."""
    near("day", day, now=now)
    win = store.window(session, shop_id, day)
    if shift_code not in {s.code for s in win.problem.shifts}:
        raise not_found("班次 / shift", shift_code)
    if actor.role == "agent":
        mine = store.cell_at(win, actor.agent_id or "", day)
        if mine is None or mine.shift != shift_code:
            raise access.forbidden("只能为自己的班次找人", "agents look for takers of their own shift only")
        exclude = actor.agent_id
    else:
        manager(actor)
    ids = [a.id for a in win.problem.agents if a.id != exclude]
    ranked = rules.fit_ranking(win.problem, win.roster, win.index(day), Assignment(shift_code, skill), ids, win.primary)
    names = agent_names(session, set(ids))
    return [FitOut(agent_id=f.agent, name=names[f.agent], eligible=f.eligible, rules=list(f.rules),
                   rule_labels=[FAMILY_TEXT.get(r, (r,))[0] for r in f.rules], primary_skill=f.primary_skill,
                   hours=f.hours) for f in ranked]  # fmt: skip
