"""Credit API: order credit with its evidence, agent metrics per day and month, KPI and pay, imports.

Thin: validate, authorise, call :mod:`kefu.service.credit.actions` and its topic modules
(file imports: :mod:`kefu.service.imports.actions`, also under ``/imports``).
Agents see only their own figures (the actions filter through :mod:`kefu.service.access`);
recomputing a month and importing files are for supervisors and admins.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Query, UploadFile

from kefu.api.deps import STAFF_MANAGERS, Caller, CurrentCaller, DbSession, require_roles
from kefu.api.uploads import spooled
from kefu.service.credit import actions as svc
from kefu.service.credit import actions_claims as claims_svc
from kefu.service.credit import actions_order_chat as chats
from kefu.service.credit import actions_pay as pay_svc
from kefu.service.credit import actions_views as views
from kefu.service.credit.schemas import (
    AgentDaysOut,
    AgentOrdersOut,
    ClaimConventionIn,
    ClaimConventionOut,
    ClaimsOut,
    CreditRunOut,
    LeaderboardOut,
    OrderChatOut,
    OrderCreditOut,
    PayOut,
    PerformanceOut,
)
from kefu.service.imports import actions as imports
from kefu.service.imports.schemas import ImportOut, UploadIn

router = APIRouter(prefix="/credit", tags=["credit"])

MANAGERS = require_roles(*STAFF_MANAGERS)
Month = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM (default: this month)")]
SchemeName = Annotated[str, Query(pattern=r"^[a-z_]{1,32}$")]
AgentId = Annotated[str, Path(min_length=1, max_length=64)]
OrderId = Annotated[str, Path(min_length=1, max_length=64)]
ShopId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/leaderboard", response_model=LeaderboardOut)
def leaderboard(session: DbSession, caller: CurrentCaller, month: Month = None) -> LeaderboardOut:
    """Monthly figures per agent, best sales first (an agent sees only their own row)."""
    return views.leaderboard(session, caller, month)


@router.get("/performance", response_model=PerformanceOut)
def performance(session: DbSession, caller: CurrentCaller, month: Month = None,
                agent: Annotated[str, Query(max_length=64)] = "") -> PerformanceOut:  # fmt: skip
    """What ``/performance`` shows for a month, from one credit run of it (an agent: their own figures)."""
    return views.performance(session, caller, month, agent)


@router.get("/agents/{agent_id}/days", response_model=AgentDaysOut)
def agent_days(agent_id: AgentId, session: DbSession, caller: CurrentCaller, month: Month = None) -> AgentDaysOut:
    """One agent's daily metrics; provisional figures are listed with the moment they become final."""
    return views.agent_days(session, caller, agent_id, month)


@router.get("/agents/{agent_id}/orders", response_model=AgentOrdersOut)
def agent_orders(agent_id: AgentId, session: DbSession, caller: CurrentCaller, month: Month = None) -> AgentOrdersOut:
    """Orders credited to the agent, each with the session (end time) that earned it."""
    return views.agent_orders(session, caller, agent_id, month)


@router.get("/orders/{order_id}", response_model=OrderCreditOut)
def order_credit(order_id: OrderId, session: DbSession, caller: CurrentCaller, month: Month = None) -> OrderCreditOut:
    """Who got one order and why (the sessions behind 落实下单 / 落实付款)."""
    return views.order_credit(session, caller, order_id, month)


@router.get("/orders/{order_id}/chat", response_model=OrderChatOut)
def order_chat(order_id: OrderId, session: DbSession, caller: CurrentCaller, month: Month = None) -> OrderChatOut:
    """The month's credit decision for one order (落实下单 / 落实付款 / 静默 / 协助, with reasons) and the
    buyer's messages before 下单 and 付款, in the shop's zone. Agents: only orders they placed, closed or got."""
    return chats.order_chat(session, caller, order_id, month)


@router.post("/run", dependencies=[MANAGERS], response_model=CreditRunOut)
def run(session: DbSession, month: Month = None) -> CreditRunOut:
    """Recompute and store the month's order credit."""
    return svc.store_month(session, month)


@router.get("/pay", response_model=PayOut)
def pay(session: DbSession, caller: CurrentCaller, month: Month = None, scheme: SchemeName = "standard") -> PayOut:
    """Payslips with every line's evidence (an agent gets only their own)."""
    return pay_svc.pay(session, caller, month, scheme)


@router.get("/claims", dependencies=[MANAGERS], response_model=ClaimsOut)
def claims(session: DbSession, month: Month = None) -> ClaimsOut:
    """Orders whose memo claims an agent (by the shop's claim convention) unlike the computed credit."""
    return claims_svc.claims(session, month)


@router.get("/claims/convention/{shop_id}", dependencies=[MANAGERS], response_model=ClaimConventionOut)
def claim_convention(shop_id: ShopId, session: DbSession) -> ClaimConventionOut:
    """How the shop writes claims in 订单备注 (an empty prefix: no claims are read)."""
    return claims_svc.claim_convention(session, shop_id)


@router.put("/claims/convention/{shop_id}", response_model=ClaimConventionOut)
def set_claim_convention(shop_id: ShopId, body: ClaimConventionIn, session: DbSession,
                         caller: Annotated[Caller, MANAGERS]) -> ClaimConventionOut:  # fmt: skip
    """Set the shop's claim convention: a prefix before the agent's id or name, optionally a flag colour."""
    return claims_svc.set_claim_convention(session, shop_id, body.prefix, body.flag, by=caller.name)


@router.post("/import/{kind}", dependencies=[MANAGERS], response_model=ImportOut)
async def import_file(
    kind: Annotated[str, Path(pattern="^(orders|chats)$")],
    session: DbSession,
    file: Annotated[UploadFile, File()],
    skip_bad_rows: bool = False,
    shop: Annotated[str, Query(max_length=64)] = "",
) -> ImportOut:
    """Upload an order export or chat records (layout detected); bad rows → 422 with the first rows' reasons
    and the count. The same use-case as ``/imports/orders`` and ``/imports/chats``."""
    async with spooled(file) as path:
        return imports.import_file(session, path, UploadIn(kind, skip_bad_rows, shop))
