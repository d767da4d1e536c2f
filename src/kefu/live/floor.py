"""An in-memory live floor: the routing lifecycle as a pure state machine.

The database service applies exactly these rules with atomic SQL; this class
applies them to plain objects. It serves three purposes: the replay of a
simulated day (planning predicts service level under the real policy), the
property tests (invariants under random event sequences) and the check that
replay equals live for the same events.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from kefu.domain.errors import ErrorCode, KefuError
from kefu.live.model import AgentState, Contact, Policy, Reason, Request, Status
from kefu.live.router import can_take_new, pick_for_agent, reassign_due, route


@dataclass
class ConvState:
    id: int
    shop: str
    buyer: str
    group: str
    opened_at: datetime
    status: str = "queued"  # queued|assigned|closed|bot
    agent_id: str | None = None
    assigned_at: datetime | None = None
    closed_at: datetime | None = None
    last_buyer_msg_at: datetime | None = None
    last_agent_msg_at: datetime | None = None
    reception_pending: bool = False  # transferred: counts for the receiver when the buyer writes

    def request(self) -> Request:
        return Request(self.id, self.shop, self.buyer, self.group, self.opened_at)


@dataclass(frozen=True)
class FloorEvent:
    ts: datetime
    kind: str  # conversation.assigned|queued|closed|transferred|reception|bot ; agent.status
    subject: str  # "conversation:7" or "agent:a1"
    agent_id: str | None = None
    reason: str = ""


def unknown_agent(agent_id: str) -> KefuError:
    return KefuError(ErrorCode.AGENT_UNKNOWN, f"未知客服: {agent_id}", f"unknown agent: {agent_id}", {"agent": agent_id})


def unknown_conversation(conv_id: int) -> KefuError:
    return KefuError(ErrorCode.CONVERSATION_UNKNOWN, f"未知会话: {conv_id}", f"unknown conversation: {conv_id}",
                     {"conversation": conv_id})


def closed_conversation(conv_id: int) -> KefuError:
    return KefuError(ErrorCode.CONVERSATION_CLOSED, f"会话已结束: {conv_id}", f"conversation is closed: {conv_id}",
                     {"conversation": conv_id})


def open_conversations_error(agent_id: str, count: int) -> KefuError:
    return KefuError(ErrorCode.AGENT_HAS_OPEN_CONVERSATIONS,
                     f"客服 {agent_id} 还有 {count} 个进行中的会话, 请先交接",
                     f"agent {agent_id} still has {count} open conversations; hand them over first",
                     {"agent": agent_id, "open": count})


def group_full(group: str) -> KefuError:
    return KefuError(ErrorCode.AGENT_AT_CAPACITY, f"{group} 组没有可接待的客服", f"no agent of group {group} has room",
                     {"group": group})


def at_capacity(agent_id: str) -> KefuError:
    return KefuError(ErrorCode.AGENT_AT_CAPACITY, f"客服 {agent_id} 已达接待上限", f"agent {agent_id} is at capacity",
                     {"agent": agent_id})


@dataclass
class Floor:
    """Agents, conversations and the event log of one simulated or replayed floor."""

    policy: Policy = field(default_factory=Policy)
    use_bot: bool = False
    agents: dict[str, AgentState] = field(default_factory=dict)
    conversations: dict[int, ConvState] = field(default_factory=dict)
    events: list[FloorEvent] = field(default_factory=list)
    _by_buyer: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    _next_id: int = 1

    # -- agents -------------------------------------------------------------
    def add_agent(self, agent: AgentState) -> None:
        self.agents[agent.id] = agent

    def set_status(self, agent_id: str, status: Status, now: datetime) -> None:
        agent = self._agent(agent_id)
        if status is Status.OFFLINE and agent.load > 0:
            raise open_conversations_error(agent_id, agent.load)
        agent.status = status
        self._log(now, "agent.status", f"agent:{agent_id}", agent_id, str(status))
        self.drain_agent(agent_id, now)

    # -- conversations ------------------------------------------------------
    def open(self, shop: str, buyer: str, group: str, now: datetime, conv_id: int | None = None) -> ConvState:
        cid = conv_id if conv_id is not None else self._next_id
        self._next_id = max(self._next_id, cid + 1)
        conv = ConvState(cid, shop, buyer, group, now)
        self.conversations[cid] = conv
        self._by_buyer[(shop, buyer)].append(cid)
        decision = route(conv.request(), self.agents.values(), self.contact(shop, buyer, now), self.policy, now,
                         use_bot=self.use_bot)
        if decision.bot:
            conv.status = "bot"
            self._log(now, "conversation.bot", f"conversation:{cid}", None, str(Reason.BOT))
        elif decision.agent_id is not None:
            self._assign(conv, decision.agent_id, decision.reason, now)
            self._drain_if_buyer_waits(decision.agent_id, conv, now)
        else:
            self._log(now, "conversation.queued", f"conversation:{cid}", None, str(Reason.QUEUED))
        return conv

    def bot_handover(self, conv_id: int, now: datetime) -> ConvState:
        """The bot gives up (low confidence or the buyer asks for a human): route normally."""
        conv = self._open_conv(conv_id)
        if conv.status != "bot":
            return conv
        conv.status = "queued"
        decision = route(conv.request(), self.agents.values(), self.contact(conv.shop, conv.buyer, now),
                         self.policy, now)
        if decision.agent_id is not None:
            self._assign(conv, decision.agent_id, decision.reason, now)
            self._drain_if_buyer_waits(decision.agent_id, conv, now)
        else:
            self._log(now, "conversation.queued", f"conversation:{conv_id}", None, str(Reason.QUEUED))
        return conv

    def close(self, conv_id: int, now: datetime) -> ConvState:
        conv = self._open_conv(conv_id)
        freed = conv.agent_id if conv.status == "assigned" else None
        conv.status = "closed"
        conv.closed_at = now
        if freed is not None:
            self.agents[freed].load -= 1
        self._log(now, "conversation.closed", f"conversation:{conv_id}", conv.agent_id)
        if freed is not None:
            self.drain_agent(freed, now)
        return conv

    def message(self, conv_id: int, direction: str, now: datetime) -> ConvState:
        conv = self._open_conv(conv_id)
        if direction == "in":
            conv.last_buyer_msg_at = now
            if conv.reception_pending and conv.agent_id is not None:
                conv.reception_pending = False
                self._log(now, "conversation.reception", f"conversation:{conv_id}", conv.agent_id)
        else:
            conv.last_agent_msg_at = now
        return conv

    def transfer(self, conv_id: int, now: datetime, *, to_agent: str | None = None,
                 to_group: str | None = None) -> ConvState:
        """转交 to an agent (needs room) or a group (routed, else queued); frees the sender."""
        conv = self._open_conv(conv_id)
        sender = conv.agent_id if conv.status == "assigned" else None
        if to_agent is not None:
            target = self._agent(to_agent)
            if to_agent == sender:
                return conv
            if not (target.status in (Status.ONLINE, Status.AWAY) and target.has_room()):
                raise at_capacity(to_agent)
            self._release(conv, sender)
            self._assign(conv, to_agent, Reason.TRANSFER, now, kind="conversation.transferred")
            conv.reception_pending = True
            self._drain_if_buyer_waits(to_agent, conv, now)
        else:
            group = to_group or conv.group
            exclude = frozenset({sender}) if sender else frozenset()
            req = Request(conv.id, conv.shop, conv.buyer, group, conv.opened_at)
            decision = route(req, self.agents.values(), None, self.policy, now, exclude=exclude)
            if decision.agent_id is None:
                raise group_full(group)
            conv.group = group
            self._release(conv, sender)
            self._assign(conv, decision.agent_id, Reason.TRANSFER, now, kind="conversation.transferred")
            conv.reception_pending = True
            self._drain_if_buyer_waits(decision.agent_id, conv, now)
        if sender is not None:
            self.drain_agent(sender, now)
        return conv

    # -- queue --------------------------------------------------------------
    def queued(self) -> list[Request]:
        items = [c.request() for c in self.conversations.values() if c.status == "queued"]
        return sorted(items, key=lambda r: (r.opened_at, r.conversation_id))

    def drain_agent(self, agent_id: str, now: datetime) -> None:
        """Capacity freed or the agent came online: take the oldest eligible queued conversations."""
        agent = self.agents[agent_id]
        while can_take_new(agent, now):
            queued = self.queued()
            contacts = {(r.shop, r.buyer): c for r in queued if (c := self.contact(r.shop, r.buyer, now))}
            picked = pick_for_agent(agent, queued, contacts, self.policy, now)
            if picked is None:
                return
            self._assign(self.conversations[picked[0].conversation_id], agent_id, picked[1], now)

    def _drain_if_buyer_waits(self, agent_id: str, conv: ConvState, now: datetime) -> None:
        """An assignment makes the agent the buyer's sticky contact: the buyer's other queued chats
        may now be eligible for it (nothing else changed, so nothing else needs looking at)."""
        if any(self.conversations[c].status == "queued" for c in self._by_buyer.get((conv.shop, conv.buyer), [])):
            self.drain_agent(agent_id, now)

    def tick(self, now: datetime) -> None:
        """Periodic sweep: overflow after waiting, auto-reassign, and any missed drain."""
        for conv in list(self.conversations.values()):
            if conv.status == "assigned" and reassign_due(conv.last_buyer_msg_at, conv.last_agent_msg_at,
                                                          self.policy, now):
                self._reassign(conv, now)
        for req in self.queued():
            conv = self.conversations[req.conversation_id]
            decision = route(req, self.agents.values(), self.contact(req.shop, req.buyer, now), self.policy, now)
            if decision.agent_id is not None and conv.status == "queued":
                self._assign(conv, decision.agent_id, decision.reason, now)
                self._drain_if_buyer_waits(decision.agent_id, conv, now)

    def _reassign(self, conv: ConvState, now: datetime) -> None:
        sender = conv.agent_id
        decision = route(conv.request(), self.agents.values(), None, self.policy, now,
                         exclude=frozenset({sender}) if sender else frozenset())
        if decision.agent_id is None:
            return  # nobody better: stay with the current agent
        self._release(conv, sender)
        self._assign(conv, decision.agent_id, decision.reason, now, kind="conversation.reassigned")
        self._drain_if_buyer_waits(decision.agent_id, conv, now)
        if sender is not None:
            self.drain_agent(sender, now)

    # -- sticky contact -----------------------------------------------------
    def contact(self, shop: str, buyer: str, now: datetime) -> Contact | None:
        """The agent of the buyer's most recently assigned conversation; open = served now."""
        best: ConvState | None = None
        for cid in self._by_buyer.get((shop, buyer), []):
            conv = self.conversations[cid]
            if conv.agent_id is None or conv.assigned_at is None:
                continue
            if best is None or (conv.assigned_at, conv.id) > (best.assigned_at or now, best.id):
                best = conv
        if best is None or best.agent_id is None:
            return None
        return Contact(best.agent_id, best.closed_at or now)

    # -- internals ----------------------------------------------------------
    def _assign(self, conv: ConvState, agent_id: str, reason: Reason, now: datetime,
                kind: str = "conversation.assigned") -> None:
        agent = self.agents[agent_id]
        agent.load += 1
        agent.last_assigned_at = now
        conv.status, conv.agent_id, conv.assigned_at = "assigned", agent_id, now
        self._log(now, kind, f"conversation:{conv.id}", agent_id, str(reason))

    def _release(self, conv: ConvState, sender: str | None) -> None:
        if sender is not None:
            self.agents[sender].load -= 1

    def _agent(self, agent_id: str) -> AgentState:
        if agent_id not in self.agents:
            raise unknown_agent(agent_id)
        return self.agents[agent_id]

    def _open_conv(self, conv_id: int) -> ConvState:
        conv = self.conversations.get(conv_id)
        if conv is None:
            raise unknown_conversation(conv_id)
        if conv.status == "closed":
            raise closed_conversation(conv_id)
        return conv

    def _log(self, ts: datetime, kind: str, subject: str, agent_id: str | None, reason: str = "") -> None:
        self.events.append(FloorEvent(ts, kind, subject, agent_id, reason))


def invariant_violations(floor: Floor, now: datetime, *, swept: bool = True) -> list[str]:
    """Every broken invariant, as text: capacity, load = open count, no idle agent beside the queue.

    ``swept`` says a tick ran at ``now``; without it, overflow that became due
    merely because time passed is not yet expected to have happened.
    """
    problems: list[str] = []
    counts: dict[str, int] = defaultdict(int)
    for conv in floor.conversations.values():
        if conv.status == "assigned":
            if conv.agent_id is None:
                problems.append(f"conversation {conv.id} assigned to nobody")
                continue
            counts[conv.agent_id] += 1
        elif conv.status in ("queued", "bot") and conv.agent_id is not None:
            problems.append(f"conversation {conv.id} {conv.status} but has agent {conv.agent_id}")
    for agent in floor.agents.values():
        if agent.load > agent.capacity:
            problems.append(f"agent {agent.id} load {agent.load} > capacity {agent.capacity}")
        if agent.load != counts[agent.id]:
            problems.append(f"agent {agent.id} load {agent.load} != open {counts[agent.id]}")
        if agent.status is Status.OFFLINE and agent.load:
            problems.append(f"agent {agent.id} offline with {agent.load} open")
    queued = floor.queued()
    for agent in floor.agents.values() if swept else ():
        contacts = {(r.shop, r.buyer): c for r in queued if (c := floor.contact(r.shop, r.buyer, now))}
        if pick_for_agent(agent, queued, contacts, floor.policy, now) is not None:
            problems.append(f"agent {agent.id} idle while an eligible conversation waits")
    return problems
