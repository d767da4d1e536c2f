"""Rule editors over HTTP: a shop's follow-up rules, KPI schemes, a shop's roster rules.

Thin: each route is one ``kefu.service.<area>.actions_*`` call. Reading and saving are for
supervisors and admins (the one role check, ``require_roles``). A save validates the whole
document (4xx with the bilingual reason; nothing stored), adds a version and writes an event.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from kefu.api.deps import MANAGER_ROLES, Caller, DbSession, require_roles
from kefu.service.credit import actions_kpi
from kefu.service.credit.schemas import GradingSuggestionOut, KpiSchemeIn, KpiSchemeOut
from kefu.service.duty import actions_rules as followup
from kefu.service.duty.schemas import FollowupRulesIn, FollowupRulesOut
from kefu.service.plan import actions_rules as roster_rules
from kefu.service.plan.schemas import RosterRulesIn, RosterRulesOut

router = APIRouter(prefix="/rules", tags=["rules"])

Manager = Annotated[Caller, require_roles(*MANAGER_ROLES)]
ShopId = Annotated[str, Path(min_length=1, max_length=64)]
SchemeName = Annotated[str, Path(min_length=1, max_length=32)]


@router.get("/followup/{shop_id}", response_model=FollowupRulesOut)
def read_followup(shop_id: ShopId, session: DbSession, caller: Manager) -> FollowupRulesOut:
    return followup.followup_rules(session, shop_id)


@router.put("/followup/{shop_id}", response_model=FollowupRulesOut)
def save_followup(shop_id: ShopId, body: FollowupRulesIn, session: DbSession, caller: Manager) -> FollowupRulesOut:
    return followup.save_followup_rules(session, shop_id, body.rules, by=caller.name)


@router.get("/kpi/{name}", response_model=KpiSchemeOut)
def read_kpi(name: SchemeName, session: DbSession, caller: Manager) -> KpiSchemeOut:
    return actions_kpi.kpi_scheme(session, name)


@router.put("/kpi/{name}", response_model=KpiSchemeOut)
def save_kpi(name: SchemeName, body: KpiSchemeIn, session: DbSession, caller: Manager) -> KpiSchemeOut:
    return actions_kpi.save_kpi_scheme(session, name, body.doc, by=caller.name)


@router.get("/kpi/{name}/suggestion", response_model=GradingSuggestionOut)
def suggest_kpi_grading(name: SchemeName, session: DbSession, caller: Manager,
                        month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]) -> GradingSuggestionOut:  # fmt: skip
    """Grade thresholds reviewed against the month's own scores (seed 004's shares, or the scheme's
    forced distribution); nothing is stored — accept them by saving the scheme."""
    return actions_kpi.grading_suggestion(session, name, month)


@router.get("/roster/{shop_id}", response_model=RosterRulesOut)
def read_roster(shop_id: ShopId, session: DbSession, caller: Manager) -> RosterRulesOut:
    return roster_rules.roster_rules(session, shop_id)


@router.put("/roster/{shop_id}", response_model=RosterRulesOut)
def save_roster(shop_id: ShopId, body: RosterRulesIn, session: DbSession, caller: Manager) -> RosterRulesOut:
    return roster_rules.save_roster_rules(session, shop_id, body.model_dump(), by=caller.name)
