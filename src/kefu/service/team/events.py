"""Team events: the kinds (``TeamEvent``) and one keyword-only writer per kind.

Every request, decision and record is an ``events`` row written through
:func:`kefu.service.events.append` (the audit trail and the agent's in-app list
read them). A decision that concerns an agent is also queued for the shop's team
group robots (DingTalk / WeCom, whichever the shop configured in
``settings["notify"]``) through the outbox, keyed so that a retried transaction
never posts twice.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from kefu.service.duty.store import enqueue
from kefu.service.events import append
from kefu.store.models.org import Shop

ROBOTS = ("dingtalk", "wecom")


class TeamEvent(StrEnum):
    LEAVE_REQUESTED = "leave.requested"
    LEAVE_APPROVED = "leave.approved"
    LEAVE_REJECTED = "leave.rejected"
    LEAVE_CANCELLED = "leave.cancelled"
    ROSTER_REPLANNED = "leave.roster_replanned"
    SWAP_REQUESTED = "swap.requested"
    SWAP_ACCEPTED = "swap.accepted"
    SWAP_DECLINED = "swap.declined"
    SWAP_APPROVED = "swap.approved"
    SWAP_REJECTED = "swap.rejected"
    SWAP_CANCELLED = "swap.cancelled"
    SHIFT_OPENED = "shift.opened"
    SHIFT_PICKED_UP = "shift.picked_up"
    SHIFT_OPEN_CANCELLED = "shift.open_cancelled"
    OVERTIME_REQUESTED = "overtime.requested"
    OVERTIME_ORDERED = "overtime.ordered"
    OVERTIME_APPROVED = "overtime.approved"
    OVERTIME_REJECTED = "overtime.rejected"
    OVERTIME_CANCELLED = "overtime.cancelled"
    OVERTIME_BOOKED = "overtime.booked"
    ATTENDANCE_MARKED = "attendance.marked"
    CONDUCT_RECORDED = "conduct.recorded"
    BRIEFING_PUBLISHED = "briefing.published"
    BRIEFING_ACKNOWLEDGED = "briefing.acknowledged"
    ONBOARDING_STARTED = "onboarding.started"
    ONBOARDING_ITEM_DONE = "onboarding.item_done"
    ONBOARDING_REGULAR = "onboarding.regular"
    GOAL_SET = "goal.set"
    PROMOTED = "agent.promoted"
    FUND_SPENT = "fund.spent"


def _record(session: Session, kind: TeamEvent, subject: str, *, now: datetime, actor: str, agent_id: str | None,
            shop_id: str | None, data: dict[str, Any], tell: str = "") -> None:  # fmt: skip
    """The event row, and ``tell`` posted to the shop's robots when it is not empty."""
    append(session, kind, subject=subject, ts=now, shop_id=shop_id, agent_id=agent_id, actor=actor, data=data)
    if not tell or shop_id is None:
        return
    shop = session.get(Shop, shop_id)
    configured = ((shop.settings or {}).get("notify") or {}) if shop is not None else {}
    for channel in ROBOTS:
        if (configured.get(channel) or {}).get("webhook"):
            enqueue(session, channel, f"team:{kind.value}:{subject}:{agent_id or ''}",
                    {"text": tell, "shop_id": shop_id, "subject": subject}, now)


# -- leave -------------------------------------------------------------------------------------------


def leave_requested(session: Session, *, leave_id: int, agent_id: str, shop_id: str | None, actor: str, now: datetime,
                    kind: str, first: str, last: str, days: int) -> None:  # fmt: skip
    _record(session, TeamEvent.LEAVE_REQUESTED, f"leave:{leave_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={"kind": kind, "from": first, "to": last, "days": days})


def leave_approved(session: Session, *, leave_id: int, agent_id: str, shop_id: str | None, actor: str, now: datetime,
                   note: str, changes: list[dict[str, str]], replan: dict[str, str], tell: str) -> None:  # fmt: skip
    """The approval, every roster cell it changed (``changes``) and how (``replan``: outcome and reason)."""
    _record(session, TeamEvent.LEAVE_APPROVED, f"leave:{leave_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={"note": note, "roster_changes": changes, "replan": replan}, tell=tell)


def roster_replanned(session: Session, *, leave_id: int, agent_id: str, shop_id: str | None, actor: str,
                     now: datetime, changes: list[dict[str, str]], because: str, tell: str) -> None:  # fmt: skip
    """Another agent's cells moved to fill a leave (one row per agent; ``because``: who is on leave)."""
    _record(session, TeamEvent.ROSTER_REPLANNED, f"leave:{leave_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={"roster_changes": changes, "because": because}, tell=tell)


def leave_rejected(session: Session, *, leave_id: int, agent_id: str, shop_id: str | None, actor: str, now: datetime,
                   note: str, tell: str) -> None:  # fmt: skip
    _record(session, TeamEvent.LEAVE_REJECTED, f"leave:{leave_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={"note": note}, tell=tell)


def leave_cancelled(session: Session, *, leave_id: int, agent_id: str, shop_id: str | None, actor: str,
                    now: datetime) -> None:  # fmt: skip
    _record(session, TeamEvent.LEAVE_CANCELLED, f"leave:{leave_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={})


# -- swaps (the row is the requester's; the peer is in the data) --------------------------------------


def _swap(session: Session, kind: TeamEvent, swap_id: int, requester: str, peer: str, shop_id: str | None, actor: str,
          now: datetime, data: dict[str, Any], tell: str = "") -> None:  # fmt: skip
    _record(session, kind, f"swap:{swap_id}", now=now, actor=actor, agent_id=requester, shop_id=shop_id,
            data={"peer": peer, **data}, tell=tell)


def swap_requested(session: Session, *, swap_id: int, requester: str, peer: str, shop_id: str | None, actor: str,
                   now: datetime, day: str, cells: dict[str, str], tell: str) -> None:  # fmt: skip
    _swap(session, TeamEvent.SWAP_REQUESTED, swap_id, requester, peer, shop_id, actor, now,
          {"day": day, "cells": cells}, tell)


def swap_accepted(session: Session, *, swap_id: int, requester: str, peer: str, shop_id: str | None, actor: str,
                  now: datetime, findings: list[dict[str, Any]], tell: str) -> None:  # fmt: skip
    _swap(session, TeamEvent.SWAP_ACCEPTED, swap_id, requester, peer, shop_id, actor, now, {"findings": findings}, tell)


def swap_declined(session: Session, *, swap_id: int, requester: str, peer: str, shop_id: str | None, actor: str,
                  now: datetime) -> None:  # fmt: skip
    _swap(session, TeamEvent.SWAP_DECLINED, swap_id, requester, peer, shop_id, actor, now, {})


def swap_cancelled(session: Session, *, swap_id: int, requester: str, peer: str, shop_id: str | None, actor: str,
                   now: datetime) -> None:  # fmt: skip
    _swap(session, TeamEvent.SWAP_CANCELLED, swap_id, requester, peer, shop_id, actor, now, {})


def swap_approved(session: Session, *, swap_id: int, requester: str, peer: str, shop_id: str | None, actor: str,
                  now: datetime, note: str, tell: str) -> None:  # fmt: skip
    _swap(session, TeamEvent.SWAP_APPROVED, swap_id, requester, peer, shop_id, actor, now, {"note": note}, tell)


def swap_rejected(session: Session, *, swap_id: int, requester: str, peer: str, shop_id: str | None, actor: str,
                  now: datetime, note: str, tell: str) -> None:  # fmt: skip
    _swap(session, TeamEvent.SWAP_REJECTED, swap_id, requester, peer, shop_id, actor, now, {"note": note}, tell)


# -- open shifts ---------------------------------------------------------------------------------------

def shift_opened(session: Session, *, open_id: int, shop_id: str, actor: str, now: datetime, day: str, shift: str,
                 source: str, tell: str) -> None:  # fmt: skip
    _record(session, TeamEvent.SHIFT_OPENED, f"open_shift:{open_id}", now=now, actor=actor, agent_id=None,
            shop_id=shop_id, data={"day": day, "shift": shift, "source": source}, tell=tell)


def shift_picked_up(session: Session, *, open_id: int, agent_id: str, shop_id: str, actor: str, now: datetime,
                    day: str, shift: str, tell: str) -> None:  # fmt: skip
    _record(session, TeamEvent.SHIFT_PICKED_UP, f"open_shift:{open_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={"day": day, "shift": shift}, tell=tell)


def shift_open_cancelled(session: Session, *, open_id: int, shop_id: str, actor: str, now: datetime) -> None:
    _record(session, TeamEvent.SHIFT_OPEN_CANCELLED, f"open_shift:{open_id}", now=now, actor=actor, agent_id=None,
            shop_id=shop_id, data={})


# -- overtime --------------------------------------------------------------------------------------------


def _overtime(session: Session, kind: TeamEvent, request_id: int, agent_id: str, shop_id: str | None, actor: str,
              now: datetime, data: dict[str, Any], tell: str = "") -> None:  # fmt: skip
    _record(session, kind, f"overtime_request:{request_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data=data, tell=tell)


def overtime_requested(session: Session, *, request_id: int, agent_id: str, shop_id: str | None, actor: str,
                       now: datetime, terms: dict[str, Any]) -> None:  # fmt: skip
    _overtime(session, TeamEvent.OVERTIME_REQUESTED, request_id, agent_id, shop_id, actor, now, terms)


def overtime_ordered(session: Session, *, request_id: int, agent_id: str, shop_id: str | None, actor: str,
                     now: datetime, terms: dict[str, Any], tell: str) -> None:  # fmt: skip
    """Overtime ordered in advance (approved as ordered): the agent is told."""
    _overtime(session, TeamEvent.OVERTIME_ORDERED, request_id, agent_id, shop_id, actor, now, terms, tell)


def overtime_approved(session: Session, *, request_id: int, agent_id: str, shop_id: str | None, actor: str,
                      now: datetime, note: str, tell: str) -> None:  # fmt: skip
    _overtime(session, TeamEvent.OVERTIME_APPROVED, request_id, agent_id, shop_id, actor, now, {"note": note}, tell)


def overtime_rejected(session: Session, *, request_id: int, agent_id: str, shop_id: str | None, actor: str,
                      now: datetime, note: str, tell: str) -> None:  # fmt: skip
    _overtime(session, TeamEvent.OVERTIME_REJECTED, request_id, agent_id, shop_id, actor, now, {"note": note}, tell)


def overtime_cancelled(session: Session, *, request_id: int, agent_id: str, shop_id: str | None, actor: str,
                       now: datetime) -> None:  # fmt: skip
    _overtime(session, TeamEvent.OVERTIME_CANCELLED, request_id, agent_id, shop_id, actor, now, {})


def overtime_booked(session: Session, *, request_id: int, agent_id: str, shop_id: str | None, actor: str,
                    now: datetime, minutes: int, planned: int, compensation: str, tell: str) -> None:  # fmt: skip
    """The minutes actually worked, paid at the day's rate or credited to the 调休 ledger."""
    _overtime(session, TeamEvent.OVERTIME_BOOKED, request_id, agent_id, shop_id, actor, now,
              {"minutes": minutes, "planned": planned, "compensation": compensation}, tell)


# -- attendance ------------------------------------------------------------------------------------------


def attendance_marked(session: Session, *, subject: str, agent_id: str, shop_id: str, actor: str, now: datetime,
                      day: str, kind: str, minutes: int, final: bool) -> None:  # fmt: skip
    """A late start or an absence of ``day`` (``subject``: one per agent and day; the latest row is the mark).

    ``final`` False: late so far, the agent has not come yet (the final mark follows).
    """
    _record(session, TeamEvent.ATTENDANCE_MARKED, subject, now=now, actor=actor, agent_id=agent_id, shop_id=shop_id,
            data={"day": day, "kind": kind, "minutes": minutes, "final": final})


# -- fines, rewards and the activity fund ----------------------------------------------------------------


def conduct_recorded(session: Session, *, entry_id: int, agent_id: str, shop_id: str | None, actor: str,
                     now: datetime, outcome: str, step: int, amount_fen: int, evidence: str, tell: str) -> None:  # fmt: skip
    """A fine, dismissal warning or reward with its evidence (the agent is told)."""
    _record(session, TeamEvent.CONDUCT_RECORDED, f"conduct:{entry_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={"outcome": outcome, "step": step, "amount_fen": amount_fen, "evidence": evidence},
            tell=tell)


def fund_spent(session: Session, *, spend_id: int, shop_id: str, actor: str, now: datetime, amount_fen: int,
               purpose: str) -> None:  # fmt: skip
    _record(session, TeamEvent.FUND_SPENT, f"fund_spend:{spend_id}", now=now, actor=actor, agent_id=None,
            shop_id=shop_id, data={"amount_fen": amount_fen, "purpose": purpose})


# -- product briefings ----------------------------------------------------------------------------------


def briefing_published(session: Session, *, briefing_id: int, shop_id: str, actor: str, now: datetime, product: str,
                       launch_on: str, faq_rows: int, bot_rows: int, tell: str) -> None:  # fmt: skip
    """``bot_rows``: the wordings the shop's bot learned from the FAQ additions."""
    _record(session, TeamEvent.BRIEFING_PUBLISHED, f"briefing:{briefing_id}", now=now, actor=actor, agent_id=None,
            shop_id=shop_id, data={"product": product, "launch_on": launch_on, "faq_rows": faq_rows,
                                   "bot_rows": bot_rows}, tell=tell)


def briefing_acknowledged(session: Session, *, briefing_id: int, agent_id: str, shop_id: str, actor: str,
                          now: datetime, right: int, total: int) -> None:  # fmt: skip
    """The agent's first pass of the briefing's quiz."""
    _record(session, TeamEvent.BRIEFING_ACKNOWLEDGED, f"briefing:{briefing_id}", now=now, actor=actor,
            agent_id=agent_id, shop_id=shop_id, data={"right": right, "total": total})


# -- onboarding and goals ----------------------------------------------------------------------------------


def onboarding_started(session: Session, *, agent_id: str, shop_id: str | None, actor: str, now: datetime,
                       mentor_id: str, probation_end: str, tell: str) -> None:  # fmt: skip
    _record(session, TeamEvent.ONBOARDING_STARTED, f"onboarding:{agent_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={"mentor": mentor_id, "probation_end": probation_end}, tell=tell)


def onboarding_item_done(session: Session, *, agent_id: str, actor: str, now: datetime, item: str) -> None:
    _record(session, TeamEvent.ONBOARDING_ITEM_DONE, f"onboarding:{agent_id}", now=now, actor=actor,
            agent_id=agent_id, shop_id=None, data={"item": item})


def onboarding_regular(session: Session, *, agent_id: str, shop_id: str | None, actor: str, now: datetime, day: str,
                       early: bool, tell: str) -> None:  # fmt: skip
    """转正 confirmed by a supervisor (``early`` when before the probation end)."""
    _record(session, TeamEvent.ONBOARDING_REGULAR, f"onboarding:{agent_id}", now=now, actor=actor, agent_id=agent_id,
            shop_id=shop_id, data={"day": day, "early": early}, tell=tell)


def goal_set(session: Session, *, goal_id: int, agent_id: str, shop_id: str | None, actor: str, now: datetime,
             metric: str, target: str, end: str, tell: str) -> None:  # fmt: skip
    _record(session, TeamEvent.GOAL_SET, f"goal:{goal_id}", now=now, actor=actor, agent_id=agent_id, shop_id=shop_id,
            data={"metric": metric, "target": target, "end": end}, tell=tell)


def promoted(session: Session, *, agent_id: str, shop_id: str | None, actor: str, now: datetime, level: str,
             before: str, since: str, tell: str) -> None:  # fmt: skip
    _record(session, TeamEvent.PROMOTED, f"agent:{agent_id}", now=now, actor=actor, agent_id=agent_id, shop_id=shop_id,
            data={"level": level, "from": before, "since": since}, tell=tell)
