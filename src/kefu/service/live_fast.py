"""The live floor's single-statement writes on PostgreSQL: open with a free agent, and close.

Each write here is *one* statement (ADR 0002, "One round trip"), atomic on its
own, run on a psycopg connection (:mod:`kefu.service.live_pg`).
:mod:`kefu.service.live` runs them inside its transactions; the integration
hot path (:mod:`kefu.api.live_calls`) runs them on its own connection with no
explicit transaction at all (autocommit), which saves the BEGIN and COMMIT round trips —
on 2 cores, every round trip is two context switches. Whatever must happen
after the write in the same breath (draining the queue for a freed agent, or
for a buyer who already waits) is returned as ``drain`` for the caller to run
in a transaction of its own; were that step lost, the sweep does it within a
second, as for any missed drain.

Each function returns ``None`` when it does not apply, having written nothing;
the caller then runs the general use-case, which also words every error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kefu.live.model import Decision, Request
from kefu.live.router import route
from kefu.service import live_pg
from kefu.service import live_reads as reads
from kefu.service.live_pg import Pg


@dataclass(frozen=True)
class Written:
    result: dict[str, Any]
    drain: str | None  # an agent whose room may now fit queued conversations


def claim_open(pg: Pg, decision: Decision, *, shop: str, buyer: str, group: str, channel: str,
               now: datetime, buyer_waits: bool) -> Written | None:
    """Claim the best free candidate and insert the conversation with its event, in one statement."""
    if decision.bot or not decision.candidates:
        return None
    fast = live_pg.open_claimed(pg, decision.candidates, shop=shop, buyer=buyer, group=group, channel=channel,
                                now=now)
    if fast is None:
        return None
    cid, won = fast
    # the buyer's older queued chats are now sticky to this agent
    return Written({"id": cid, "agent": won.agent_id, "status": "assigned"}, won.agent_id if buyer_waits else None)


def try_open(pg: Pg, shop: str, buyer: str, group: str, now: datetime, channel: str = "web") -> Written | None:
    """A new chat whose group is known and that an agent can take now: one read, one write."""
    if not shop.strip() or not buyer.strip():
        return None
    policy, contact, buyer_waits, agents = reads.open_inputs_pg(pg, shop, buyer, now)
    decision = route(Request(0, shop, buyer, group, now), agents, contact, policy, now, use_bot=True)
    return claim_open(pg, decision, shop=shop, buyer=buyer, group=group, channel=channel, now=now,
                      buyer_waits=buyer_waits)


def try_close(pg: Pg, conversation_id: int, now: datetime) -> Written | None:
    """Close, give the agent's capacity back and log it, in one statement; ``None`` if unknown or closed."""
    done = live_pg.close_all(pg, conversation_id, now)
    if done is None:
        return None
    drain = done.agent_id if done.freed and done.waiting else None  # capacity came back and something waits
    return Written({"id": conversation_id, "agent": done.agent_id, "status": "closed", "group": done.group,
                    "shop": done.shop_id, "buyer": done.buyer}, drain)
