"""The event kinds of the care area and one writer per kind (through :func:`kefu.service.events.append`).

Every ticket lifecycle change is one row: subject ``ticket:<id>``, the ticket's shop and owner,
the person who acted, and what changed. The audit trail and dashboards read these rows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from kefu.service import events


class CareEvent(StrEnum):
    TICKET_CREATED = "ticket.created"
    TICKET_RESPONDED = "ticket.responded"
    TICKET_ESCALATED = "ticket.escalated"
    TICKET_RESOLVED = "ticket.resolved"
    TICKET_CLOSED = "ticket.closed"
    TICKET_CALLBACK_SCHEDULED = "ticket.callback_scheduled"
    TICKET_CALLBACK_DONE = "ticket.callback_done"


def _ticket(session: Session, kind: CareEvent, ticket_id: int, shop_id: str, owner: str | None, by: str,
            at: datetime, data: dict[str, str] | None = None) -> None:  # fmt: skip
    events.append(session, kind, subject=f"ticket:{ticket_id}", ts=at, shop_id=shop_id, agent_id=owner,
                  actor=by, data=data)  # fmt: skip


def ticket_created(session: Session, *, ticket_id: int, shop_id: str, owner: str | None, by: str, at: datetime,
                   category: str, severity: str) -> None:  # fmt: skip
    _ticket(session, CareEvent.TICKET_CREATED, ticket_id, shop_id, owner, by, at,
            {"category": category, "severity": severity})  # fmt: skip


def ticket_responded(session: Session, *, ticket_id: int, shop_id: str, owner: str | None, by: str,
                     at: datetime) -> None:  # fmt: skip
    _ticket(session, CareEvent.TICKET_RESPONDED, ticket_id, shop_id, owner, by, at)


def ticket_escalated(session: Session, *, ticket_id: int, shop_id: str, owner: str | None, by: str, at: datetime,
                     department: str) -> None:  # fmt: skip
    _ticket(session, CareEvent.TICKET_ESCALATED, ticket_id, shop_id, owner, by, at, {"department": department})


def ticket_resolved(session: Session, *, ticket_id: int, shop_id: str, owner: str | None, by: str, at: datetime,
                    root_cause: str) -> None:  # fmt: skip
    _ticket(session, CareEvent.TICKET_RESOLVED, ticket_id, shop_id, owner, by, at, {"root_cause": root_cause})


def ticket_closed(session: Session, *, ticket_id: int, shop_id: str, owner: str | None, by: str,
                  at: datetime) -> None:  # fmt: skip
    _ticket(session, CareEvent.TICKET_CLOSED, ticket_id, shop_id, owner, by, at)


def ticket_callback_scheduled(session: Session, *, ticket_id: int, shop_id: str, owner: str | None, by: str,
                              at: datetime, callback_at: datetime) -> None:  # fmt: skip
    _ticket(session, CareEvent.TICKET_CALLBACK_SCHEDULED, ticket_id, shop_id, owner, by, at,
            {"at": callback_at.isoformat()})  # fmt: skip


def ticket_callback_done(session: Session, *, ticket_id: int, shop_id: str, owner: str | None, by: str,
                         at: datetime, outcome: str) -> None:  # fmt: skip
    _ticket(session, CareEvent.TICKET_CALLBACK_DONE, ticket_id, shop_id, owner, by, at, {"outcome": outcome})
