"""Team events: one keyword-only writer per kind; each decision also reaches the people it concerns.

Every request, decision and record is an ``events`` row (the audit trail and the
agent's in-app message list read them). A decision that concerns an agent is
also queued for the shop's team group robots (DingTalk / WeCom, whichever the
shop configured in ``settings["notify"]``) through the outbox, keyed so that a
retried transaction never posts twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from kefu.service.notify import enqueue
from kefu.store.models.live import Event
from kefu.store.models.org import Shop

ROBOTS = ("dingtalk", "wecom")


class TeamEvent(StrEnum):
    LEAVE_REQUESTED = "leave.requested"
    LEAVE_APPROVED = "leave.approved"
    LEAVE_REJECTED = "leave.rejected"
    LEAVE_CANCELLED = "leave.cancelled"
    SWAP_REQUESTED = "swap.requested"
    SWAP_ACCEPTED = "swap.accepted"
    SWAP_DECLINED = "swap.declined"
    SWAP_APPROVED = "swap.approved"
    SWAP_REJECTED = "swap.rejected"
    SWAP_CANCELLED = "swap.cancelled"
    SHIFT_OPENED = "shift.opened"
    SHIFT_PICKED_UP = "shift.picked_up"
    OVERTIME_REQUESTED = "overtime.requested"
    OVERTIME_ORDERED = "overtime.ordered"
    OVERTIME_APPROVED = "overtime.approved"
    OVERTIME_REJECTED = "overtime.rejected"
    OVERTIME_CANCELLED = "overtime.cancelled"
    OVERTIME_BOOKED = "overtime.booked"
    BRIEFING_PUBLISHED = "briefing.published"
    BRIEFING_ACKNOWLEDGED = "briefing.acknowledged"
    BRIEFING_ASKED = "briefing.asked"
    ONBOARDING_STARTED = "onboarding.started"
    ONBOARDING_ITEM_DONE = "onboarding.item_done"
    REGULAR_PROPOSED = "onboarding.early_regular_proposed"
    REGULAR_CONFIRMED = "onboarding.regular"
    CONDUCT_RECORDED = "conduct.recorded"
    FUND_SPENT = "fund.spent"
    GOAL_SET = "goal.set"
    LEVEL_SET = "career.level_set"
    ATTENDANCE_MARKED = "attendance.marked"


def _append(session: Session, kind: TeamEvent, subject: str, *, now: datetime, actor: str, agent_id: str | None,
            shop_id: str | None, data: dict[str, Any], tell: str = "") -> None:  # fmt: skip
    """The event row, and ``tell`` posted to the shop's robots when it is not empty."""
    session.execute(insert(Event).values(ts=now, kind=kind.value, shop_id=shop_id, agent_id=agent_id, subject=subject,
                                         data=data, actor=actor))  # fmt: skip
    if not tell or shop_id is None:
        return
    shop = session.get(Shop, shop_id)
    configured = ((shop.settings or {}).get("notify") or {}) if shop is not None else {}
    for channel in ROBOTS:
        if (configured.get(channel) or {}).get("webhook"):
            enqueue(session, channel, f"team:{kind.value}:{subject}:{agent_id or ''}",
                    {"text": tell, "shop_id": shop_id, "subject": subject}, now)


def leave_requested(session: Session, *, leave_id: int, agent_id: str, shop_id: str | None, actor: str, now: datetime,
                    kind: str, first: str, last: str, days: int) -> None:  # fmt: skip
    _append(session, TeamEvent.LEAVE_REQUESTED, f"leave:{leave_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={"kind": kind, "from": first, "to": last, "days": days})


def leave_decided(session: Session, *, leave_id: int, agent_id: str, shop_id: str | None, actor: str, now: datetime,
                  approved: bool, note: str, changes: list[dict[str, str]], tell: str) -> None:  # fmt: skip
    kind = TeamEvent.LEAVE_APPROVED if approved else TeamEvent.LEAVE_REJECTED
    _append(session, kind, f"leave:{leave_id}", now=now, actor=actor, agent_id=agent_id, shop_id=shop_id,
            data={"note": note, "roster_changes": changes}, tell=tell)


def leave_cancelled(session: Session, *, leave_id: int, agent_id: str, shop_id: str | None, actor: str,
                    now: datetime) -> None:  # fmt: skip
    _append(session, TeamEvent.LEAVE_CANCELLED, f"leave:{leave_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={})


def swap_moved(session: Session, *, kind: TeamEvent, swap_id: int, requester: str, peer: str, shop_id: str | None,
               actor: str, now: datetime, data: dict[str, Any], tell: str = "") -> None:  # fmt: skip
    """Any step of a swap (requested, accepted, declined, approved, rejected, cancelled)."""
    if not kind.value.startswith("swap."):
        raise ValueError(f"not a swap event: {kind}")
    _append(session, kind, f"swap:{swap_id}", now=now, actor=actor, agent_id=requester, shop_id=shop_id,
            data={"peer": peer, **data}, tell=tell)


def shift_opened(session: Session, *, open_id: int, shop_id: str, actor: str, now: datetime, day: str, shift: str,
                 source: str, tell: str) -> None:  # fmt: skip
    _append(session, TeamEvent.SHIFT_OPENED, f"open_shift:{open_id}", now=now, actor=actor, agent_id=None,
            shop_id=shop_id, data={"day": day, "shift": shift, "source": source}, tell=tell)


def shift_picked_up(session: Session, *, open_id: int, agent_id: str, shop_id: str, actor: str, now: datetime,
                    day: str, shift: str, tell: str) -> None:  # fmt: skip
    _append(session, TeamEvent.SHIFT_PICKED_UP, f"open_shift:{open_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={"day": day, "shift": shift}, tell=tell)


def overtime_moved(session: Session, *, kind: TeamEvent, request_id: int, agent_id: str, shop_id: str | None,
                   actor: str, now: datetime, data: dict[str, Any], tell: str = "") -> None:  # fmt: skip
    """Any step of an overtime request (requested, ordered, approved, rejected, cancelled, booked)."""
    if not kind.value.startswith("overtime."):
        raise ValueError(f"not an overtime event: {kind}")
    _append(session, kind, f"overtime_request:{request_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data=data, tell=tell)


def briefing_published(session: Session, *, briefing_id: int, shop_id: str, actor: str, now: datetime, product: str,
                       launch_on: str, faq_rows: int, tell: str) -> None:  # fmt: skip
    _append(session, TeamEvent.BRIEFING_PUBLISHED, f"briefing:{briefing_id}", now=now, actor=actor, agent_id=None,
            shop_id=shop_id, data={"product": product, "launch_on": launch_on, "faq_rows": faq_rows}, tell=tell)


def briefing_acknowledged(session: Session, *, briefing_id: int, agent_id: str, shop_id: str, actor: str,
                          now: datetime, right: int, total: int) -> None:  # fmt: skip
    _append(session, TeamEvent.BRIEFING_ACKNOWLEDGED, f"briefing:{briefing_id}", now=now, actor=actor,
            agent_id=agent_id, shop_id=shop_id, data={"right": right, "total": total})


def briefing_asked(session: Session, *, agent_id: str, shop_id: str | None, actor: str, now: datetime, product: str,
                   note: str) -> None:  # fmt: skip
    _append(session, TeamEvent.BRIEFING_ASKED, f"briefing_ask:{agent_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={"product": product, "note": note})


def people_recorded(session: Session, *, kind: TeamEvent, subject: str, agent_id: str | None, shop_id: str | None,
                    actor: str, now: datetime, data: dict[str, Any], tell: str = "") -> None:  # fmt: skip
    """Onboarding, conduct, fund, goal, level and attendance records (one row each)."""
    if kind.value.split(".")[0] not in ("onboarding", "conduct", "fund", "goal", "career", "attendance"):
        raise ValueError(f"not a people event: {kind}")
    _append(session, kind, subject, now=now, actor=actor, agent_id=agent_id, shop_id=shop_id, data=data, tell=tell)
