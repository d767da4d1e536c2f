"""The live floor's event kinds and one writer per kind (all through :func:`kefu.service.events.append`).

Every lifecycle change of an agent or a conversation is a row: the audit trail,
the dashboard's timelines, the worked-time ledger and the load benchmark's
checks read them. Writers are keyword-only so a call names what it records.

On PostgreSQL two writes are single statements (ADR 0002, "One round trip"):
opening with a free agent and closing insert their ``conversation.assigned`` /
``conversation.closed`` row inside that statement (:mod:`kefu.service.live.store`),
through :func:`in_statement`, with the kind bound from this enum and the same
``data`` shape as the writers here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from kefu.service.events import append


class LiveEvent(StrEnum):
    AGENT_REGISTERED = "agent.registered"
    AGENT_STATUS = "agent.status"
    CONVERSATION_ASSIGNED = "conversation.assigned"
    CONVERSATION_QUEUED = "conversation.queued"
    CONVERSATION_BOT = "conversation.bot"
    BOT_ANSWERED = "conversation.bot_answered"
    BOT_HANDED_OVER = "conversation.bot_handover"
    CONVERSATION_RECEPTION = "conversation.reception"
    CONVERSATION_TRANSFERRED = "conversation.transferred"
    CONVERSATION_CLOSED = "conversation.closed"
    HANDOVER = "handover"
    OVERTIME_RECORDED = "overtime.recorded"
    COMP_LEAVE = "comp_leave"


def in_statement(*, source: str, shop: str, agent: str, subject: str, data: str) -> str:
    """The ``INSERT … SELECT`` that a one-statement PostgreSQL write embeds as a CTE.

    The SQL expressions name the columns of ``source``; ``%(now)s`` and
    ``%(kind)s`` (a :class:`LiveEvent` value) are the statement's parameters.
    """
    return ("INSERT INTO events (ts, kind, shop_id, agent_id, subject, data, actor)\n"
            f"  SELECT %(now)s, %(kind)s, {shop}, {agent}, {subject}, {data}, 'system' FROM {source}")


def _conv(conversation_id: int) -> str:
    return f"conversation:{conversation_id}"


def agent_registered(session: Session, *, ts: datetime, agent_id: str, skills: list[str], capacity: int) -> None:
    append(session, LiveEvent.AGENT_REGISTERED, ts=ts, subject=f"agent:{agent_id}", agent_id=agent_id,
           data={"skills": list(skills), "capacity": capacity})


def agent_status(session: Session, *, ts: datetime, agent_id: str, was: str, becomes: str) -> None:
    append(session, LiveEvent.AGENT_STATUS, ts=ts, subject=f"agent:{agent_id}", agent_id=agent_id,
           data={"from": was, "to": becomes})


def conversation_opened(session: Session, *, ts: datetime, conversation_id: int, shop: str, status: str,
                        agent_id: str | None, reason: str, group: str, buyer: str) -> None:
    """A new conversation: ``assigned`` (to ``agent_id``), ``queued`` or ``bot``."""
    kind = {"assigned": LiveEvent.CONVERSATION_ASSIGNED, "queued": LiveEvent.CONVERSATION_QUEUED,
            "bot": LiveEvent.CONVERSATION_BOT}[status]
    append(session, kind, ts=ts, subject=_conv(conversation_id), shop_id=shop, agent_id=agent_id,
           data={"reason": reason, "group": group, "buyer": buyer})


def conversation_assigned(session: Session, *, ts: datetime, conversation_id: int, shop: str, agent_id: str,
                          reason: str) -> None:
    """A waiting (queued or bot) conversation got an agent."""
    append(session, LiveEvent.CONVERSATION_ASSIGNED, ts=ts, subject=_conv(conversation_id), shop_id=shop,
           agent_id=agent_id, data={"reason": reason})


def conversation_queued(session: Session, *, ts: datetime, conversation_id: int, reason: str,
                        shop: str | None = None, agent_id: str | None = None) -> None:
    """An open conversation went (back) to the queue: the bot gave up, or a handover found no room."""
    append(session, LiveEvent.CONVERSATION_QUEUED, ts=ts, subject=_conv(conversation_id), shop_id=shop,
           agent_id=agent_id, data={"reason": reason})


def bot_answered(session: Session, *, ts: datetime, conversation_id: int, shop: str, message_id: int, intent: str,
                 confidence: float, reason: str) -> None:
    """The FAQ bot answered a buyer in the chat (message ``message_id``, marked as the bot's)."""
    append(session, LiveEvent.BOT_ANSWERED, ts=ts, subject=_conv(conversation_id), shop_id=shop, actor="bot",
           data={"message": message_id, "intent": intent, "confidence": confidence, "reason": reason})


def bot_handed_over(session: Session, *, ts: datetime, conversation_id: int, shop: str, reason: str,
                    agent_id: str | None, suggested: str = "") -> None:
    """The bot could not answer and handed the chat to people (``agent_id`` when one took it, else queued).
    ``suggested``: the answer it was unsure of (mixed mode), for the audit trail."""
    append(session, LiveEvent.BOT_HANDED_OVER, ts=ts, subject=_conv(conversation_id), shop_id=shop, agent_id=agent_id,
           actor="bot", data={"reason": reason, "to": agent_id, "suggested": suggested})


def conversation_reception(session: Session, *, ts: datetime, conversation_id: int, shop: str, agent_id: str) -> None:
    """The buyer's first message after a transfer: the receiver's reception counts from here."""
    append(session, LiveEvent.CONVERSATION_RECEPTION, ts=ts, subject=_conv(conversation_id), shop_id=shop,
           agent_id=agent_id, data={"after": "transfer"})


def conversation_transferred(session: Session, *, ts: datetime, conversation_id: int, shop: str, agent_id: str,
                             actor: str, sender: str | None, group: str, note: str) -> None:
    append(session, LiveEvent.CONVERSATION_TRANSFERRED, ts=ts, subject=_conv(conversation_id), shop_id=shop,
           agent_id=agent_id, actor=actor, data={"from": sender, "group": group, "note": note})


def conversation_closed(session: Session, *, ts: datetime, conversation_id: int, shop: str, agent_id: str | None,
                        was: str) -> None:
    append(session, LiveEvent.CONVERSATION_CLOSED, ts=ts, subject=_conv(conversation_id), shop_id=shop,
           agent_id=agent_id, data={"was": was})


def handover(session: Session, *, ts: datetime, from_agent: str, shop: str | None, actor: str, to: list[str],
             items: int, queued: int) -> None:
    append(session, LiveEvent.HANDOVER, ts=ts, subject=f"agent:{from_agent}", shop_id=shop, agent_id=from_agent,
           actor=actor, data={"to": to, "items": items, "queued": queued})


def overtime_recorded(session: Session, *, ts: datetime, subject: str, agent_id: str, actor: str, minutes: int,
                      kind: str, rate: str, comp_leave: bool) -> None:
    append(session, LiveEvent.OVERTIME_RECORDED, ts=ts, subject=subject, agent_id=agent_id, actor=actor,
           data={"minutes": minutes, "kind": kind, "rate": rate, "comp_leave": comp_leave})


def comp_leave(session: Session, *, ts: datetime, agent_id: str, actor: str, minutes: int, day: str,
               reason: str) -> None:
    """One 调休 ledger entry: a credit (positive minutes) or leave taken (negative)."""
    append(session, LiveEvent.COMP_LEAVE, ts=ts, subject=f"comp_leave:{agent_id}", agent_id=agent_id, actor=actor,
           data={"minutes": minutes, "day": day, "reason": reason})
