"""Shift handover (交接): open conversations, pending tasks and follow-up buyers move to the next shift.

Conversations move with the same atomic transfer as any 转交 (so capacity holds),
or wait in the queue when nobody of the next shift has room. Each receiver gets
a Handover row with the items and the note; both shifts read the log.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kefu.domain import privacy
from kefu.domain.errors import KefuError, bad_argument
from kefu.domain.timeutil import utc_now
from kefu.live import handover as engine
from kefu.live.floor import unknown_agent
from kefu.service.live import actions, events, store
from kefu.service.live.schemas import HandoverEntryOut, HandoverOut
from kefu.store.models.duty import Task
from kefu.store.models.live import Conversation, Handover
from kefu.store.models.org import Agent


def hand_over(session: Session, from_agent: str, to_agents: list[str] | None = None, *, note: str = "",
              followups: list[dict[str, str]] | None = None, now: datetime | None = None,
              actor: str = "system", go_offline: bool = True) -> HandoverOut:
    """Move everything open of ``from_agent`` to ``to_agents`` (default: everyone else online).

    The leaving agent is put on ``break`` first so that the queue drains of the
    transfers cannot hand it new chats, and goes offline at the end when nothing is left.
    """
    now = now or utc_now()
    source = session.get(Agent, from_agent)
    if source is None:
        raise unknown_agent(from_agent)
    if source.status in ("online", "away"):
        actions.set_agent_status(session, from_agent, "break", now)
    if to_agents is None:
        to_agents = list(session.scalars(select(Agent.id).where(Agent.status == "online", Agent.id != from_agent,
                                                                Agent.active.is_(True)).order_by(Agent.id)))
    receivers = []
    for agent_id in to_agents:
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise unknown_agent(agent_id)
        if agent_id == from_agent:
            raise bad_argument("to", "不能交接给自己", "cannot hand over to oneself")
        receivers.append(engine.Receiver(agent_id, tuple(agent.skills or ()), agent.capacity, agent.load))
    items = [engine.Item("conversation", str(c.id), c.group, c.buyer) for c in session.scalars(
        select(Conversation).where(Conversation.agent_id == from_agent, Conversation.status == "assigned")
        .order_by(Conversation.assigned_at))]
    items += [engine.Item("task", str(t.id), note=t.task_type) for t in session.scalars(
        select(Task).where(Task.assignee == from_agent, Task.status == "open").order_by(Task.id))]
    items += [engine.Item("followup", f.get("buyer", ""), buyer=f.get("buyer", ""), note=f.get("note", ""))
              for f in followups or []]
    planned = engine.plan(items, receivers)
    moved: dict[str, list[dict[str, str]]] = {}
    for agent_id, given in planned.by_agent.items():
        for item in given:
            if item.kind == "conversation":
                try:
                    actions.transfer_conversation(session, int(item.id), to_agent=agent_id, note=note, now=now,
                                               actor=actor)
                except KefuError:  # filled up meanwhile by another worker: wait in the queue instead
                    planned.queued.append(item)
                    continue
            elif item.kind == "task":
                session.execute(update(Task).where(Task.id == int(item.id)).values(assignee=agent_id))
            moved.setdefault(agent_id, []).append({"kind": item.kind, "id": item.id, "buyer": item.buyer,
                                                   "note": item.note})
    for item in planned.queued:
        _requeue(session, int(item.id), from_agent, now)
    shop = source.shop_id or ""
    for agent_id, given_items in moved.items():
        session.add(Handover(shop_id=shop, at=now, from_agent=from_agent, to_agent=agent_id, items=given_items,
                             note=note))
    if planned.queued:
        session.add(Handover(shop_id=shop, at=now, from_agent=from_agent, to_agent="",
                             items=[{"kind": "conversation", "id": i.id, "buyer": i.buyer, "note": "queued"}
                                    for i in planned.queued], note=note))
    events.handover(session, ts=now, from_agent=from_agent, shop=shop or None, actor=actor, to=sorted(moved),
                    items=sum(len(v) for v in moved.values()), queued=len(planned.queued))
    session.flush()
    if go_offline:  # everything moved or queued: nothing keeps the agent
        actions.set_agent_status(session, from_agent, "offline", now)
    return HandoverOut.model_validate({"from": from_agent, "moved": moved, "queued": [i.id for i in planned.queued],
                                       "note": note})


def _requeue(session: Session, conversation_id: int, from_agent: str, now: datetime) -> None:
    """Nobody of the next shift has room: back to the queue (keeps its place by opening time)."""
    done = session.execute(update(Conversation).where(Conversation.id == conversation_id,
                                                      Conversation.agent_id == from_agent,
                                                      Conversation.status == "assigned")
                           .values(status="queued", agent_id=None, assigned_at=None))
    if store._rowcount(done) == 1:
        session.execute(update(Agent).where(Agent.id == from_agent).values(load=Agent.load - 1))
        events.conversation_queued(session, ts=now, conversation_id=conversation_id, agent_id=from_agent,
                                   reason="handover")


def handover_log(session: Session, *, agent_id: str | None = None, shop: str | None = None,
                 since: datetime | None = None, limit: int = 200, role: str = "agent") -> list[HandoverEntryOut]:
    """The handover book, newest first: readable by the giving and the receiving shift (notes masked for ``role``)."""
    stmt = select(Handover).order_by(Handover.at.desc(), Handover.id.desc()).limit(limit)
    if agent_id is not None:
        stmt = stmt.where((Handover.from_agent == agent_id) | (Handover.to_agent == agent_id))
    if shop is not None:
        stmt = stmt.where(Handover.shop_id == shop)
    if since is not None:
        stmt = stmt.where(Handover.at >= since)
    return [HandoverEntryOut.model_validate(
        {"id": h.id, "at": h.at.isoformat(), "from": h.from_agent, "to": h.to_agent,
         "items": privacy.items_for(role, h.items), "note": privacy.text_for(role, h.note), "shop": h.shop_id})
        for h in session.scalars(stmt)]
