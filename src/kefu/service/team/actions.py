"""Team use-cases: the one module api/ui/commands import (re-exports the topic modules).

Leave (:mod:`.actions_leave`), swaps and who could take a shift
(:mod:`.actions_swap`), open shifts (:mod:`.actions_open`), overtime
(:mod:`.actions_overtime`), late and absent marks (:mod:`.actions_attendance`),
fines, rewards and the activity fund (:mod:`.actions_conduct`), product briefings
(:mod:`.actions_briefing`), the agent's page (:mod:`.actions_me`),
onboarding, early 转正 and goals (:mod:`.actions_people`), the promotion track
(:mod:`.actions_growth`).
"""

from __future__ import annotations

from kefu.service.team.actions_attendance import attendance_marks, record_attendance, team_marks
from kefu.service.team.actions_briefing import (
    acknowledge_briefing,
    briefing_status,
    list_briefings,
    publish_briefing,
)
from kefu.service.team.actions_common import Actor, actor_named, agent_actor
from kefu.service.team.actions_conduct import (
    conduct_ladder,
    fund_statement,
    list_conduct,
    record_conduct,
    spend_fund,
)
from kefu.service.team.actions_growth import goal_norm, promote_agent, promotion_progress, team_promotions
from kefu.service.team.actions_leave import (
    approve_leave,
    cancel_leave,
    leave_balances,
    list_leave,
    reject_leave,
    request_leave,
)
from kefu.service.team.actions_me import (
    my_figures,
    my_page,
    peers,
)
from kefu.service.team.actions_open import (
    cancel_open_shift,
    list_open_shifts,
    open_shift,
    pick_up_shift,
)
from kefu.service.team.actions_overtime import (
    approve_overtime,
    book_overtime,
    cancel_overtime,
    list_overtime,
    order_overtime,
    reject_overtime,
    request_overtime,
)
from kefu.service.team.actions_people import (
    confirm_regular,
    early_regular,
    list_goals,
    list_onboardings,
    set_goal,
    shop_agents,
    start_onboarding,
    tick_onboarding,
)
from kefu.service.team.actions_swap import (
    accept_swap,
    approve_swap,
    cancel_swap,
    decline_swap,
    list_swaps,
    reject_swap,
    request_swap,
    shift_candidates,
)

__all__ = [
    "my_figures", "my_page", "peers",
    "approve_overtime", "attendance_marks", "book_overtime", "cancel_overtime",
    "list_overtime", "order_overtime", "record_attendance", "reject_overtime", "request_overtime", "team_marks",
    "Actor",
    "accept_swap", "actor_named", "agent_actor", "approve_leave", "approve_swap", "cancel_leave",
    "cancel_open_shift", "cancel_swap", "decline_swap", "leave_balances", "list_leave", "list_open_shifts",
    "list_swaps", "open_shift", "pick_up_shift", "reject_leave", "reject_swap", "request_leave", "request_swap",
    "shift_candidates", "fund_statement", "list_conduct", "record_conduct", "spend_fund",
    "acknowledge_briefing", "briefing_status", "list_briefings", "publish_briefing",
    "confirm_regular", "early_regular", "list_goals", "set_goal", "start_onboarding", "tick_onboarding",
    "goal_norm", "promote_agent", "promotion_progress", "team_promotions", "conduct_ladder", "list_onboardings", "shop_agents",
]  # fmt: skip
