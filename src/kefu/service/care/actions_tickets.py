"""Ticket use-cases (complaints, escalations, callbacks) with the agent's scope enforced here.

Every lifecycle change writes an event (:mod:`kefu.service.care.events`). Scope (issue 15, hole 4): an agent sees
and works only the tickets it owns in a shop it serves (``kefu.service.access``);
it creates tickets only for itself and only in a shop it serves; supervisors,
admins and integrations reach every ticket. Closing is for supervisors and
admins (a role rule, declared on the route). A ticket needs a known shop.
``viewer=None`` is the system itself (CLI, demo, tests of the engine rules).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kefu.care import tickets as tk
from kefu.domain import privacy
from kefu.domain.errors import ErrorCode, KefuError, bad_argument, not_found
from kefu.domain.timeutil import month_span, utc_now
from kefu.service import access
from kefu.service.access import Viewer
from kefu.service.care import events
from kefu.service.care import store as care_store
from kefu.service.care.actions import business_hours, care_settings
from kefu.store.models.care import Ticket
from kefu.store.models.org import Agent, Shop


def _facts(t: Ticket) -> tk.TicketFacts:
    return tk.TicketFacts(
        t.id, t.category, t.severity, t.status, t.created_at, t.first_response_at, t.resolved_at,
        t.department, t.root_cause, t.callback_at, t.callback_outcome,
    )  # fmt: skip


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def ticket_view(session: Session, t: Ticket, now: datetime | None = None, *, role: str = "agent") -> dict[str, Any]:
    """A ticket as ``role`` may see it: the summary and notes masked (PIPL) unless the role sees whole."""
    policy = tk.SlaPolicy.from_settings(care_settings(session, t.shop_id).get("sla"))
    rep = tk.sla_report(_facts(t), now or utc_now(), business_hours(session, t.shop_id), policy)
    iso = _iso
    return {
        "id": t.id, "shop_id": t.shop_id, "buyer": t.buyer, "order_id": t.order_id, "category": t.category,
        "severity": t.severity, "status": t.status, "department": t.department, "owner": t.owner,
        "summary": privacy.text_for(role, t.summary), "root_cause": t.root_cause, "created_at": iso(t.created_at),
        "first_response_at": iso(t.first_response_at), "resolved_at": iso(t.resolved_at),
        "callback_at": iso(t.callback_at), "callback_outcome": t.callback_outcome,
        "notes": [{**n, "text": privacy.text_for(role, str(n.get("text", "")))} for n in (t.notes or [])],
        "sla": {"first_response_due": iso(rep.first_response_due), "resolution_due": iso(rep.resolution_due),
                "first_response": rep.first_response, "resolution": rep.resolution,
                "first_response_minutes": rep.first_response_minutes, "resolution_minutes": rep.resolution_minutes},
    }  # fmt: skip


def _ticket(session: Session, ticket_id: int, viewer: Viewer | None, *, lock: bool = True) -> Ticket:
    """The ticket, locked for the change; 404 when unknown, 403 when outside the agent's scope."""
    t = session.get(Ticket, ticket_id, with_for_update=lock)
    if t is None:
        raise not_found("工单 / ticket", ticket_id)
    if not in_scope(session, viewer, t):
        raise access.forbidden("只能处理本店铺中分配给自己的工单", "agents may work only their own tickets in their shop",
                               ticket=ticket_id)
    return t


def in_scope(session: Session, viewer: Viewer | None, t: Ticket) -> bool:
    """Agents: tickets they own in a shop they serve; everyone else: every ticket."""
    return access.sees_agent(viewer, t.owner) and access.serves(session, viewer, t.shop_id)


# note kind → the event kind written with it (the timeline pairs them)
NOTE_OF = {"response": "ticket.responded", "escalation": "ticket.escalated", "resolution": "ticket.resolved",
           "callback": "ticket.callback_done"}


def _note(t: Ticket, kind: str, by: str, when: datetime, text: str, **extra: Any) -> None:
    t.notes = [*(t.notes or []), {"at": when.isoformat(), "by": by, "kind": kind, "text": text, **extra}]


def create_ticket(
    session: Session, *, shop_id: str, buyer: str, category: str, severity: str = "normal", summary: str = "",
    order_id: str | None = None, owner: str | None = None, by: str = "system", now: datetime | None = None,
    viewer: Viewer | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Log a complaint or after-sales case in a known shop; the SLA clock starts now.

    An agent creates tickets only for itself (no owner given = itself) and only in a shop it serves.
    """
    tk.check_new_ticket(category, severity)
    if not buyer.strip() or len(buyer) > 128 or not shop_id or len(shop_id) > 64 or len(order_id or "") > 64:
        raise bad_argument(
            "ticket",
            "买家(≤128)、店铺(≤64)必填, 订单号≤64",
            "buyer (≤128) and shop (≤64) required, order ≤64",
        )
    if session.get(Shop, shop_id) is None:
        raise not_found("店铺 / shop", shop_id)
    access.require_shop(session, viewer, shop_id)
    owner = access.own_agent(viewer, owner)
    if owner is not None and session.get(Agent, owner) is None:
        raise KefuError(ErrorCode.AGENT_UNKNOWN, f"未知客服 {owner}", f"unknown agent {owner}")
    when = now or utc_now()
    t = Ticket(shop_id=shop_id, buyer=buyer, order_id=order_id, category=category, severity=severity,
               status="open", department="", owner=owner, summary=summary, root_cause="", created_at=when,
               callback_outcome="", notes=[])  # fmt: skip
    session.add(t)
    session.flush()
    events.ticket_created(session, ticket_id=t.id, shop_id=shop_id, owner=owner, by=by, at=when, category=category,
                          severity=severity)
    return ticket_view(session, t, when)


def respond_ticket(
    session: Session, ticket_id: int, *, text: str, by: str, now: datetime | None = None, viewer: Viewer | None = None
) -> dict[str, Any]:
    """Record a reply to the buyer; the first one stops the first-response clock."""
    t, when = _ticket(session, ticket_id, viewer), now or utc_now()
    if t.status == "closed":
        tk.check_transition("closed", "open")
    if t.first_response_at is None:
        t.first_response_at = when
    _note(t, "response", by, when, text)
    events.ticket_responded(session, ticket_id=t.id, shop_id=t.shop_id, owner=t.owner, by=by, at=when)
    return ticket_view(session, t, when)


def escalate_ticket(
    session: Session, ticket_id: int, *, department: str, note: str, by: str, now: datetime | None = None,
    viewer: Viewer | None = None,
) -> dict[str, Any]:
    """Hand the case to logistics / tech / marketing with a note; the ticket stays ours to close."""
    tk.check_department(department)
    if not note.strip():
        raise bad_argument("note", "升级必须写明情况", "an escalation needs a note")
    t, when = _ticket(session, ticket_id, viewer), now or utc_now()
    tk.check_transition(t.status, "escalated")
    t.status, t.department = "escalated", department
    _note(t, "escalation", by, when, note, department=department)
    events.ticket_escalated(session, ticket_id=t.id, shop_id=t.shop_id, owner=t.owner, by=by, at=when,
                            department=department)
    return ticket_view(session, t, when)


def resolve_ticket(
    session: Session, ticket_id: int, *, root_cause: str, note: str = "", by: str, now: datetime | None = None,
    viewer: Viewer | None = None,
) -> dict[str, Any]:
    """Close the case with its root cause (feeds the monthly summary)."""
    if not root_cause.strip():
        raise bad_argument("root_cause", "必须填写根因", "a root cause is required")
    t, when = _ticket(session, ticket_id, viewer), now or utc_now()
    tk.check_transition(t.status, "resolved")
    t.status, t.resolved_at, t.root_cause = "resolved", when, root_cause.strip()[:64]
    t.first_response_at = t.first_response_at or when
    _note(t, "resolution", by, when, note or root_cause)
    events.ticket_resolved(session, ticket_id=t.id, shop_id=t.shop_id, owner=t.owner, by=by, at=when,
                           root_cause=t.root_cause)
    return ticket_view(session, t, when)


def close_ticket(session: Session, ticket_id: int, *, by: str, now: datetime | None = None,
                 viewer: Viewer | None = None) -> dict[str, Any]:
    t, when = _ticket(session, ticket_id, viewer), now or utc_now()
    tk.check_transition(t.status, "closed")
    t.status = "closed"
    events.ticket_closed(session, ticket_id=t.id, shop_id=t.shop_id, owner=t.owner, by=by, at=when)
    return ticket_view(session, t, when)


def schedule_callback(
    session: Session, ticket_id: int, *, at: datetime, by: str, now: datetime | None = None,
    viewer: Viewer | None = None,
) -> dict[str, Any]:
    """Plan the 回访 after resolution (seed 002: ask the buyer whether the fix satisfied them)."""
    t, when = _ticket(session, ticket_id, viewer), now or utc_now()
    if t.status != "resolved" or t.resolved_at is None:
        raise tk_error(t.status, "callback")
    if at.tzinfo is None or at < t.resolved_at:
        raise bad_argument(
            "at",
            "回访时间必须带时区且不早于解决时间",
            "callback time must be aware and not before resolution",
        )
    t.callback_at, t.callback_outcome = at, ""
    events.ticket_callback_scheduled(session, ticket_id=t.id, shop_id=t.shop_id, owner=t.owner, by=by, at=when,
                                     callback_at=at)
    return ticket_view(session, t, when)


def record_callback(
    session: Session, ticket_id: int, *, outcome: str, note: str = "", by: str, now: datetime | None = None,
    viewer: Viewer | None = None,
) -> dict[str, Any]:
    """Store the callback's outcome; ``reopened`` sends the ticket back to open."""
    tk.check_callback_outcome(outcome)
    t, when = _ticket(session, ticket_id, viewer), now or utc_now()
    if t.callback_at is None:
        raise bad_argument("callback", "尚未安排回访", "no callback was scheduled")
    if t.status != "resolved":
        raise tk_error(t.status, "callback")
    t.callback_outcome = outcome
    _note(t, "callback", by, when, note, outcome=outcome)
    if outcome == "reopened":
        t.status, t.resolved_at = "open", None
    events.ticket_callback_done(session, ticket_id=t.id, shop_id=t.shop_id, owner=t.owner, by=by, at=when,
                                outcome=outcome)
    return ticket_view(session, t, when)


def tk_error(status: str, action: str) -> KefuError:
    return KefuError(ErrorCode.TICKET_BAD_TRANSITION, f"工单状态 {status} 不能{action}", f"cannot {action} a ticket in status {status}",
                     {"from": status, "to": action})  # fmt: skip


def get_ticket(session: Session, ticket_id: int, viewer: Viewer | None = None, *, role: str = "agent") -> dict[str, Any]:
    return ticket_view(session, _ticket(session, ticket_id, viewer, lock=False), role=role)


def _listing(session: Session, shop_id: str | None, status: str | None, viewer: Viewer | None) -> Select[Any]:
    """Tickets the viewer may see, filtered: an agent only its own in the shop it serves."""
    q = select(Ticket)
    if access.is_agent(viewer):
        assert viewer is not None
        q = q.where(Ticket.owner == access.agent_of(viewer))
        served = access.agent_shop(session, viewer)
        if served is not None:
            q = q.where(Ticket.shop_id == served)
    if shop_id:
        q = q.where(Ticket.shop_id == shop_id)
    if status:
        q = q.where(Ticket.status == status)
    return q


def list_tickets(
    session: Session, *, shop_id: str | None = None, status: str | None = None, limit: int = 200, offset: int = 0,
    viewer: Viewer | None = None, role: str = "agent",
) -> list[dict[str, Any]]:
    """Newest first; an agent gets only the tickets it owns in the shop it serves; texts masked for ``role``."""
    q = _listing(session, shop_id, status, viewer)
    q = q.order_by(Ticket.created_at.desc(), Ticket.id.desc()).offset(max(offset, 0)).limit(limit)
    now = utc_now()
    return [ticket_view(session, t, now, role=role) for t in session.scalars(q)]


def page_tickets(
    session: Session, *, page: int = 1, per_page: int = 20, shop_id: str | None = None, status: str | None = None,
    viewer: Viewer | None = None, role: str = "agent",
) -> dict[str, Any]:
    """One page of :func:`list_tickets` and how many there are in all (the page's pager reads ``total``)."""
    if page < 1 or not 1 <= per_page <= 200:
        raise bad_argument("page", "页码从 1 开始, 每页 1–200 条", "pages start at 1, 1–200 rows a page")
    total = session.scalar(select(func.count()).select_from(_listing(session, shop_id, status, viewer).subquery()))
    rows = list_tickets(session, shop_id=shop_id, status=status, limit=per_page, offset=(page - 1) * per_page,
                        viewer=viewer, role=role)  # fmt: skip
    return {"page": page, "per_page": per_page, "total": int(total or 0), "rows": rows}


def ticket_history(
    session: Session, ticket_id: int, viewer: Viewer | None = None, *, role: str = "agent"
) -> list[dict[str, Any]]:
    """The ticket's event rows, oldest first: what happened, when, by whom (the page's timeline).

    A note written with a change (same kind, same instant) adds its text, masked for ``role``.
    """
    t = _ticket(session, ticket_id, viewer, lock=False)
    texts = {(NOTE_OF.get(str(n.get("kind")), ""), datetime.fromisoformat(str(n["at"]))): str(n.get("text", ""))
             for n in t.notes or []}  # fmt: skip
    out = []
    for e in care_store.subject_events(session, f"ticket:{t.id}"):
        data = {str(k): str(v) for k, v in (e.data or {}).items()}
        text = texts.get((e.kind, e.ts))
        if text:  # the reply, escalation note, resolution or callback note written with this change
            data["text"] = privacy.text_for(role, text)
        out.append({"at": e.ts.isoformat(), "kind": e.kind, "by": e.actor, "data": data})
    return out


def root_cause_summary(
    session: Session, month: str, *, shop_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The month's tickets by category, root cause, department; SLA breaches; callback outcomes."""
    start, end = month_span(month)
    q = select(Ticket).where(Ticket.created_at >= start, Ticket.created_at < end)
    if shop_id:
        q = q.where(Ticket.shop_id == shop_id)
    rows = list(session.scalars(q))
    hours = business_hours(session, shop_id)
    policy = tk.SlaPolicy.from_settings(care_settings(session, shop_id).get("sla"))
    out = tk.root_cause_summary([_facts(t) for t in rows], now or utc_now(), hours, policy)
    avg = out["avg_resolution_business_hours"]
    return {"month": month, **out, "avg_resolution_business_hours": str(avg) if avg is not None else None}


