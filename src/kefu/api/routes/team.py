"""Team self-service over HTTP (issue 22): leave, swaps, open shifts, overtime, fines and rewards, the fund,
product briefings, onboarding and goals, my page.

Thin: validate, let ``require_roles`` admit the roles, call one
:mod:`kefu.service.team.actions` use-case. Which rows are the caller's (agents
act for themselves, supervisors decide for their team) is checked in the
service, where the pages and the CLI share it. ``agent_id`` may be left out by
an agent: it means the caller's own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from kefu.api.deps import Caller, DbSession, require_roles
from kefu.service.schemas import Day
from kefu.service.team import actions
from kefu.service.team.schemas import (
    AnswersIn,
    BalanceOut,
    BriefingIn,
    BriefingOut,
    BriefingStatusOut,
    ConductIn,
    ConductOut,
    EarlyRegularOut,
    FitOut,
    FundSpendIn,
    FundStatementOut,
    GoalIn,
    GoalOut,
    GradeOut,
    LeaveIn,
    LeaveOut,
    MarkOut,
    MyPage,
    NoteIn,
    OnboardingIn,
    OnboardingOut,
    OpenShiftIn,
    OpenShiftOut,
    OvertimeIn,
    OvertimeOut,
    PickUpIn,
    RegularIn,
    SwapIn,
    SwapOut,
)

router = APIRouter(tags=["team"])

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
AgentPath = Annotated[str, Path(min_length=1, max_length=64)]
Status = Annotated[str | None, Query(max_length=16)]
EVERYONE = ("admin", "supervisor", "agent")
DECIDERS = ("admin", "supervisor")
Anyone = Annotated[Caller, require_roles(*EVERYONE)]
Decider = Annotated[Caller, require_roles(*DECIDERS)]
AgentOnly = Annotated[Caller, require_roles("agent")]


def actor(caller: Caller) -> actions.Actor:
    return actions.Actor(caller.name, caller.role, caller.agent_id, caller.team)


@router.post("/leave", status_code=201, response_model=LeaveOut)
def request_leave(body: LeaveIn, session: DbSession, caller: Anyone) -> LeaveOut:
    return actions.request_leave(session, actor(caller), body)


@router.get("/leave", response_model=list[LeaveOut])
def list_leave(session: DbSession, caller: Anyone, status: Status = None,
               agent: Annotated[str | None, Query(max_length=64)] = None) -> list[LeaveOut]:  # fmt: skip
    return actions.list_leave(session, actor(caller), agent_id=agent, status=status)


@router.post("/leave/{leave_id}/approve", response_model=LeaveOut)
def approve_leave(leave_id: Id, body: NoteIn, session: DbSession, caller: Decider) -> LeaveOut:
    return actions.approve_leave(session, actor(caller), leave_id, body.note)


@router.post("/leave/{leave_id}/reject", response_model=LeaveOut)
def reject_leave(leave_id: Id, body: NoteIn, session: DbSession, caller: Decider) -> LeaveOut:
    return actions.reject_leave(session, actor(caller), leave_id, body.note)


@router.post("/leave/{leave_id}/cancel", response_model=LeaveOut)
def cancel_leave(leave_id: Id, session: DbSession, caller: Anyone) -> LeaveOut:
    return actions.cancel_leave(session, actor(caller), leave_id)


@router.get("/agents/{agent_id}/leave-balances", response_model=list[BalanceOut])
def leave_balances(agent_id: AgentPath, session: DbSession, caller: Anyone) -> list[BalanceOut]:
    return actions.leave_balances(session, actor(caller), agent_id)


@router.get("/attendance", response_model=list[MarkOut])
def team_marks(session: DbSession, caller: Decider, first: Annotated[Day, Query(alias="from")],
               last: Annotated[Day, Query(alias="to")],
               shop: Annotated[str | None, Query(max_length=64)] = None) -> list[MarkOut]:  # fmt: skip
    """Late and absent marks of the supervisor's team (the background worker writes them from presence)."""
    return actions.team_marks(session, actor(caller), first, last, shop_id=shop)


@router.get("/agents/{agent_id}/my-page", response_model=MyPage)
def my_page(agent_id: AgentPath, session: DbSession, caller: Anyone) -> MyPage:
    """The agent's roster, requests, tasks, balances and marks (what the 我的 page shows)."""
    return actions.my_page(session, actor(caller), agent_id)


@router.post("/swaps", status_code=201, response_model=SwapOut)
def request_swap(body: SwapIn, session: DbSession, caller: Anyone) -> SwapOut:
    return actions.request_swap(session, actor(caller), body)


@router.get("/swaps", response_model=list[SwapOut])
def list_swaps(session: DbSession, caller: Anyone, status: Status = None) -> list[SwapOut]:
    return actions.list_swaps(session, actor(caller), status=status)


@router.post("/swaps/{swap_id}/accept", response_model=SwapOut)
def accept_swap(swap_id: Id, session: DbSession, caller: AgentOnly) -> SwapOut:
    return actions.accept_swap(session, actor(caller), swap_id)


@router.post("/swaps/{swap_id}/decline", response_model=SwapOut)
def decline_swap(swap_id: Id, session: DbSession, caller: AgentOnly) -> SwapOut:
    return actions.decline_swap(session, actor(caller), swap_id)


@router.post("/swaps/{swap_id}/cancel", response_model=SwapOut)
def cancel_swap(swap_id: Id, session: DbSession, caller: Anyone) -> SwapOut:
    return actions.cancel_swap(session, actor(caller), swap_id)


@router.post("/swaps/{swap_id}/approve", response_model=SwapOut)
def approve_swap(swap_id: Id, body: NoteIn, session: DbSession, caller: Decider) -> SwapOut:
    """Approve, or 409 ROSTER_RULE_BROKEN naming every hard rule the swap would break."""
    return actions.approve_swap(session, actor(caller), swap_id, body.note)


@router.post("/swaps/{swap_id}/reject", response_model=SwapOut)
def reject_swap(swap_id: Id, body: NoteIn, session: DbSession, caller: Decider) -> SwapOut:
    return actions.reject_swap(session, actor(caller), swap_id, body.note)


@router.get("/shifts/candidates", response_model=list[FitOut])
def shift_candidates(
    session: DbSession,
    caller: Anyone,
    shop: Annotated[str, Query(min_length=1, max_length=64)],
    day: Day,
    shift: Annotated[str, Query(min_length=1, max_length=32)],
    skill: Annotated[str, Query(min_length=1, max_length=64)],
    exclude: Annotated[str | None, Query(max_length=64)] = None,
) -> list[FitOut]:
    """Who could work the shift, best first (an agent may ask only about its own shift)."""
    return actions.shift_candidates(session, actor(caller), shop, day, shift, skill, exclude=exclude)


@router.post("/open-shifts", status_code=201, response_model=OpenShiftOut)
def open_shift(body: OpenShiftIn, session: DbSession, caller: Decider) -> OpenShiftOut:
    return actions.open_shift(session, actor(caller), body)


@router.get("/open-shifts", response_model=list[OpenShiftOut])
def list_open_shifts(session: DbSession, caller: Anyone,
                     shop: Annotated[str | None, Query(max_length=64)] = None) -> list[OpenShiftOut]:  # fmt: skip
    return actions.list_open_shifts(session, actor(caller), shop_id=shop)


@router.post("/open-shifts/{open_id}/pick-up", response_model=OpenShiftOut)
def pick_up(open_id: Id, body: PickUpIn, session: DbSession, caller: Anyone) -> OpenShiftOut:
    return actions.pick_up_shift(session, actor(caller), open_id, body.agent_id)


@router.post("/open-shifts/{open_id}/cancel", response_model=OpenShiftOut)
def cancel_open_shift(open_id: Id, session: DbSession, caller: Decider) -> OpenShiftOut:
    return actions.cancel_open_shift(session, actor(caller), open_id)


@router.post("/overtime", status_code=201, response_model=OvertimeOut)
def request_overtime(body: OvertimeIn, session: DbSession, caller: Anyone) -> OvertimeOut:
    """An agent asks (pending) — or a supervisor orders (approved at once, the agent is told)."""
    if caller.role == "agent":
        return actions.request_overtime(session, actor(caller), body)
    return actions.order_overtime(session, actor(caller), body)


@router.get("/overtime", response_model=list[OvertimeOut])
def list_overtime(session: DbSession, caller: Anyone, status: Status = None) -> list[OvertimeOut]:
    return actions.list_overtime(session, actor(caller), status=status)


@router.post("/overtime/{request_id}/approve", response_model=OvertimeOut)
def approve_overtime(request_id: Id, body: NoteIn, session: DbSession, caller: Decider) -> OvertimeOut:
    return actions.approve_overtime(session, actor(caller), request_id, body.note)


@router.post("/overtime/{request_id}/reject", response_model=OvertimeOut)
def reject_overtime(request_id: Id, body: NoteIn, session: DbSession, caller: Decider) -> OvertimeOut:
    return actions.reject_overtime(session, actor(caller), request_id, body.note)


@router.post("/overtime/{request_id}/cancel", response_model=OvertimeOut)
def cancel_overtime(request_id: Id, session: DbSession, caller: Anyone) -> OvertimeOut:
    return actions.cancel_overtime(session, actor(caller), request_id)


@router.post("/overtime/{request_id}/book", response_model=OvertimeOut)
def book_overtime(request_id: Id, session: DbSession, caller: Decider) -> OvertimeOut:
    """After the day: the minutes worked are paid at the day's rate or credited as 调休."""
    return actions.book_overtime(session, actor(caller), request_id)


@router.post("/conduct", status_code=201, response_model=ConductOut)
def record_conduct(body: ConductIn, session: DbSession, caller: Decider) -> ConductOut:
    """A violation (the shop's ladder: 10 → 30 元 → dismissal warning) or a reward; both feed pay."""
    return actions.record_conduct(session, actor(caller), body)


@router.get("/agents/{agent_id}/conduct", response_model=list[ConductOut])
def list_conduct(agent_id: AgentPath, session: DbSession, caller: Anyone) -> list[ConductOut]:
    return actions.list_conduct(session, actor(caller), agent_id)


@router.get("/fund", response_model=FundStatementOut)
def fund_statement(session: DbSession, caller: Anyone, shop: Annotated[str, Query(min_length=1, max_length=64)],
                   first: Annotated[Day, Query(alias="from")], last: Annotated[Day, Query(alias="to")]) -> FundStatementOut:  # fmt: skip
    """The team activity fund's published statement (fines in, spends out)."""
    return actions.fund_statement(session, actor(caller), shop, first, last)


@router.post("/fund/spends", status_code=201, response_model=FundStatementOut)
def spend_fund(body: FundSpendIn, session: DbSession, caller: Decider) -> FundStatementOut:
    return actions.spend_fund(session, actor(caller), body)


@router.post("/briefings", status_code=201, response_model=BriefingOut)
def publish_briefing(body: BriefingIn, session: DbSession, caller: Decider) -> BriefingOut:
    """A product briefing with its quiz; agents acknowledge by passing it (it blocks nobody)."""
    return actions.publish_briefing(session, actor(caller), body)


@router.get("/briefings", response_model=list[BriefingOut])
def list_briefings(session: DbSession, caller: Anyone,
                   shop: Annotated[str | None, Query(max_length=64)] = None) -> list[BriefingOut]:  # fmt: skip
    return actions.list_briefings(session, actor(caller), shop_id=shop)


@router.post("/briefings/{briefing_id}/acknowledge", response_model=GradeOut)
def acknowledge_briefing(briefing_id: Id, body: AnswersIn, session: DbSession, caller: AgentOnly) -> GradeOut:
    return actions.acknowledge_briefing(session, actor(caller), briefing_id, body)


@router.get("/briefings/{briefing_id}/status", response_model=BriefingStatusOut)
def briefing_status(briefing_id: Id, session: DbSession, caller: Decider) -> BriefingStatusOut:
    """Who has acknowledged, who has not, who was still missing at launch."""
    return actions.briefing_status(session, actor(caller), briefing_id)


@router.post("/onboarding", status_code=201, response_model=OnboardingOut)
def start_onboarding(body: OnboardingIn, session: DbSession, caller: Decider) -> OnboardingOut:
    """A new hire's mentor (一人带一个), checklist and probation end."""
    return actions.start_onboarding(session, actor(caller), body)


@router.post("/onboarding/{agent_id}/checklist/{item}", response_model=OnboardingOut)
def tick_onboarding(agent_id: AgentPath, item: Annotated[int, Path(ge=0, le=99)], session: DbSession,
                    caller: Anyone) -> OnboardingOut:  # fmt: skip
    """The mentor (or a supervisor) marks a checklist item done."""
    return actions.tick_onboarding(session, actor(caller), agent_id, item)


@router.get("/agents/{agent_id}/early-regular", response_model=EarlyRegularOut)
def early_regular(agent_id: AgentPath, session: DbSession, caller: Decider,
                  month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None) -> EarlyRegularOut:  # fmt: skip
    """Whether kefu proposes early 转正 (checklist done, KPI score at the team's norm)."""
    return actions.early_regular(session, actor(caller), agent_id, month=month)


@router.post("/onboarding/{agent_id}/regular", response_model=OnboardingOut)
def confirm_regular(agent_id: AgentPath, body: RegularIn, session: DbSession, caller: Decider) -> OnboardingOut:
    return actions.confirm_regular(session, actor(caller), agent_id, body.day)


@router.post("/goals", status_code=201, response_model=GoalOut)
def set_goal(body: GoalIn, session: DbSession, caller: Decider) -> GoalOut:
    """A six-month goal at 120–130 % of the team norm, with the agent's development direction."""
    return actions.set_goal(session, actor(caller), body)


@router.get("/agents/{agent_id}/goals", response_model=list[GoalOut])
def list_goals(agent_id: AgentPath, session: DbSession, caller: Anyone) -> list[GoalOut]:
    return actions.list_goals(session, actor(caller), agent_id)
