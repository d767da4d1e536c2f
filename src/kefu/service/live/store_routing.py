"""What routing reads: routable agents with their shift ends, and a new conversation's inputs.

Split from :mod:`kefu.service.live.store` (which keeps the locks and claims).
Every open reads every routable agent, so this is the hottest read of the live
floor; on PostgreSQL it is one psycopg statement returning the agents as one
JSON value (ADR 0002, "Hot path").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import String, Table, Text, and_, bindparam, func, or_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from kefu.domain.timeutil import SHOP_TZ
from kefu.live.model import AgentState, Contact, Policy, Status
from kefu.live.shifts import shift_end_for, window
from kefu.service.live.store import OPEN_STATUSES, A, C, Pg, conflict, connection_of, is_pg, one_row
from kefu.store.models.org import Shop
from kefu.store.models.plan import RosterEntry, ShiftTemplate


def _state(row: Any, shift_end: datetime | None) -> AgentState:
    return AgentState(id=row.id, skills=_skills(row.skills), secondary_skills=_skills(row.secondary_skills),
                      capacity=row.capacity, load=row.load, status=_STATUS[row.status],
                      last_assigned_at=row.last_assigned_at, weight=row.weight, shop=row.shop_id, shift_end=shift_end)


@lru_cache(maxsize=4096)
def _skills(raw: str | None) -> tuple[str, ...]:
    """Skill lists arrive as JSON text and are parsed once per distinct list (every open reads every agent)."""
    return tuple(json.loads(raw)) if raw else ()


_STATUS = {s.value: s for s in Status}
# skills as text (CAST), not decoded by the driver: parsing 2 lists x every agent on every open was a third of its CPU
_AGENT_COLS = (A.c.id, sql_cast(A.c.skills, Text).label("skills"), sql_cast(A.c.secondary_skills, Text).label("secondary_skills"),
               A.c.capacity, A.c.load, A.c.status, A.c.last_assigned_at, A.c.weight, A.c.shop_id)
R = cast(Table, RosterEntry.__table__)
T = cast(Table, ShiftTemplate.__table__)


def _agents_with_shifts(session: Session, now: datetime, *conditions: Any) -> list[AgentState]:
    """Agents and their shift end in one round trip (roster of today and last night joined in)."""
    today = now.astimezone(SHOP_TZ).date()
    roster = R.outerjoin(T, and_(T.c.shop_id == R.c.shop_id, T.c.code == R.c.shift_code))
    shifts = select(R.c.agent_id, R.c.day, T.c.start.label("s_start"), T.c.end.label("s_end")).select_from(roster) \
        .where(R.c.day.in_([today, today - timedelta(days=1)]), T.c.code.is_not(None)).subquery()
    rows = session.execute(select(*_AGENT_COLS, shifts.c.day, shifts.c.s_start, shifts.c.s_end)
                           .select_from(A.outerjoin(shifts, shifts.c.agent_id == A.c.id)).where(*conditions)).all()
    windows: dict[str, list[Any]] = {}
    first: dict[str, Any] = {}
    for r in rows:
        first.setdefault(r.id, r)
        if r.day is not None:
            windows.setdefault(r.id, []).append(window(r.day, r.s_start, r.s_end))
    return [_state(r, shift_end_for(now, windows[a]) if a in windows else None) for a, r in first.items()]


def routable_agents(session: Session, now: datetime) -> list[AgentState]:
    """Agents that could take a conversation right now (online/away with room)."""
    return _agents_with_shifts(session, now, A.c.active.is_(True), A.c.status.in_(("online", "away")),
                               A.c.load < A.c.capacity)


def agent_state(session: Session, agent_id: str, now: datetime) -> AgentState | None:
    found = _agents_with_shifts(session, now, A.c.id == agent_id)
    return found[0] if found else None


@lru_cache(maxsize=1)
def _open_inputs_stmt() -> Any:
    """Built once (bound parameters), so each call skips building and hashing the statement."""
    shop, buyer = bindparam("shop", type_=String()), bindparam("buyer", type_=String())
    latest = select(C.c.agent_id, C.c.closed_at).where(
        C.c.shop_id == shop, C.c.buyer == buyer, C.c.agent_id.is_not(None), C.c.assigned_at.is_not(None)) \
        .order_by(C.c.assigned_at.desc(), C.c.id.desc()).limit(1)
    waiting = select(C.c.id).where(C.c.shop_id == shop, C.c.buyer == buyer, C.c.status == "queued").limit(1)
    row = func.json_array(C.c.id, C.c.agent_id, C.c.status, C.c.buyer)
    replayed = select(row).where(C.c.request_id == bindparam("rid", type_=String()), C.c.shop_id == shop)
    open_one = select(row).where(C.c.shop_id == shop, C.c.buyer == buyer, C.c.status.in_(OPEN_STATUSES)) \
        .order_by(C.c.id.desc()).limit(1)
    ctx = select(
        select(Shop.settings).where(Shop.id == shop).scalar_subquery().label("settings"),
        latest.with_only_columns(C.c.agent_id).scalar_subquery().label("contact_agent"),
        latest.with_only_columns(C.c.closed_at).scalar_subquery().label("contact_closed_at"),
        waiting.exists().label("waiting"), replayed.scalar_subquery().label("replayed"),
        open_one.scalar_subquery().label("open_one")).subquery("ctx")
    roster = R.outerjoin(T, and_(T.c.shop_id == R.c.shop_id, T.c.code == R.c.shift_code))
    days = (bindparam("today", type_=R.c.day.type), bindparam("yesterday", type_=R.c.day.type))
    shifts = select(R.c.agent_id, R.c.day, T.c.start.label("s_start"), T.c.end.label("s_end")).select_from(roster) \
        .where(or_(R.c.day == days[0], R.c.day == days[1]), T.c.code.is_not(None)).subquery()
    routable = and_(A.c.active.is_(True), A.c.status.in_(("online", "away")), A.c.load < A.c.capacity)
    agents = A.outerjoin(shifts, shifts.c.agent_id == A.c.id)
    return select(ctx.c.settings, ctx.c.contact_agent, ctx.c.contact_closed_at, ctx.c.waiting, ctx.c.replayed,
                  ctx.c.open_one,
                  *_AGENT_COLS, shifts.c.day, shifts.c.s_start, shifts.c.s_end) \
        .select_from(ctx.outerjoin(agents, routable))


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


def _open_inputs_pg_rows(pg: Pg, shop: str, buyer: str, today: date, request_id: str | None) -> tuple[Any, list[AgentRow]]:
    """A new conversation's reads in one round trip: the buyer context row and the routable agents.

    The context includes the conversation an earlier request with ``request_id``
    opened (``replayed``) and the buyer's open one (``open_one``), each as
    ``[id, agent, status, buyer]``. The agents come back as one JSON array:
    decoding ~100 rows cell by cell through the driver was most of an open's CPU.
    """
    head = one_row(pg, _OPEN_INPUTS, {"shop": shop, "buyer": buyer, "today": today, "rid": request_id,
                                   "yesterday": today - timedelta(days=1)})
    rows = []
    for i in head.agents or ():
        assigned = datetime.fromisoformat(i[6]) if i[6] else None
        day = date.fromisoformat(i[9]) if i[9] else None
        rows.append(AgentRow(i[0], i[1], i[2], i[3], i[4], i[5], assigned, i[7], i[8], day, i[10], i[11]))
    return head, rows


class Earlier(NamedTuple):
    """A conversation opened before: by the same client request, or the buyer's still open one."""

    id: int
    agent: str | None
    status: str
    buyer: str


class OpenInputs(NamedTuple):
    policy: Policy
    contact: Contact | None
    buyer_waits: bool  # the buyer has a queued conversation in the shop
    agents: list[AgentState]
    replayed: Earlier | None  # what the request id opened before
    open_one: Earlier | None  # the buyer's newest open conversation in the shop


def open_inputs(session: Session, shop: str, buyer: str, now: datetime,
                request_id: str | None = None) -> OpenInputs:
    """The buyer's context and :func:`routable_agents` in one round trip (a new conversation's reads).

    The one-row buyer context is left-joined to the routable agents (with their
    shifts), so it comes back even when no agent is routable. PostgreSQL runs
    :func:`open_inputs_pg` on the session's connection.
    """
    if is_pg(session):
        return open_inputs_pg(connection_of(session), shop, buyer, now, request_id)
    today = now.astimezone(SHOP_TZ).date()
    params = {"shop": shop, "buyer": buyer, "today": today, "yesterday": today - timedelta(days=1),
              "rid": request_id}
    rows = session.connection().execute(_open_inputs_stmt(), params).all()  # Core: no ORM on the hot path
    return _inputs(rows[0], [r for r in rows if r.id is not None], now)


def open_inputs_pg(pg: Pg, shop: str, buyer: str, now: datetime,
                   request_id: str | None = None) -> OpenInputs:
    """:func:`open_inputs` on a psycopg connection (the hot path's own, or a session's)."""
    head, agent_rows = _open_inputs_pg_rows(pg, shop, buyer, now.astimezone(SHOP_TZ).date(), request_id)
    return _inputs(head, agent_rows, now)


def _earlier(value: Any) -> Earlier | None:
    """``[id, agent, status, buyer]`` as JSON (text on SQLite, decoded on PostgreSQL)."""
    if value is None:
        return None
    return Earlier(*(json.loads(value) if isinstance(value, str) else value))


def _inputs(head: Any, agent_rows: Sequence[Any], now: datetime) -> OpenInputs:
    settings = head.settings if isinstance(head.settings, dict) else None
    contact = None if head.contact_agent is None else Contact(head.contact_agent,
                                                               _aware(head.contact_closed_at) or now)
    windows: dict[str, list[Any]] = {}
    first: dict[str, Any] = {}
    for r in agent_rows:
        first.setdefault(r.id, r)
        if r.day is not None:
            windows.setdefault(r.id, []).append(window(r.day, str(r.s_start), str(r.s_end)))
    states = [_state(r, shift_end_for(now, windows[a]) if a in windows else None) for a, r in first.items()]
    return OpenInputs(Policy.from_shop_settings(settings), contact, bool(head.waiting), states,
                      _earlier(head.replayed), _earlier(head.open_one))


def _aware(value: datetime | None) -> datetime | None:
    """Scalar subqueries bypass the column type: re-attach UTC to SQLite's naive values."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def answered_before(inputs: OpenInputs, buyer: str, *, reuse_open: bool) -> dict[str, Any] | None:
    """The answer an open gets without writing: what its request id opened before, or the buyer's open chat.

    Why: a client that got no answer (a timeout, a 500) retries, and a retry
    must not assign the buyer again. With the request id it gets the same
    conversation (as it stands now); without one, the buyer's open conversation.
    """
    earlier = inputs.replayed
    if earlier is not None and earlier.buyer != buyer:
        raise conflict("请求编号已用于另一位买家的会话", "this request id already opened another buyer's conversation")
    earlier = earlier or (inputs.open_one if reuse_open else None)
    return None if earlier is None else {"id": earlier.id, "agent": earlier.agent, "status": earlier.status}
