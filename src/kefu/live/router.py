"""The routing cascade (分流): bot hook, sticky, dedicated, group, overflow, queue.

One eligibility rule (:func:`eligibility`) decides whether an agent may take a
conversation and why; both directions use it — a new conversation looking for
an agent (:func:`route`) and a freed agent looking into the queue
(:func:`pick_for_agent`). Sharing it is what guarantees that a conversation is
queued only when no agent with room could take it, so a queue drain after any
capacity change never leaves an eligible agent idle.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from kefu.live.model import (
    AgentState,
    BotMode,
    Candidate,
    Contact,
    Decision,
    Policy,
    Reason,
    Request,
    Status,
    Strategy,
)

_NEVER = datetime.min.replace(tzinfo=UTC)
_ORDER = {Reason.STICKY: 0, Reason.DEDICATED: 1, Reason.GROUP: 2, Reason.OVERFLOW: 3}


def can_take_new(agent: AgentState, now: datetime) -> bool:
    """Room left, not offline/on break, and the shift has not ended."""
    return (
        agent.status in (Status.ONLINE, Status.AWAY)
        and agent.has_room()
        and not agent.past_shift_end(now)
    )


def eligibility(
    agent: AgentState,
    req: Request,
    contact: Contact | None,
    policy: Policy,
    now: datetime,
) -> Reason | None:
    """Why ``agent`` may take ``req`` now (best reason first), or None.

    Online agents get sticky, dedicated, their group, and after ``overflow_after``
    seconds of waiting the groups they hold as secondary skills. Away (挂起)
    agents get only their own recent buyers (sticky within ``away_sticky_hours``)
    and buyers dedicated to them.
    """
    if not agent.serves(req.shop) or not can_take_new(agent, now):
        return None
    hours = policy.sticky_hours if agent.status is Status.ONLINE else policy.away_sticky_hours
    recent = contact is not None and (now - contact.at).total_seconds() <= hours * 3600
    if recent and contact is not None and contact.agent_id == agent.id:
        return Reason.STICKY
    if policy.dedicated.get(req.buyer) == agent.id:
        return Reason.DEDICATED
    if agent.status is not Status.ONLINE:
        return None
    if req.group in agent.skills:
        return Reason.GROUP
    waited = (now - req.opened_at).total_seconds()
    if policy.overflow_after is not None and waited >= policy.overflow_after and req.group in agent.secondary_skills:
        return Reason.OVERFLOW
    return None


def load_key(agent: AgentState, strategy: Strategy) -> tuple[float, datetime, str]:
    """Least load ÷ capacity (or ÷ weight), tie: longest idle, then id for determinism.

    A float ratio is exact enough here: for denominators up to a few hundred two
    different ratios differ by far more than float rounding, and equal ratios
    (1/2, 2/4) give the same float. ``Fraction`` made routing 3x slower.
    """
    denominator = agent.capacity if strategy is Strategy.LEAST_LOAD else agent.weight
    return agent.load / max(denominator, 1), agent.last_assigned_at or _NEVER, agent.id


def bot_takes(req: Request, policy: Policy) -> bool:
    """The bot-mode hook: bot_first always, mixed for a stable share of conversations."""
    if policy.bot_mode is BotMode.BOT_FIRST:
        return True
    if policy.bot_mode is BotMode.MIXED:  # by buyer, so one buyer always gets the same experience
        return zlib.crc32(f"{req.shop}/{req.buyer}".encode()) % 100 < policy.bot_share_percent
    return False


def route(
    req: Request,
    agents: Iterable[AgentState],
    contact: Contact | None,
    policy: Policy,
    now: datetime,
    *,
    use_bot: bool = False,
    exclude: frozenset[str] = frozenset(),
) -> Decision:
    """Ranked candidates for ``req``: sticky, dedicated, group by load, overflow by load.

    The service tries them in order with an atomic claim; the first that still
    has room wins. An empty decision means the conversation waits in the queue.
    """
    if use_bot and bot_takes(req, policy):
        return Decision(bot=True)
    found: list[tuple[int, tuple[float, datetime, str], Candidate]] = []
    for agent in agents:
        if agent.id in exclude:
            continue
        reason = eligibility(agent, req, contact, policy, now)
        if reason is not None:
            found.append((_ORDER[reason], load_key(agent, policy.strategy), Candidate(agent.id, reason)))
    found.sort(key=lambda item: (item[0], item[1]))
    return Decision(tuple(c for _, _, c in found))


class PolicyLookup(Protocol):
    def get(self, shop: str) -> Policy: ...


def pick_for_agent(
    agent: AgentState,
    queued: Sequence[Request],
    contacts: Mapping[tuple[str, str], Contact],
    policy: Policy | PolicyLookup,
    now: datetime,
) -> tuple[Request, Reason] | None:
    """The oldest queued conversation ``agent`` may take (queue is oldest first; policy per shop)."""
    for req in sorted(queued, key=lambda r: (r.opened_at, r.conversation_id)):
        rules = policy if isinstance(policy, Policy) else policy.get(req.shop)
        reason = eligibility(agent, req, contacts.get((req.shop, req.buyer)), rules, now)
        if reason is not None:
            return req, reason
    return None


def reassign_due(
    last_buyer_msg_at: datetime | None,
    last_agent_msg_at: datetime | None,
    policy: Policy,
    now: datetime,
) -> bool:
    """Auto-reassign when the buyer has waited ``reassign_after`` s for a reply (off by default)."""
    if policy.reassign_after is None or last_buyer_msg_at is None:
        return False
    if last_agent_msg_at is not None and last_agent_msg_at >= last_buyer_msg_at:
        return False
    return (now - last_buyer_msg_at).total_seconds() >= policy.reassign_after
