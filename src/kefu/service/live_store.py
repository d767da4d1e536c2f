"""Database side of the live floor: atomic claims, row locks, loading router inputs.

Kept apart from the use-cases so the locking rules sit in one place. On
PostgreSQL the claim takes the best candidate that nobody else is locking
(``FOR UPDATE SKIP LOCKED``) in one statement, and falls back to waiting on a
row only when every candidate with room is momentarily locked. On SQLite the
database serialises writers, so a conditional ``UPDATE`` is enough.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, and_, insert, or_, select, text, update
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.live.model import Candidate, Contact, Policy, Reason, Request
from kefu.store.models.live import Conversation, Event
from kefu.store.models.org import Agent, Shop

C = cast(Table, Conversation.__table__)
A = cast(Table, Agent.__table__)
E = cast(Table, Event.__table__)
AWAY_OK = (Reason.STICKY, Reason.DEDICATED)
OPEN_STATUSES = ("assigned", "queued", "bot")  # a conversation in one of these is still open
_MAX_CLAIM_ROUNDS = 8


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def conflict(zh: str, en: str) -> KefuError:
    return KefuError(ErrorCode.CONFLICT, zh, en)


def is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def event(session: Session, ts: datetime, kind: str, subject: str, *, shop: str | None = None,
          agent_id: str | None = None, data: dict[str, Any] | None = None, actor: str = "system") -> None:
    """Append one row to the event log (audit trail, timelines and metrics read it)."""
    session.execute(insert(E).values(ts=ts, kind=kind, shop_id=shop, agent_id=agent_id, subject=subject,
                                     data=data or {}, actor=actor))


class PolicyCache:
    """Per-call cache of shop routing policies (``Shop.settings["live"]``)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._known: dict[str, Policy] = {}

    def get(self, shop: str) -> Policy:
        if shop not in self._known:
            settings = self._session.scalar(select(Shop.settings).where(Shop.id == shop))
            self._known[shop] = Policy.from_settings((settings or {}).get("live"))
        return self._known[shop]


def policy_cache(session: Session) -> PolicyCache:
    return PolicyCache(session)


def policy(session: Session, shop: str) -> Policy:
    return PolicyCache(session).get(shop)


def lock_agent(session: Session, agent_id: str) -> Any | None:
    stmt = select(A.c.id, A.c.status, A.c.load, A.c.capacity).where(A.c.id == agent_id)
    return session.execute(stmt.with_for_update() if is_pg(session) else stmt).one_or_none()


def lock_agents(session: Session, agent_ids: Sequence[str]) -> None:
    """Lock several agent rows in id order (PostgreSQL), so two opposite transfers cannot deadlock."""
    if is_pg(session) and agent_ids:
        session.execute(select(A.c.id).where(A.c.id.in_(sorted(set(agent_ids)))).order_by(A.c.id).with_for_update())


def lock_conversation(session: Session, conversation_id: int) -> Any | None:
    stmt = select(C.c.id, C.c.shop_id, C.c.buyer, C.c.group, C.c.status, C.c.agent_id, C.c.opened_at) \
        .where(C.c.id == conversation_id)
    return session.execute(stmt.with_for_update() if is_pg(session) else stmt).one_or_none()


_PG_CLOSE = text("""
WITH old AS (SELECT id, status, agent_id, shop_id, buyer, "group" FROM conversations WHERE id = :c FOR UPDATE)
UPDATE conversations SET status = 'closed', closed_at = :now FROM old
WHERE conversations.id = old.id AND old.status <> 'closed'
RETURNING old.id, old.status, old.agent_id, old.shop_id, old.buyer, old."group"
""")


def close_row(session: Session, conversation_id: int, now: datetime) -> Any | None:
    """Close under the row lock and return the row as it was (status ``closed`` = it already was)."""
    if is_pg(session):
        row = session.execute(_PG_CLOSE, {"c": conversation_id, "now": now}).one_or_none()
        if row is not None:
            return row
        return session.execute(select(C.c.id, C.c.status, C.c.agent_id, C.c.shop_id, C.c.buyer, C.c.group)
                               .where(C.c.id == conversation_id)).one_or_none()
    row = lock_conversation(session, conversation_id)
    if row is not None and row.status != "closed":
        session.execute(update(C).where(C.c.id == conversation_id).values(status="closed", closed_at=now))
    return row


def lock_queued(session: Session, conversation_id: int) -> bool:
    """Lock a queued conversation for this transaction, skipping it if another worker holds it."""
    stmt = select(C.c.id).where(C.c.id == conversation_id, C.c.status == "queued")
    if is_pg(session):
        stmt = stmt.with_for_update(skip_locked=True)
    return session.execute(stmt).first() is not None


def queued(session: Session, limit: int) -> list[Request]:
    rows = session.execute(select(C.c.id, C.c.shop_id, C.c.buyer, C.c.group, C.c.opened_at)
                           .where(C.c.status == "queued").order_by(C.c.opened_at, C.c.id).limit(limit)).all()
    return [Request(r.id, r.shop_id, r.buyer, r.group, r.opened_at) for r in rows]


def contact(session: Session, shop: str, buyer: str, now: datetime) -> Contact | None:
    """The agent of the buyer's most recently assigned conversation (served now if still open)."""
    row = session.execute(select(C.c.agent_id, C.c.closed_at).where(
        C.c.shop_id == shop, C.c.buyer == buyer, C.c.agent_id.is_not(None), C.c.assigned_at.is_not(None))
        .order_by(C.c.assigned_at.desc(), C.c.id.desc()).limit(1)).first()
    return None if row is None else Contact(row.agent_id, row.closed_at or now)


def contacts(session: Session, reqs: Sequence[Request], now: datetime) -> dict[tuple[str, str], Contact]:
    """Sticky contacts for a batch of queued buyers in one query."""
    buyers = sorted({r.buyer for r in reqs})
    if not buyers:
        return {}
    rows = session.execute(select(C.c.shop_id, C.c.buyer, C.c.agent_id, C.c.closed_at, C.c.assigned_at, C.c.id)
                           .where(C.c.buyer.in_(buyers), C.c.agent_id.is_not(None), C.c.assigned_at.is_not(None))
                           ).all()
    best: dict[tuple[str, str], Any] = {}
    for r in rows:
        key = (r.shop_id, r.buyer)
        if key not in best or (r.assigned_at, r.id) > (best[key].assigned_at, best[key].id):
            best[key] = r
    return {k: Contact(r.agent_id, r.closed_at or now) for k, r in best.items()}


def reception_pending(session: Session, conversation_id: int, agent_id: str) -> bool:
    """A transfer to ``agent_id`` not yet followed by a buyer message (转交 counts on the next one)."""
    last = session.scalar(select(E.c.kind).where(
        E.c.agent_id == agent_id, E.c.subject == f"conversation:{conversation_id}",
        E.c.kind.in_(("conversation.transferred", "conversation.reception"))).order_by(E.c.id.desc()).limit(1))
    return last == "conversation.transferred"


def _status_ok(candidates: Sequence[Candidate]) -> Any:
    away = [c.agent_id for c in candidates if c.reason in AWAY_OK]
    return or_(A.c.status == "online", and_(A.c.status == "away", A.c.id.in_(away or [""])))


def claim(session: Session, candidates: Sequence[Candidate], now: datetime) -> Candidate | None:
    """Atomically add one to the load of the first candidate that still has room."""
    if not candidates:
        return None
    by_id = {c.agent_id: c for c in candidates}
    if is_pg(session):
        return _claim_pg(session, list(by_id.values()), now)
    for cand in by_id.values():
        ok = _status_ok([cand])
        done = session.execute(update(A).where(A.c.id == cand.agent_id, A.c.load < A.c.capacity, ok)
                               .values(load=A.c.load + 1, last_assigned_at=now))
        if _rowcount(done) == 1:
            return cand
    return None


_PG_FAST = text("""
UPDATE agents SET load = load + 1, last_assigned_at = :now
WHERE id = (
  SELECT a.id FROM agents a JOIN unnest(CAST(:ids AS text[])) WITH ORDINALITY AS c(id, ord) ON a.id = c.id
  WHERE a.load < a.capacity
    AND (a.status = 'online' OR (a.status = 'away' AND a.id = ANY(CAST(:away AS text[]))))
  ORDER BY c.ord LIMIT 1
  FOR UPDATE OF a SKIP LOCKED)
RETURNING id
""")
CLAIM_CHUNK = 16  # the best few candidates: one short statement, no O(n²) ranking in SQL


def _claim_pg(session: Session, candidates: list[Candidate], now: datetime) -> Candidate | None:
    ids = [c.agent_id for c in candidates]
    away = [c.agent_id for c in candidates if c.reason in AWAY_OK]
    for _ in range(_MAX_CLAIM_ROUNDS):
        for start in range(0, len(ids), CLAIM_CHUNK):
            got = session.execute(_PG_FAST, {"now": now, "ids": ids[start:start + CLAIM_CHUNK], "away": away}).scalar()
            if got is not None:
                return next(c for c in candidates if c.agent_id == got)
        # Nobody free and unlocked. If someone has room but is locked, wait on the best of them.
        with_room = set(session.scalars(select(A.c.id).where(A.c.id.in_(ids), A.c.load < A.c.capacity,
                                                              _status_ok(candidates))))
        waiting = next((c for c in candidates if c.agent_id in with_room), None)
        if waiting is None:
            return None
        done = session.execute(update(A).where(A.c.id == waiting.agent_id, A.c.load < A.c.capacity,
                                               _status_ok([waiting]))
                               .values(load=A.c.load + 1, last_assigned_at=now))
        if _rowcount(done) == 1:
            return waiting
    return None  # queued; the sweep assigns it within a second if room appears
