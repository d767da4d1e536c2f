"""FAQ bot API: the shop's facts, and proposals mined from the shop's chats (issue 21).

Thin: validate, authorise (supervisors and admins), call :mod:`kefu.service.care.actions_bot` and
:mod:`kefu.service.care.actions_bot_mining`. Asking the bot stays at ``POST /care/bot/answer``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from kefu.api.deps import Caller, DbSession, require_roles
from kefu.service.care import actions_bot as bot
from kefu.service.care import actions_bot_mining as mining
from kefu.service.care import schemas_bot as care_schemas

router = APIRouter(prefix="/care/bot", tags=["care"])

MANAGERS = require_roles("admin", "supervisor")
ShopPath = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/facts/{shop_id}", dependencies=[MANAGERS])
def read_facts(shop_id: ShopPath, session: DbSession) -> care_schemas.BotFactsOut:
    return bot.get_bot_facts(session, shop_id)


@router.put("/facts/{shop_id}", dependencies=[MANAGERS])
def write_facts(shop_id: ShopPath, body: care_schemas.BotFactsIn, session: DbSession) -> care_schemas.BotFactsOut:
    return bot.set_bot_facts(session, shop_id, body)


@router.post("/proposals/mine", dependencies=[MANAGERS])
def mine(body: care_schemas.MineIn, session: DbSession) -> care_schemas.MineOut:
    return mining.mine_bot_proposals(session, body.shop_id, min_count=body.min_count)


@router.get("/proposals", dependencies=[MANAGERS])
def proposals(
    session: DbSession,
    shop_id: Annotated[str, Query(min_length=1, max_length=64)],
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> list[care_schemas.ProposalOut]:
    return mining.list_bot_proposals(session, shop_id, status)


@router.post("/proposals/{proposal_id}/decision")
def decide(
    proposal_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: care_schemas.ProposalDecisionIn,
    session: DbSession,
    caller: Annotated[Caller, MANAGERS],
) -> care_schemas.ProposalOut:
    return mining.decide_bot_proposal(
        session, proposal_id, approve=body.approve, by=caller.name, answer=body.answer
    )
