"""Database side of the live floor: atomic claims, row locks, the one-statement open and close.

Kept apart from the use-cases so the locking rules sit in one place. On
PostgreSQL the claim takes the best candidate that nobody else is locking
(``FOR UPDATE SKIP LOCKED``) in one statement, and falls back to waiting on a
row only when every candidate with room is momentarily locked. On SQLite the
database serialises writers, so a conditional ``UPDATE`` is enough.

Each statement exists once. PostgreSQL's claim (``_PICK``/``_CLAIMED``) is one
SQL text, run on the psycopg connection (:func:`connection_of`) — under a
session's transaction or on the hot path's own autocommit connection — and
composed into the one-statement open (:data:`_OPEN`). Why psycopg and not
SQLAlchemy: sessions, compiled-statement lookup and row proxies cost a quarter
of an API worker's CPU per assignment on 2 cores (ADR 0002, "Hot path").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import CursorResult, Table, and_, func, or_, select, update
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.live.model import Candidate, Contact, Decision, Policy, Reason, Request
from kefu.service.live import events
from kefu.service.live.events import LiveEvent
from kefu.store.models.live import Conversation, Event
from kefu.store.models.org import Agent, Shop

C = cast(Table, Conversation.__table__)
A = cast(Table, Agent.__table__)
E = cast(Table, Event.__table__)
AWAY_OK = (Reason.STICKY, Reason.DEDICATED)
OPEN_STATUSES = ("assigned", "queued", "bot")  # a conversation in one of these is still open
_MAX_CLAIM_ROUNDS = 8
CLAIM_CHUNK = 16  # the best few candidates: one short statement, no O(n²) ranking in SQL
Pg = psycopg.Connection[Any]


def _rowcount(result: Any) -> int:
    return int(cast(CursorResult[Any], result).rowcount)


def conflict(zh: str, en: str) -> KefuError:
    return KefuError(ErrorCode.CONFLICT, zh, en)


def is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def connection_of(session: Session) -> Pg:
    """The psycopg connection under ``session`` (its transaction, if any, stays in charge)."""
    return cast(Pg, session.connection().connection.dbapi_connection)


def one_row(pg: Pg, sql: str, params: dict[str, Any]) -> Any:
    """The first row as a named tuple, or ``None``."""
    with pg.cursor(row_factory=namedtuple_row) as cur:
        return cur.execute(sql, params).fetchone()


class PolicyCache:
    """Per-call cache of shop routing policies (``Shop.settings["live"]``, the bot mode from ``["care"]``)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._known: dict[str, Policy] = {}

    def get(self, shop: str) -> Policy:
        if shop not in self._known:
            settings = self._session.scalar(select(Shop.settings).where(Shop.id == shop))
            self._known[shop] = Policy.from_shop_settings(settings)
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


def close_row(session: Session, conversation_id: int, now: datetime) -> Any | None:
    """Close under the row lock and return the row as it was (status ``closed`` = it already was).

    PostgreSQL closes an open conversation with :data:`_CLOSE` (one statement);
    it comes here only to word the error for an unknown or closed one.
    """
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
        E.c.kind.in_((LiveEvent.CONVERSATION_TRANSFERRED, LiveEvent.CONVERSATION_RECEPTION)))
        .order_by(E.c.id.desc()).limit(1))
    return last == LiveEvent.CONVERSATION_TRANSFERRED


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
        if claim_one(session, cand, now):
            return cand
    return None


def claim_one(session: Session, cand: Candidate, now: datetime) -> bool:
    """The conditional claim of one agent (waits on its row lock if another transaction holds it)."""
    done = session.execute(update(A).where(A.c.id == cand.agent_id, A.c.load < A.c.capacity, _status_ok([cand]))
                           .values(load=A.c.load + 1, last_assigned_at=now))
    return _rowcount(done) == 1




# The claim on PostgreSQL: the best candidate nobody else is locking, load re-checked under the lock.
_PICK = """
pick AS (
  SELECT a.id, c.reason FROM agents a
  JOIN unnest(CAST(%(ids)s AS text[]), CAST(%(reasons)s AS text[])) WITH ORDINALITY AS c(id, reason, ord)
    ON a.id = c.id
  WHERE a.load < a.capacity
    AND (a.status = 'online' OR (a.status = 'away' AND a.id = ANY(CAST(%(away)s AS text[]))))
  ORDER BY c.ord LIMIT 1
  FOR UPDATE OF a SKIP LOCKED),
claimed AS (
  UPDATE agents SET load = agents.load + 1, last_assigned_at = %(now)s FROM pick
  WHERE agents.id = pick.id AND agents.load < agents.capacity
  RETURNING agents.id, pick.reason)"""
_CLAIM = f"WITH {_PICK}\nSELECT id FROM claimed"


def _claim_params(candidates: Sequence[Candidate], now: datetime) -> dict[str, Any]:
    """The statement's parameters for the first :data:`CLAIM_CHUNK` distinct candidates, best first."""
    best: dict[str, Candidate] = {}
    for cand in candidates:
        best.setdefault(cand.agent_id, cand)
        if len(best) == CLAIM_CHUNK:
            break
    ids = list(best)
    return {"ids": ids, "reasons": [str(best[i].reason) for i in ids],
            "away": [i for i in ids if best[i].reason in AWAY_OK], "now": now}


def _claim_pg(session: Session, candidates: list[Candidate], now: datetime) -> Candidate | None:
    pg = connection_of(session)
    by_id = {c.agent_id: c for c in candidates}
    for _ in range(_MAX_CLAIM_ROUNDS):
        for start in range(0, len(candidates), CLAIM_CHUNK):
            got = one_row(pg, _CLAIM, _claim_params(candidates[start:start + CLAIM_CHUNK], now))
            if got is not None:
                return by_id[got.id]
        # Nobody free and unlocked. If someone has room but is locked, wait on the best of them.
        with_room = set(session.scalars(select(A.c.id).where(A.c.id.in_(list(by_id)), A.c.load < A.c.capacity,
                                                              _status_ok(candidates))))
        waiting = next((c for c in candidates if c.agent_id in with_room), None)
        if waiting is None:
            return None
        if claim_one(session, waiting, now):
            return waiting
    return None  # queued; the sweep assigns it within a second if room appears


_OPEN = f"""
WITH {_PICK},
conv AS (
  INSERT INTO conversations (shop_id, buyer, "group", status, agent_id, opened_at, assigned_at, channel, request_id)
  SELECT %(shop)s, %(buyer)s, %(grp)s, 'assigned', claimed.id, %(now)s, %(now)s, %(channel)s, %(rid)s FROM claimed
  RETURNING id, agent_id),
ev AS ({events.in_statement(
    source="conv JOIN claimed ON claimed.id = conv.agent_id", shop="%(shop)s", agent="conv.agent_id",
    subject="'conversation:' || conv.id",
    data="json_build_object('reason', claimed.reason, 'group', CAST(%(grp)s AS text), "
         "'buyer', CAST(%(buyer)s AS text))")})
SELECT conv.id, conv.agent_id, claimed.reason FROM conv JOIN claimed ON claimed.id = conv.agent_id
"""


def open_claimed(pg: Pg, candidates: Sequence[Candidate], *, shop: str, buyer: str, group: str,
                 channel: str, now: datetime, request_id: str | None) -> tuple[int, Candidate] | None:
    """Claim the best unlocked candidate with room, insert the conversation and its event: one round trip.

    Same claim as :func:`claim` (``SKIP LOCKED``, ``load < capacity`` re-checked
    under the lock) over the best :data:`CLAIM_CHUNK` candidates; ``None``
    (nothing written) sends the caller to the general path.
    """
    params = _claim_params(candidates, now)
    row = one_row(pg, _OPEN, {**params, "shop": shop, "buyer": buyer, "grp": group, "channel": channel,
                              "rid": request_id, "kind": LiveEvent.CONVERSATION_ASSIGNED.value})
    if row is None:
        return None
    return int(row.id), next(c for c in candidates if c.agent_id == row.agent_id)


_CLOSE = f"""
WITH old AS (SELECT id, status, agent_id, shop_id, buyer, "group" FROM conversations WHERE id = %(c)s FOR UPDATE),
upd AS (
  UPDATE conversations SET status = 'closed', closed_at = %(now)s FROM old
  WHERE conversations.id = old.id AND old.status <> 'closed'
  RETURNING old.id, old.status, old.agent_id, old.shop_id, old.buyer, old."group"),
freed AS (
  UPDATE agents SET load = agents.load - 1 FROM upd
  WHERE agents.id = upd.agent_id AND upd.status = 'assigned'
  RETURNING agents.id),
ev AS ({events.in_statement(source="upd", shop="upd.shop_id", agent="upd.agent_id",
                           subject="'conversation:' || upd.id", data="json_build_object('was', upd.status)")}),
survey AS (  -- the buyer's satisfaction survey (kefu.service.care.actions_surveys.invite_on_close)
  INSERT INTO surveys (shop_id, conversation_id, agent_id, sent_at, comment, created_by)
  SELECT upd.shop_id, upd.id, upd.agent_id, %(now)s, '', 'system' FROM upd WHERE upd.status = 'assigned'
  ON CONFLICT (conversation_id) DO NOTHING)
SELECT upd.id, upd.status, upd.agent_id, upd.shop_id, upd.buyer, upd."group",
       (SELECT count(*) FROM freed) AS freed,
       EXISTS (SELECT 1 FROM conversations WHERE status = 'queued') AS waiting
FROM upd
"""


def close_all(pg: Pg, conversation_id: int, now: datetime) -> Any | None:
    """Close, free the agent's capacity, log the event and invite the buyer's survey in one statement.

    Returns the row as it was plus ``freed`` (1 when capacity was given back) and
    ``waiting`` (something is queued: the caller drains); ``None`` when the
    conversation is unknown or already closed (nothing written).
    """
    return one_row(pg, _CLOSE, {"c": conversation_id, "now": now, "kind": LiveEvent.CONVERSATION_CLOSED.value})


@dataclass(frozen=True)
class Written:
    """What a one-statement write answers, and what must follow it in a transaction of its own.

    ``drain`` is an agent whose room may now fit queued conversations; were
    that step lost, the sweep does it within a second, as for any missed drain.
    """

    result: dict[str, Any]
    drain: str | None


def claim_open(pg: Pg, decision: Decision, *, shop: str, buyer: str, group: str, channel: str,
               now: datetime, buyer_waits: bool, request_id: str | None) -> Written | None:
    """Claim the best free candidate and insert the conversation with its event, in one statement.

    ``None`` (nothing written) when the bot answers, nobody is a candidate or
    every candidate is full or locked: the caller then takes the general path.
    """
    if decision.bot or not decision.candidates:
        return None
    fast = open_claimed(pg, decision.candidates, shop=shop, buyer=buyer, group=group, channel=channel,
                        now=now, request_id=request_id)
    if fast is None:
        return None
    cid, won = fast
    # the buyer's older queued chats are now sticky to this agent
    return Written({"id": cid, "agent": won.agent_id, "status": "assigned"}, won.agent_id if buyer_waits else None)


def try_close(pg: Pg, conversation_id: int, now: datetime) -> Written | None:
    """Close, give the agent's capacity back and log it, in one statement; ``None`` if unknown or closed."""
    done = close_all(pg, conversation_id, now)
    if done is None:
        return None
    drain = done.agent_id if done.freed and done.waiting else None  # capacity came back and something waits
    return Written({"id": conversation_id, "agent": done.agent_id, "status": "closed", "group": done.group,
                    "shop": done.shop_id, "buyer": done.buyer}, drain)


@dataclass(frozen=True)
class ConversationFilter:
    shop: str | None = None
    agent: str | None = None
    status: str | None = None
    since: datetime | None = None  # opened at or after
    until: datetime | None = None  # opened before


def conversation_page(session: Session, f: ConversationFilter, offset: int, limit: int
                      ) -> tuple[int, list[Conversation]]:  # fmt: skip
    """(how many match, the page of them): newest opened first, ties by id, so every database agrees."""
    conds = [c for c in (
        Conversation.shop_id == f.shop if f.shop else None,
        Conversation.agent_id == f.agent if f.agent else None,
        Conversation.status == f.status if f.status else None,
        Conversation.opened_at >= f.since if f.since else None,
        Conversation.opened_at < f.until if f.until else None,
    ) if c is not None]  # fmt: skip
    total = session.scalar(select(func.count()).select_from(Conversation).where(*conds)) or 0
    rows = session.scalars(select(Conversation).where(*conds)
                           .order_by(Conversation.opened_at.desc(), Conversation.id.desc())
                           .offset(offset).limit(limit))  # fmt: skip
    return int(total), list(rows)
