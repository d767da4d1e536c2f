"""Live-floor use-cases: agents, presence, conversations, transfers, queue, monitor.

The pure router (:mod:`kefu.live.router`) ranks the agents; the database has
the last word. An assignment is an atomic claim (``UPDATE agents SET load =
load + 1 WHERE … AND load < capacity``) taken in the same transaction that
writes the conversation and its event, so any number of API workers on
PostgreSQL keep the invariants: no agent above capacity, no conversation
assigned twice, none lost (see docs/adr/0002-live-assignment-locking.md).
Every lifecycle change writes an Event row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from kefu.domain import privacy
from kefu.domain.codes import check_code, check_codes
from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import utc_now
from kefu.live.floor import (
    at_capacity,
    closed_conversation,
    group_full,
    open_conversations_error,
    unknown_agent,
    unknown_conversation,
)
from kefu.live.model import PRESALES, Candidate, Decision, Policy, Reason, Request, Status, group_for
from kefu.live.router import pick_for_agent, reassign_due, route
from kefu.service.care import actions_surveys as care_surveys
from kefu.service.live import events, store, store_routing
from kefu.service.live.schemas import (
    ConversationOut,
    MessageOut,
    MonitorOut,
    QueuedOut,
    SweepOut,
    WorkspaceOut,
)
from kefu.store.models.commerce import Order
from kefu.store.models.live import Conversation, Message, PresenceInterval
from kefu.store.models.org import Agent

C = cast(Table, Conversation.__table__)
A = cast(Table, Agent.__table__)
OPEN = store.OPEN_STATUSES


def register_agent(session: Session, agent_id: str, name: str, skills: list[str], capacity: int, *,
                   secondary_skills: list[str] | None = None, shop: str | None = None, weight: int = 1,
                   now: datetime | None = None) -> dict[str, Any]:
    """Create an agent (offline until it sets a status); the id must be new."""
    now = now or utc_now()
    check_code("id", agent_id)
    if not 1 <= capacity <= 200:
        raise bad_argument("capacity", "接待上限应在 1–200 之间", "capacity must be within 1–200", value=capacity)
    if not skills:
        raise bad_argument("skills", "至少需要一个技能组", "at least one skill group is required")
    check_codes("skills", skills)
    check_codes("secondary_skills", secondary_skills or [])
    if shop is not None:
        check_code("shop", shop)
    if session.get(Agent, agent_id) is not None:
        raise store.conflict(f"客服编号已存在: {agent_id}", f"agent id already exists: {agent_id}")
    session.add(Agent(id=agent_id, name=name or agent_id, skills=list(skills), secondary_skills=list(secondary_skills or []),
                      capacity=capacity, load=0, status="offline", status_since=now, shop_id=shop, weight=weight))
    session.flush()
    events.agent_registered(session, ts=now, agent_id=agent_id, skills=skills, capacity=capacity)
    return get_agent(session, agent_id)


def get_agent(session: Session, agent_id: str) -> dict[str, Any]:
    row = session.execute(select(A.c.id, A.c.status, A.c.load, A.c.capacity, A.c.skills)
                          .where(A.c.id == agent_id)).one_or_none()
    if row is None:
        raise unknown_agent(agent_id)
    return {"id": row.id, "status": row.status, "load": row.load, "capacity": row.capacity, "skills": list(row.skills)}


def set_agent_status(session: Session, agent_id: str, status: str, now: datetime | None = None) -> dict[str, Any]:
    """Change presence: closes the running interval, opens a new one, drains the queue when routable."""
    now = now or utc_now()
    try:
        new = Status(status)
    except ValueError as exc:
        raise bad_argument("status", f"未知状态: {status}", f"unknown status: {status}",
                           allowed=[s.value for s in Status]) from exc
    row = store.lock_agent(session, agent_id)
    if row is None:
        raise unknown_agent(agent_id)
    if new is Status.OFFLINE and row.load > 0:
        raise open_conversations_error(agent_id, row.load)
    if row.status != new.value:
        session.execute(update(PresenceInterval).where(PresenceInterval.agent_id == agent_id,
                                                       PresenceInterval.end.is_(None)).values(end=now))
        session.execute(insert(PresenceInterval).values(agent_id=agent_id, status=new.value, start=now, end=None))
        session.execute(update(A).where(A.c.id == agent_id).values(status=new.value, status_since=now))
        events.agent_status(session, ts=now, agent_id=agent_id, was=row.status, becomes=new.value)
    if new in (Status.ONLINE, Status.AWAY):
        drain_agent(session, agent_id, now)
    return get_agent(session, agent_id)


def _order_group(session: Session, shop: str, buyer: str, text: str, policy: Policy) -> str:
    state = session.scalar(select(Order.status).where(Order.shop_id == shop, Order.buyer == buyer)
                           .order_by(Order.created_at.desc()).limit(1))
    return group_for(state, text, policy.keyword_rules)


def open_conversation(session: Session, shop: str, buyer: str, group: str | None = None,
                      now: datetime | None = None, *, text: str = "", channel: str = "web",
                      buyer_name: str = "", request_id: str | None = None,
                      reuse_open: bool = False,
                      routed: tuple[store_routing.OpenInputs, Decision] | None = None) -> dict[str, Any]:
    """A buyer starts a chat: run the cascade, claim an agent atomically, else queue.

    ``buyer`` is the identity (a platform nickname from an integration, or a web visitor's
    server-issued id); ``buyer_name`` is only what the agent sees beside it.
    Idempotent for a client's retry: a ``request_id`` seen before answers what
    it opened; with ``reuse_open`` the buyer's open conversation is the answer.
    ``routed`` carries the reads and the routing of an open whose one-statement
    claim found nobody (:func:`kefu.service.live.actions_chat.open_hot`): it is not routed twice.
    """
    now = now or utc_now()
    if not shop.strip() or not buyer.strip():
        raise bad_argument("buyer", "店铺和买家不能为空", "shop and buyer are required")
    if routed is not None and group is not None:  # read and routed already; its one-statement claim found nobody
        inputs, decision = routed
    else:
        inputs = store_routing.open_inputs(session, shop, buyer, now, request_id)  # one round trip
        if (earlier := store_routing.answered_before(inputs, buyer, reuse_open=reuse_open)) is not None:
            return earlier
        group = group or _order_group(session, shop, buyer, text, inputs.policy)
        decision = route(Request(0, shop, buyer, group, now), inputs.agents, inputs.contact, inputs.policy, now,
                         use_bot=True)
    buyer_waits = inputs.buyer_waits
    if not text and routed is None and store.is_pg(session):  # claim, conversation, event: one statement
        fast = store.claim_open(store.connection_of(session), decision, shop=shop, buyer=buyer, group=group,
                                channel=channel, now=now, buyer_waits=buyer_waits, request_id=request_id)
        if fast is not None:
            if fast.drain is not None:
                drain_agent(session, fast.drain, now)
            return fast.result
    claimed: Candidate | None = None if decision.bot else store.claim(session, decision.candidates, now)
    status = "bot" if decision.bot else ("assigned" if claimed else "queued")
    cid = session.execute(insert(C).values(
        shop_id=shop, buyer=buyer, group=group, status=status, agent_id=claimed.agent_id if claimed else None,
        opened_at=now, assigned_at=now if claimed else None, channel=channel, buyer_name=buyer_name[:64],
        request_id=request_id,
    ).returning(C.c.id)).scalar_one()
    if text:
        session.execute(insert(Message).values(conversation_id=cid, shop_id=shop, buyer=buyer, ts=now, direction="in",
                                               agent_id=claimed.agent_id if claimed else None, text=text))
        session.execute(update(C).where(C.c.id == cid).values(last_buyer_msg_at=now))
    reason = claimed.reason if claimed else decision.reason
    events.conversation_opened(session, ts=now, conversation_id=cid, shop=shop, status=status,
                               agent_id=claimed.agent_id if claimed else None, reason=str(reason), group=group,
                               buyer=buyer)
    if claimed and buyer_waits:  # the buyer's older queued chats are now sticky to this agent
        drain_agent(session, claimed.agent_id, now)
    return {"id": cid, "agent": claimed.agent_id if claimed else None, "status": status}


def get_conversation(session: Session, conversation_id: int) -> dict[str, Any]:
    row = session.execute(select(C.c.id, C.c.agent_id, C.c.status, C.c.group, C.c.shop_id, C.c.buyer)
                          .where(C.c.id == conversation_id)).one_or_none()
    if row is None:
        raise unknown_conversation(conversation_id)
    return {"id": row.id, "agent": row.agent_id, "status": row.status, "group": row.group,
            "shop": row.shop_id, "buyer": row.buyer}


def find_open_conversation(session: Session, shop: str, buyer: str) -> int | None:
    """The buyer's newest conversation that is still open (webhooks append to it)."""
    return session.scalar(select(C.c.id).where(C.c.shop_id == shop, C.c.buyer == buyer, C.c.status.in_(OPEN))
                          .order_by(C.c.id.desc()).limit(1))


def post_message(session: Session, conversation_id: int, direction: str, text: str, ts: datetime | None = None,
                 agent_id: str | None = None) -> MessageOut:
    """Store one message; a buyer's first message after a transfer counts as the receiver's reception."""
    ts = ts or utc_now()
    if direction not in ("in", "out"):
        raise bad_argument("direction", "方向应为 in 或 out", "direction must be in or out", value=direction)
    conv = store.lock_conversation(session, conversation_id)
    if conv is None:
        raise unknown_conversation(conversation_id)
    if conv.status == "closed":
        raise closed_conversation(conversation_id)
    # a chat log names the serving agent on both directions (a queued or bot chat's buyer lines: nobody's)
    sender = agent_id or (conv.agent_id if direction == "out" or conv.status == "assigned" else None)
    mid = session.execute(insert(Message).values(
        conversation_id=conversation_id, shop_id=conv.shop_id, buyer=conv.buyer, agent_id=sender, ts=ts,
        direction=direction, text=text).returning(Message.id)).scalar_one()
    column = "last_buyer_msg_at" if direction == "in" else "last_agent_msg_at"
    session.execute(update(C).where(C.c.id == conversation_id).values({column: ts}))
    if direction == "in" and conv.agent_id and store.reception_pending(session, conversation_id, conv.agent_id):
        events.conversation_reception(session, ts=ts, conversation_id=conversation_id, shop=conv.shop_id,
                                      agent_id=conv.agent_id)
    return MessageOut(id=mid, conversation=conversation_id, direction=direction, ts=ts.astimezone(UTC).isoformat())


def close_conversation(session: Session, conversation_id: int, now: datetime | None = None) -> dict[str, Any]:
    """End a chat; the agent's freed capacity immediately takes the oldest eligible queued one."""
    now = now or utc_now()
    fast = store.try_close(store.connection_of(session), conversation_id, now) if store.is_pg(session) else None
    if fast is not None:  # PostgreSQL: one statement
        if fast.drain is not None:  # drain only when something waits
            drain_agent(session, fast.drain, now)
        return fast.result
    conv = store.close_row(session, conversation_id, now)
    if conv is None:
        raise unknown_conversation(conversation_id)
    if conv.status == "closed":
        raise closed_conversation(conversation_id)
    freed = conv.agent_id if conv.status == "assigned" else None
    if freed is not None:
        session.execute(update(A).where(A.c.id == freed).values(load=A.c.load - 1))
    events.conversation_closed(session, ts=now, conversation_id=conversation_id, shop=conv.shop_id,
                               agent_id=conv.agent_id, was=conv.status)
    care_surveys.invite_on_close(session, conversation_id, conv.shop_id, freed, now)  # in SQL on PostgreSQL
    if freed is not None:
        drain_agent(session, freed, now)
    return {"id": conversation_id, "agent": conv.agent_id, "status": "closed", "group": conv.group,
            "shop": conv.shop_id, "buyer": conv.buyer}


def transfer_conversation(session: Session, conversation_id: int, *, to_agent: str | None = None,
                          to_group: str | None = None, note: str = "", now: datetime | None = None,
                          actor: str = "system") -> ConversationOut:
    """转交 to an agent (needs room) or to a group (routed by load); the sender's capacity drains the queue."""
    now = now or utc_now()
    if (to_agent is None) == (to_group is None):
        raise bad_argument("to", "请指定目标客服或目标组之一", "give exactly one of to_agent or to_group")
    conv = store.lock_conversation(session, conversation_id)
    if conv is None:
        raise unknown_conversation(conversation_id)
    if conv.status == "closed":
        raise closed_conversation(conversation_id)
    sender = conv.agent_id if conv.status == "assigned" else None
    if to_agent is not None:
        if to_agent == sender:
            return ConversationOut(**get_conversation(session, conversation_id))
        if session.get(Agent, to_agent) is None:
            raise unknown_agent(to_agent)
        store.lock_agents(session, [a for a in (sender, to_agent) if a])  # id order: no deadlock between transfers
        claimed = store.claim(session, (Candidate(to_agent, Reason.STICKY),), now)
        if claimed is None:
            raise at_capacity(to_agent)
        group = conv.group
    else:
        group = str(to_group)
        req = Request(conversation_id, conv.shop_id, conv.buyer, group, conv.opened_at)
        exclude = frozenset({sender}) if sender else frozenset()
        decision = route(req, store_routing.routable_agents(session, now), None, store.policy(session, conv.shop_id), now,
                         exclude=exclude)
        claimed = store.claim(session, decision.candidates, now)
        if claimed is None:
            raise group_full(group)
    if sender is not None:
        session.execute(update(A).where(A.c.id == sender).values(load=A.c.load - 1))
    session.execute(update(C).where(C.c.id == conversation_id).values(
        status="assigned", agent_id=claimed.agent_id, assigned_at=now, group=group))
    events.conversation_transferred(session, ts=now, conversation_id=conversation_id, shop=conv.shop_id,
                                    agent_id=claimed.agent_id, actor=actor, sender=sender, group=group, note=note)
    _drain_if_buyer_waits(session, claimed.agent_id, conv.shop_id, conv.buyer, now)
    if sender is not None:
        drain_agent(session, sender, now)
    return ConversationOut(**get_conversation(session, conversation_id))


def bot_handover(session: Session, conversation_id: int, now: datetime | None = None) -> ConversationOut:
    """The bot gives up (low confidence or the buyer asks for a person): route it like a new one."""
    now = now or utc_now()
    conv = store.lock_conversation(session, conversation_id)
    if conv is None:
        raise unknown_conversation(conversation_id)
    if conv.status != "bot":
        return ConversationOut(**get_conversation(session, conversation_id))
    req = Request(conversation_id, conv.shop_id, conv.buyer, conv.group, now)
    decision = route(req, store_routing.routable_agents(session, now), store.contact(session, conv.shop_id, conv.buyer, now),
                     store.policy(session, conv.shop_id), now)
    claimed = store.claim(session, decision.candidates, now)
    if claimed:
        _assign_queued(session, conv.id, conv.shop_id, claimed, now)
        _drain_if_buyer_waits(session, claimed.agent_id, conv.shop_id, conv.buyer, now)
    else:
        session.execute(update(C).where(C.c.id == conversation_id).values(status="queued"))
        events.conversation_queued(session, ts=now, conversation_id=conversation_id, shop=conv.shop_id,
                                   reason="bot_handover")
    return ConversationOut(**get_conversation(session, conversation_id))


def _assign_queued(session: Session, cid: int, shop: str, claimed: Candidate, now: datetime) -> None:
    session.execute(update(C).where(C.c.id == cid).values(status="assigned", agent_id=claimed.agent_id,
                                                          assigned_at=now))
    events.conversation_assigned(session, ts=now, conversation_id=cid, shop=shop, agent_id=claimed.agent_id,
                                 reason=str(claimed.reason))


def _drain_if_buyer_waits(session: Session, agent_id: str, shop: str, buyer: str, now: datetime) -> None:
    """The agent just became the buyer's sticky contact: the buyer's other queued chats may now fit it."""
    waiting = session.scalar(select(C.c.id).where(C.c.shop_id == shop, C.c.buyer == buyer,
                                                  C.c.status == "queued").limit(1))
    if waiting is not None:
        drain_agent(session, agent_id, now)


def drain_agent(session: Session, agent_id: str, now: datetime, *, batch: int = 200) -> int:
    """Capacity freed or the agent came online: take the oldest eligible queued conversations.

    Queued rows are locked with ``FOR UPDATE SKIP LOCKED`` one at a time, so
    concurrent drains never take the same conversation and never wait on each other.
    """
    taken = 0
    while True:
        queued = store.queued(session, batch)
        if not queued:  # the common case: nothing waits, one cheap indexed query
            return taken
        agent = store_routing.agent_state(session, agent_id, now)
        if agent is None or not agent.has_room():
            return taken
        picked = pick_for_agent(agent, queued, store.contacts(session, queued, now), store.policy_cache(session), now)
        if picked is None:
            return taken
        req, reason = picked
        if not store.lock_queued(session, req.conversation_id):
            continue  # another worker took it: look again
        claimed = store.claim(session, (Candidate(agent_id, reason),), now)
        if claimed is None:
            return taken
        _assign_queued(session, req.conversation_id, req.shop, Candidate(agent_id, Reason.DRAIN), now)
        taken += 1


def sweep(session: Session, now: datetime | None = None, *, batch: int = 500, reassign: bool = True) -> SweepOut:
    """Periodic pass: overflow after waiting, missed drains (commit-order races, killed workers), auto-reassign."""
    now = now or utc_now()
    assigned = reassigned = 0
    policies = store.policy_cache(session)
    stale = session.execute(select(C.c.id, C.c.shop_id, C.c.buyer, C.c.group, C.c.agent_id, C.c.opened_at,
                                   C.c.last_buyer_msg_at, C.c.last_agent_msg_at)
                            .where(C.c.status == "assigned", C.c.last_buyer_msg_at.is_not(None))
                            .order_by(C.c.last_buyer_msg_at).limit(batch)).all() if reassign else []
    for conv in stale:
        if reassign_due(conv.last_buyer_msg_at, conv.last_agent_msg_at, policies.get(conv.shop_id), now):
            req = Request(conv.id, conv.shop_id, conv.buyer, conv.group, conv.opened_at)
            decision = route(req, store_routing.routable_agents(session, now), None, policies.get(conv.shop_id), now,
                             exclude=frozenset({conv.agent_id}))
            if decision.candidates:
                transfer_conversation(session, conv.id, to_group=conv.group, now=now, actor="reassign")
                reassigned += 1
    queued = store.queued(session, batch)
    agents = store_routing.routable_agents(session, now) if queued else []
    for req in queued:
        if not agents:
            break  # nobody has room: the rest waits (one query, not one per queued chat)
        decision = route(req, agents, store.contact(session, req.shop, req.buyer, now), policies.get(req.shop), now)
        if decision.candidates and store.lock_queued(session, req.conversation_id):
            claimed = store.claim(session, decision.candidates, now)
            if claimed is not None:
                _assign_queued(session, req.conversation_id, req.shop, claimed, now)
                _drain_if_buyer_waits(session, claimed.agent_id, req.shop, req.buyer, now)
                assigned += 1
                agents = store_routing.routable_agents(session, now)
    return SweepOut(assigned=assigned, reassigned=reassigned)


def queue_snapshot(session: Session, now: datetime | None = None) -> list[QueuedOut]:
    """Waiting conversations, oldest first, with seconds waited."""
    now = now or utc_now()
    return [QueuedOut(id=r.conversation_id, shop=r.shop, buyer=r.buyer, group=r.group,
                      opened_at=r.opened_at.isoformat(), waited_s=int((now - r.opened_at).total_seconds()))
            for r in store.queued(session, 10_000)]


def agent_view(session: Session, agent_id: str, *, role: str = "agent") -> WorkspaceOut:
    """What the agent workspace shows: presence, load, open conversations with their messages.

    Message texts are masked for ``role`` (phones, ID numbers, addresses…; kefu.domain.privacy).
    """
    view = get_agent(session, agent_id)
    convs = session.execute(select(C).where(C.c.agent_id == agent_id, C.c.status == "assigned")
                            .order_by(C.c.assigned_at)).all()
    ids = [c.id for c in convs]
    messages: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    if ids:
        for m in session.execute(select(Message).where(Message.conversation_id.in_(ids))
                                 .order_by(Message.ts, Message.id)).scalars():
            messages[int(m.conversation_id or 0)].append(
                {"id": m.id, "direction": m.direction, "text": privacy.text_for(role, m.text), "ts": m.ts.isoformat(),
                 "agent": m.agent_id, "bot": bool(m.bot)})
    conversations = [{"id": c.id, "shop": c.shop_id, "buyer": c.buyer, "buyer_name": c.buyer_name, "group": c.group,
                      "assigned_at": c.assigned_at.isoformat() if c.assigned_at else None,
                      "messages": messages[c.id]} for c in convs]
    return WorkspaceOut.model_validate({**view, "conversations": conversations})


def monitor_snapshot(session: Session, now: datetime | None = None, *, sl_seconds: int = 30,
                     window_minutes: int = 30) -> MonitorOut:
    """Queue, agents by status, load vs capacity, service level and 3-minute response rate (last 30 min)."""
    from kefu.service.live.actions_monitor import snapshot

    return MonitorOut(**snapshot(session, now or utc_now(), sl_seconds=sl_seconds,
                                 window=timedelta(minutes=window_minutes)))


__all__ = ["PRESALES", "OPEN", "agent_view", "bot_handover", "close_conversation", "drain_agent", "find_open_conversation", "get_agent",
           "get_conversation", "monitor_snapshot", "open_conversation", "post_message", "queue_snapshot",
           "register_agent", "set_agent_status", "sweep", "transfer_conversation"]
