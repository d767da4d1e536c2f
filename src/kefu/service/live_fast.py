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
from kefu.service.live_store import conflict


@dataclass(frozen=True)
class Written:
    result: dict[str, Any]
    drain: str | None  # an agent whose room may now fit queued conversations


def answered_before(inputs: reads.OpenInputs, buyer: str, *, reuse_open: bool) -> dict[str, Any] | None:
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


def claim_open(pg: Pg, decision: Decision, *, shop: str, buyer: str, group: str, channel: str,
               now: datetime, buyer_waits: bool, request_id: str | None) -> Written | None:
    """Claim the best free candidate and insert the conversation with its event, in one statement."""
    if decision.bot or not decision.candidates:
        return None
    fast = live_pg.open_claimed(pg, decision.candidates, shop=shop, buyer=buyer, group=group, channel=channel,
                                now=now, request_id=request_id)
    if fast is None:
        return None
    cid, won = fast
    # the buyer's older queued chats are now sticky to this agent
    return Written({"id": cid, "agent": won.agent_id, "status": "assigned"}, won.agent_id if buyer_waits else None)


def try_open(pg: Pg, shop: str, buyer: str, group: str, now: datetime, channel: str = "web", *,
             request_id: str | None = None, reuse_open: bool = False) -> Written | None:
    """A new chat whose group is known and that an agent can take now: one read, one write (or the earlier answer)."""
    if not shop.strip() or not buyer.strip():
        return None
    inputs = reads.open_inputs_pg(pg, shop, buyer, now, request_id)
    if (earlier := answered_before(inputs, buyer, reuse_open=reuse_open)) is not None:
        return Written(earlier, None)
    decision = route(Request(0, shop, buyer, group, now), inputs.agents, inputs.contact, inputs.policy, now,
                     use_bot=True)
    return claim_open(pg, decision, shop=shop, buyer=buyer, group=group, channel=channel, now=now,
                      buyer_waits=inputs.buyer_waits, request_id=request_id)


def try_close(pg: Pg, conversation_id: int, now: datetime) -> Written | None:
    """Close, give the agent's capacity back and log it, in one statement; ``None`` if unknown or closed."""
    done = live_pg.close_all(pg, conversation_id, now)
    if done is None:
        return None
    drain = done.agent_id if done.freed and done.waiting else None  # capacity came back and something waits
    return Written({"id": conversation_id, "agent": done.agent_id, "status": "closed", "group": done.group,
                    "shop": done.shop_id, "buyer": done.buyer}, drain)
