"""The live floor's three hot statements on PostgreSQL, run on the psycopg connection itself.

Why not through SQLAlchemy: a chat costs three statements (read an open's
inputs, claim + insert, close), each written by hand as one SQL text anyway.
Sessions, compiled-statement lookup, result metadata and row proxies cost a
quarter of an API worker's CPU per assignment on 2 cores (ADR 0002, "Hot path").
The statements run on whichever psycopg connection the caller has: the one
under a SQLAlchemy session's transaction (:func:`connection_of`) or the hot
path's own autocommit connection (:mod:`kefu.store.autocommit`). Each is
atomic on its own, so either works.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple, cast

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy.orm import Session

from kefu.live.model import Candidate
from kefu.service.live_store import AWAY_OK, CLAIM_CHUNK

Pg = psycopg.Connection[Any]


def connection_of(session: Session) -> Pg:
    """The psycopg connection under ``session`` (its transaction, if any, stays in charge)."""
    return cast(Pg, session.connection().connection.dbapi_connection)


def _one(pg: Pg, sql: str, params: dict[str, Any]) -> Any:
    """The first row as a named tuple, or ``None``."""
    with pg.cursor(row_factory=namedtuple_row) as cur:
        return cur.execute(sql, params).fetchone()


_OPEN_INPUTS = """
WITH ag AS (
  SELECT a.id, CAST(a.skills AS text) AS skills, CAST(a.secondary_skills AS text) AS secondary_skills, a.capacity,
         a.load, a.status, a.last_assigned_at, a.weight, a.shop_id, r.day, t.start, t."end"
  FROM agents a
  LEFT JOIN (roster_entries r JOIN shift_templates t ON t.shop_id = r.shop_id AND t.code = r.shift_code)
    ON r.agent_id = a.id AND r.day IN (%(today)s, %(yesterday)s)
  WHERE a.active AND a.status IN ('online', 'away') AND a.load < a.capacity),
latest AS (
  SELECT agent_id, closed_at FROM conversations
  WHERE shop_id = %(shop)s AND buyer = %(buyer)s AND agent_id IS NOT NULL AND assigned_at IS NOT NULL
  ORDER BY assigned_at DESC, id DESC LIMIT 1)
SELECT (SELECT settings FROM shops WHERE id = %(shop)s) AS settings,
       (SELECT agent_id FROM latest) AS contact_agent, (SELECT closed_at FROM latest) AS contact_closed_at,
       EXISTS (SELECT 1 FROM conversations WHERE shop_id = %(shop)s AND buyer = %(buyer)s AND status = 'queued')
         AS waiting,
       (SELECT json_build_array(id, agent_id, status, buyer) FROM conversations
        WHERE request_id = %(rid)s AND shop_id = %(shop)s) AS replayed,
       (SELECT json_build_array(id, agent_id, status, buyer) FROM conversations
        WHERE shop_id = %(shop)s AND buyer = %(buyer)s AND status IN ('assigned', 'queued', 'bot')
        ORDER BY id DESC LIMIT 1) AS open_one,
       (SELECT json_agg(json_build_array(id, skills, secondary_skills, capacity, load, status, last_assigned_at,
                                         weight, shop_id, day, start, "end")) FROM ag) AS agents
"""


class AgentRow(NamedTuple):
    """One routable agent of :func:`open_inputs`, named like the Core rows the SQLite path reads."""

    id: str
    skills: str
    secondary_skills: str
    capacity: int
    load: int
    status: str
    last_assigned_at: datetime | None
    weight: int
    shop_id: str | None
    day: date | None
    s_start: str | None
    s_end: str | None


def open_inputs(pg: Pg, shop: str, buyer: str, today: date, request_id: str | None) -> tuple[Any, list[AgentRow]]:
    """A new conversation's reads in one round trip: the buyer context row and the routable agents.

    The context includes the conversation an earlier request with ``request_id``
    opened (``replayed``) and the buyer's open one (``open_one``), each as
    ``[id, agent, status, buyer]``. The agents come back as one JSON array:
    decoding ~100 rows cell by cell through the driver was most of an open's CPU.
    """
    head = _one(pg, _OPEN_INPUTS, {"shop": shop, "buyer": buyer, "today": today, "rid": request_id,
                                   "yesterday": today - timedelta(days=1)})
    rows = []
    for i in head.agents or ():
        assigned = datetime.fromisoformat(i[6]) if i[6] else None
        day = date.fromisoformat(i[9]) if i[9] else None
        rows.append(AgentRow(i[0], i[1], i[2], i[3], i[4], i[5], assigned, i[7], i[8], day, i[10], i[11]))
    return head, rows


_OPEN = """
WITH pick AS (
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
  RETURNING agents.id, pick.reason),
conv AS (
  INSERT INTO conversations (shop_id, buyer, "group", status, agent_id, opened_at, assigned_at, channel, request_id)
  SELECT %(shop)s, %(buyer)s, %(grp)s, 'assigned', claimed.id, %(now)s, %(now)s, %(channel)s, %(rid)s FROM claimed
  RETURNING id, agent_id),
ev AS (
  INSERT INTO events (ts, kind, shop_id, agent_id, subject, data, actor)
  SELECT %(now)s, 'conversation.assigned', %(shop)s, conv.agent_id, 'conversation:' || conv.id,
         json_build_object('reason', claimed.reason, 'group', CAST(%(grp)s AS text),
                           'buyer', CAST(%(buyer)s AS text)),
         'system'
  FROM conv JOIN claimed ON claimed.id = conv.agent_id)
SELECT conv.id, conv.agent_id, claimed.reason FROM conv JOIN claimed ON claimed.id = conv.agent_id
"""


def open_claimed(pg: Pg, candidates: Sequence[Candidate], *, shop: str, buyer: str, group: str,
                 channel: str, now: datetime, request_id: str | None) -> tuple[int, Candidate] | None:
    """Claim the best unlocked candidate with room, insert the conversation and its event: one round trip.

    Same row-lock rule as :func:`kefu.service.live_store.claim` (``SKIP LOCKED``,
    ``load < capacity`` re-checked under the lock). Only the best ``CLAIM_CHUNK``
    candidates are tried; ``None`` (nothing written) sends the caller to the
    general path.
    """
    best: dict[str, Candidate] = {}
    for cand in candidates:
        best.setdefault(cand.agent_id, cand)
        if len(best) == CLAIM_CHUNK:
            break
    ids = list(best)
    row = _one(pg, _OPEN, {
        "ids": ids, "reasons": [str(best[i].reason) for i in ids],
        "away": [i for i in ids if best[i].reason in AWAY_OK], "now": now, "shop": shop, "buyer": buyer,
        "grp": group, "channel": channel, "rid": request_id})
    if row is None:
        return None
    return int(row.id), best[row.agent_id]


_CLOSE = """
WITH old AS (SELECT id, status, agent_id, shop_id, buyer, "group" FROM conversations WHERE id = %(c)s FOR UPDATE),
upd AS (
  UPDATE conversations SET status = 'closed', closed_at = %(now)s FROM old
  WHERE conversations.id = old.id AND old.status <> 'closed'
  RETURNING old.id, old.status, old.agent_id, old.shop_id, old.buyer, old."group"),
freed AS (
  UPDATE agents SET load = agents.load - 1 FROM upd
  WHERE agents.id = upd.agent_id AND upd.status = 'assigned'
  RETURNING agents.id),
ev AS (
  INSERT INTO events (ts, kind, shop_id, agent_id, subject, data, actor)
  SELECT %(now)s, 'conversation.closed', upd.shop_id, upd.agent_id, 'conversation:' || upd.id,
         json_build_object('was', upd.status), 'system' FROM upd),
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

    The row lock on the conversation is taken first.

    Returns the row as it was plus ``freed`` (1 when capacity was given back) and
    ``waiting`` (something is queued: the caller drains); ``None`` when the
    conversation is unknown or already closed (nothing written).
    """
    return _one(pg, _CLOSE, {"c": conversation_id, "now": now})
