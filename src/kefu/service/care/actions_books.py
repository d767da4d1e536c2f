"""Care use-cases for seed 001's record books and the fines/rewards ledger.

Service statistics are computed from conversations and credited
orders, never typed; ledger rows are what the pay engine reads for fines and rewards.
Scope (issue 15, hole 18): callers pass ``agent_id``/``author`` already narrowed by
:func:`kefu.service.access.own_agent`, so an agent reads only its own entries, its
own statistics row and the handovers it gave or received; it writes entries only
in a shop it serves.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.care import logbook as books
from kefu.domain import privacy
from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import business_day, local_midnight, utc_now
from kefu.service import access
from kefu.service.access import Viewer
from kefu.service.care import store
from kefu.store.models.care import LedgerEntry, LogbookEntry
from kefu.store.models.org import Agent

# ----------------------------------------------------------------- logbooks


def add_logbook_entry(session: Session, *, shop_id: str, book: str, author: str, text: str, kind: str = "note",
                      day: date | None = None, data: dict[str, Any] | None = None, now: datetime | None = None,
                      viewer: Viewer | None = None) -> dict[str, Any]:  # fmt: skip
    books.check_entry(book, kind, text)
    access.require_shop(session, viewer, shop_id)
    when = now or utc_now()
    e = LogbookEntry(shop_id=shop_id, book=book, day=day or business_day(when), author=author[:64], kind=kind,
                     text=text, data=data or {}, created_at=when)  # fmt: skip
    session.add(e)
    session.flush()
    return _entry_view(e)


def _entry_view(e: LogbookEntry, role: str = "agent") -> dict[str, Any]:
    return {"id": e.id, "shop_id": e.shop_id, "book": e.book, "day": e.day.isoformat(), "author": e.author,
            "kind": e.kind, "text": privacy.text_for(role, e.text), "data": dict(e.data or {})}  # fmt: skip


def list_logbook(
    session: Session, *, shop_id: str, book: str, start: date, end: date, author: str | None = None,
    role: str = "agent",
) -> list[dict[str, Any]]:
    """A logbook's entries, texts masked for ``role`` (PIPL)."""
    q = select(LogbookEntry).where(LogbookEntry.shop_id == shop_id, LogbookEntry.book == book,
                                   LogbookEntry.day >= start, LogbookEntry.day <= end)  # fmt: skip
    if author:
        q = q.where(LogbookEntry.author == author)
    return [_entry_view(e, role) for e in session.scalars(q.order_by(LogbookEntry.day, LogbookEntry.id))]


def weekly_issue_summary(session: Session, *, shop_id: str, day: date, role: str = "agent") -> dict[str, Any]:
    """The issue register of the week containing ``day``, summarised for the supervisor."""
    monday = books.week_start(day)
    rows = list_logbook(session, shop_id=shop_id, book="issues", start=monday, end=monday + timedelta(days=6),
                        role=role)
    facts = [books.IssueFact(date.fromisoformat(r["day"]), r["author"], r["kind"], r["text"]) for r in rows]
    return books.weekly_issue_summary(facts, monday)


def service_stats(session: Session, day: date, *, shop_id: str | None = None,
                  agent_id: str | None = None) -> list[dict[str, Any]]:
    """服务统计本, computed: buyers each agent served (conversations opened that day), buyers among
    them with an order paid that day and credited to the agent, conversion rate (one agent's row with ``agent_id``)."""
    lo, hi = local_midnight(day), local_midnight(day + timedelta(days=1))
    served = [books.ServedFact(a, b) for a, b in store.served_buyers(session, lo, hi, shop_id)]
    credits = [books.CreditFact(a, b, o, m) for a, b, o, m in store.credited_orders(session, lo, hi, shop_id)]
    rows = [r for r in books.service_stats(served, credits) if agent_id is None or r["agent_id"] == agent_id]
    return [
        {
            **r,
            "day": day.isoformat(),
            "conversion_rate": str(r["conversion_rate"]) if r["conversion_rate"] is not None else None,
        }
        for r in rows
    ]


def handover_log(session: Session, *, shop_id: str, day: date, agent_id: str | None = None,
                 role: str = "agent") -> dict[str, Any]:
    """交接记录本: handover notes written that day plus the live handover rows of the day.

    With ``agent_id`` (an agent reading): its own notes and the handovers it gave or received.
    Texts are masked for ``role`` (PIPL).
    """
    lo, hi = local_midnight(day), local_midnight(day + timedelta(days=1))
    live = store.handovers(session, shop_id, lo, hi, agent_id)
    return {
        "day": day.isoformat(),
        "notes": list_logbook(session, shop_id=shop_id, book="handover", start=day, end=day, author=agent_id,
                              role=role),
        "handovers": [{"id": h.id, "at": h.at.isoformat(), "from_agent": h.from_agent, "to_agent": h.to_agent,
                       "items": privacy.items_for(role, h.items), "note": privacy.text_for(role, h.note)}
                      for h in live],
    }  # fmt: skip


# ----------------------------------------------------------------- fines and rewards


def add_ledger_entry(session: Session, *, agent_id: str, day: date, kind: str, amount_fen: int, reason: str,
                     evidence: str = "", by: str = "system", now: datetime | None = None) -> dict[str, Any]:  # fmt: skip
    """A fine (negative fen) or reward (positive fen) with its reason and evidence; pay reads these rows."""
    books.check_ledger_entry(kind, amount_fen, reason)
    if session.get(Agent, agent_id) is None:
        raise KefuError(ErrorCode.AGENT_UNKNOWN, f"未知客服 {agent_id}", f"unknown agent {agent_id}")
    e = LedgerEntry(agent_id=agent_id, day=day, amount_fen=amount_fen, kind=kind, reason=reason, evidence=evidence[:200],
                    created_by=by[:64], created_at=now or utc_now())  # fmt: skip
    session.add(e)
    session.flush()
    return _ledger_view(e)


def _ledger_view(e: LedgerEntry) -> dict[str, Any]:
    return {"id": e.id, "agent_id": e.agent_id, "day": e.day.isoformat(), "kind": e.kind, "amount_fen": e.amount_fen,
            "reason": e.reason, "evidence": e.evidence, "created_by": e.created_by}  # fmt: skip


def list_ledger(
    session: Session, *, agent_id: str | None = None, start: date | None = None, end: date | None = None
) -> dict[str, Any]:
    q = select(LedgerEntry).order_by(LedgerEntry.day, LedgerEntry.id)
    if agent_id:
        q = q.where(LedgerEntry.agent_id == agent_id)
    if start:
        q = q.where(LedgerEntry.day >= start)
    if end:
        q = q.where(LedgerEntry.day <= end)
    rows = [_ledger_view(e) for e in session.scalars(q)]
    return {"entries": rows, "fines_fen": sum(r["amount_fen"] for r in rows if r["kind"] == "fine"),
            "rewards_fen": sum(r["amount_fen"] for r in rows if r["kind"] == "reward"),
            "total_fen": sum(r["amount_fen"] for r in rows)}  # fmt: skip
