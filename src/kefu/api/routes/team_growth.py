"""The promotion track over HTTP (seed 004, issue 22 item 8): progress per agent, the team's, promotions;
and what the team pages read besides: goal norms, onboardings, a shop's agents, the fines ladder.

Thin: ``require_roles`` admits the roles, one :mod:`kefu.service.team.actions`
use-case answers. An agent reads only its own progress (the service's ``own``
check, listed in tests/api/test_scope.py); supervisors read their team and promote.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from kefu.api.deps import Caller, DbSession, require_roles
from kefu.service.team import actions
from kefu.service.team.schemas import OnboardingOut, Peer
from kefu.service.team.schemas_growth import LadderOut, NormOut, PromoteIn, PromotionOut

router = APIRouter(tags=["team"])

AgentPath = Annotated[str, Path(min_length=1, max_length=64)]
Anyone = Annotated[Caller, require_roles("admin", "supervisor", "agent")]
Decider = Annotated[Caller, require_roles("admin", "supervisor")]


def _actor(caller: Caller) -> actions.Actor:
    return actions.Actor(caller.name, caller.role, caller.agent_id, caller.team)


@router.get("/agents/{agent_id}/promotion", response_model=PromotionOut)
def promotion_progress(agent_id: AgentPath, session: DbSession, caller: Anyone) -> PromotionOut:
    """The agent's level on 初级 → 中级 → 高级 → 组长 and each criterion of the next step, from the KPI results."""
    return actions.promotion_progress(session, _actor(caller), agent_id)


@router.get("/promotions", response_model=list[PromotionOut])
def team_promotions(session: DbSession, caller: Decider,
                    shop: Annotated[str, Query(min_length=1, max_length=64)]) -> list[PromotionOut]:  # fmt: skip
    """Every active agent of the shop (a supervisor's own team), those ready for promotion first."""
    return actions.team_promotions(session, _actor(caller), shop)


@router.post("/agents/{agent_id}/promote", response_model=PromotionOut)
def promote_agent(agent_id: AgentPath, body: PromoteIn, session: DbSession, caller: Decider) -> PromotionOut:
    """Promote to the next level; 409 naming the unmet criteria when the agent is not eligible."""
    return actions.promote_agent(session, _actor(caller), agent_id, body)


@router.get("/goals/norm", response_model=NormOut)
def goal_norm(session: DbSession, caller: Decider, shop: Annotated[str, Query(min_length=1, max_length=64)],
              metric: Annotated[str, Query(min_length=1, max_length=64)]) -> NormOut:  # fmt: skip
    """A metric's team norm (graded agents, last completed month): a goal's target is 120–130 % of it."""
    return actions.goal_norm(session, _actor(caller), shop, metric)


@router.get("/onboarding", response_model=list[OnboardingOut])
def list_onboardings(session: DbSession, caller: Anyone,
                     shop: Annotated[str | None, Query(max_length=64)] = None) -> list[OnboardingOut]:  # fmt: skip
    """New hires on probation first (agents: their own and the ones they mentor)."""
    return actions.list_onboardings(session, _actor(caller), shop)


@router.get("/shop-agents", response_model=list[Peer])
def shop_agents(session: DbSession, caller: Decider, shop: Annotated[str, Query(min_length=1, max_length=64)]) -> list[Peer]:
    """The active agents of a shop the caller may act for (the pages' pickers)."""
    return actions.shop_agents(session, _actor(caller), shop)


@router.get("/conduct/ladder", response_model=LadderOut)
def conduct_ladder(session: DbSession, caller: Anyone, shop: Annotated[str, Query(min_length=1, max_length=64)]) -> LadderOut:
    """The shop's fines ladder and rewards as data (published to the team, like the fund statement)."""
    return actions.conduct_ladder(session, _actor(caller), shop)
