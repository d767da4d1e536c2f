"""In / Out models of the team area (issue 22): what the API, the pages and the CLI send and get back.

One naming family per entity (``LeaveIn`` / ``LeaveOut`` …). Dates are shop-local
days; money is in fen; durations in minutes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from kefu.service.schemas import ApiIn, Day
from kefu.team.overtime import Compensation

# An agent id in a body; left out by an agent, it means the caller's own (kefu.service.access.own_agent).
AgentRef = Annotated[str | None, Field(default=None, min_length=1, max_length=64)]
Note = Annotated[str, Field(default="", max_length=500)]


class LeaveIn(ApiIn):
    agent_id: AgentRef = None
    kind: str = Field(description="事假|病假|年假|调休 (or personal|sick|annual|comp)", max_length=16)
    first_day: Day
    last_day: Day
    reason: Note = ""


class NoteIn(ApiIn):
    """A supervisor's decision note (required to reject)."""

    note: Note = ""


class PickUpIn(ApiIn):
    agent_id: AgentRef = None


class RosterChange(BaseModel):
    """One roster cell a decision changed ("" = rest day); ``agent`` is whose cell it is."""

    day: date
    before: str
    after: str
    skill: str = ""
    agent: str = ""


class ReplanOut(BaseModel):
    """How an approval changed the roster: ``replanned`` (minimal-change re-plan), ``freed`` (the re-plan failed
    or would move too much: the freed shifts are offered as open shifts) or ``kept`` (nothing ahead to fill)."""

    outcome: str
    reason: str = ""
    reason_en: str = ""
    open_shifts: list[int] = Field(default_factory=list)


class LeaveOut(BaseModel):
    id: int
    agent_id: str
    agent_name: str
    shop_id: str | None
    kind: str
    kind_label: str
    first_day: date
    last_day: date
    days: int
    minutes: int
    status: str
    reason: str
    created_at: datetime
    created_by: str
    decided_by: str
    decided_at: datetime | None
    decision_note: str
    roster_changes: list[RosterChange]
    replan: ReplanOut | None = None  # in the approval's answer


class BalanceOut(BaseModel):
    kind: str
    label: str
    unit: str  # day | minute
    entitled: int | None
    used: int
    pending: int
    remaining: int | None


class SwapIn(ApiIn):
    agent_id: AgentRef = None
    day: Day
    peer_id: str = Field(min_length=1, max_length=64)
    reason: Note = ""


class RuleOut(BaseModel):
    agent: str
    day: date | None
    rule: str
    message: str
    message_en: str


class SwapOut(BaseModel):
    id: int
    day: date
    requester: str
    requester_name: str
    peer: str
    peer_name: str
    status: str
    reason: str
    cells: dict[str, str]  # agent -> shift code held before the swap ("" = rest)
    created_at: datetime
    accepted_at: datetime | None
    decided_by: str
    decided_at: datetime | None
    decision_note: str
    findings: list[RuleOut]  # hard rules the swap would break, as checked at acceptance


class FitOut(BaseModel):
    agent_id: str
    name: str
    eligible: bool
    rules: list[str]
    rule_labels: list[str]  # the broken rules in the reader's words (zh)
    primary_skill: bool
    hours: float


class OpenShiftIn(ApiIn):
    shop_id: str = Field(min_length=1, max_length=64)
    day: Day
    shift_code: str = Field(min_length=1, max_length=32)
    skill: str = Field(min_length=1, max_length=64)
    note: Note = ""
    source: str = Field(default="", max_length=64, description='where it came from, e.g. "leave:12"')


class OpenShiftOut(BaseModel):
    id: int
    shop_id: str
    day: date
    shift_code: str
    skill: str
    note: str
    source: str
    status: str
    created_by: str
    taken_by: str | None
    taken_by_name: str
    taken_at: datetime | None


class OvertimeIn(ApiIn):
    agent_id: AgentRef = None
    day: Day
    minutes: int = Field(ge=1, le=24 * 60)
    reason: str = Field(min_length=1, max_length=500, description="e.g. 双11")
    compensation: Compensation = Compensation.PAY


class OvertimeOut(BaseModel):
    id: int
    agent_id: str
    agent_name: str
    day: date
    minutes: int
    reason: str
    origin: str  # requested | ordered
    compensation: str
    day_kind: str
    rate: str
    status: str
    created_by: str
    created_at: datetime
    decided_by: str
    decided_at: datetime | None
    decision_note: str
    booked_minutes: int | None


class MarkOut(BaseModel):
    agent_id: str
    agent_name: str
    day: date
    kind: str  # late | absent
    minutes: int
    final: bool = True  # False: late so far, the agent has not come yet


class DayCell(BaseModel):
    day: date
    shift: str  # "" = rest
    start: str
    end: str
    leave: bool  # on approved leave


class RosterNotice(BaseModel):
    """A cell of the agent's roster moved to fill a colleague's approved leave (the in-app notice)."""

    day: date
    before: str  # "" = rest
    after: str
    because: str  # the colleague on leave
    at: datetime


class TaskLine(BaseModel):
    id: int
    task_type: str
    order_id: str
    due_at: datetime | None
    overdue: bool


class MyPage(BaseModel):
    agent_id: str
    name: str
    today: date
    roster: list[DayCell]
    leave: list[LeaveOut]
    swaps: list[SwapOut]
    overtime: list[OvertimeOut]
    open_shifts: list[OpenShiftOut]
    balances: list[BalanceOut]
    comp_minutes: int
    tasks: list[TaskLine]
    marks: list[MarkOut]
    briefings: list[BriefingOut]  # this month's and coming ones, with the agent's own acknowledgement
    conduct: list[ConductOut]  # fines and rewards, newest first
    goals: list[GoalOut]  # six-month goals, latest first
    roster_notices: list[RosterNotice] = Field(default_factory=list)  # cells moved for a colleague's leave, 14 days


class PayLineOut(BaseModel):
    kind: str
    label: str
    amount_fen: int


class MyFigures(BaseModel):
    month: str
    score: str | None  # KPI points so far (None: no figures yet)
    grade: str
    excluded: bool  # probation: not graded
    pay_total_fen: int | None
    lines: list[PayLineOut]


class Peer(BaseModel):
    agent_id: str
    name: str


class ConductIn(ApiIn):
    """A violation (the ladder decides the fine) or a reward (listing error found, suggestion adopted)."""

    agent_id: str = Field(min_length=1, max_length=64)
    day: Day
    kind: str = Field(pattern="^(violation|listing_error|suggestion)$")
    rule: str = Field(min_length=1, max_length=200, description="what was broken, found or suggested")
    evidence: str = Field(min_length=1, max_length=200, description='e.g. "conversation:9", "order:123"')
    amount_fen: int | None = Field(default=None, ge=1, le=1_000_000, description="rewards only; default per kind")


class ConductOut(BaseModel):
    id: int
    agent_id: str
    agent_name: str
    day: date
    kind: str
    rule: str
    outcome: str  # fine | dismissal_warning | reward
    step: int  # n-th violation in the window (0 for rewards)
    amount_fen: int  # signed as in the pay ledger
    evidence: str
    ledger_entry_id: int | None
    created_by: str


class FundSpendIn(ApiIn):
    shop_id: str = Field(min_length=1, max_length=64)
    day: Day
    amount_fen: int = Field(ge=1, le=100_000_000)
    purpose: str = Field(min_length=1, max_length=500)


class FundLineOut(BaseModel):
    day: date
    kind: str  # fine | spend
    amount_fen: int  # + in, − out
    text: str
    balance_fen: int


class FundStatementOut(BaseModel):
    """The team activity fund, published: every fine in, every spend out, the running balance."""

    shop_id: str
    first_day: date
    last_day: date
    opening_fen: int
    lines: list[FundLineOut]
    closing_fen: int


class AttributeIn(ApiIn):
    name: str = Field(min_length=1, max_length=200)
    value: str = Field(min_length=1, max_length=1000)


class FaqIn(ApiIn):
    question: str = Field(min_length=1, max_length=200)
    answer: str = Field(min_length=1, max_length=1000)


class QuestionIn(ApiIn):
    question: str = Field(min_length=1, max_length=500)
    options: list[str] = Field(min_length=2, max_length=6)
    answer: int = Field(ge=0, le=5, description="index of the right option, from 0")


class BriefingIn(ApiIn):
    """A product briefing (seed 001 三): what agents must know before ``launch_on``."""

    shop_id: str = Field(min_length=1, max_length=64)
    product: str = Field(min_length=1, max_length=200)
    launch_on: Day
    attributes: list[AttributeIn] = Field(min_length=1, max_length=20)
    faq: list[FaqIn] = Field(default_factory=list, max_length=20)
    quiz: list[QuestionIn] = Field(min_length=1, max_length=10)


class AnswersIn(ApiIn):
    answers: list[int] = Field(max_length=10, description="one option index per quiz question, in order")


class QuestionOut(BaseModel):
    question: str
    options: list[str]  # the right answer is never sent to agents


class BriefingOut(BaseModel):
    id: int
    shop_id: str
    product: str
    launch_on: date
    attributes: list[dict[str, str]]
    faq: list[dict[str, str]]
    quiz: list[QuestionOut]
    created_by: str
    acknowledged_at: datetime | None  # the reader's own acknowledgement (agents)


class GradeOut(BaseModel):
    briefing_id: int
    right: int
    total: int
    passed: bool
    wrong: list[int]  # 0-based questions answered wrongly
    acknowledged_at: datetime | None


class AckRowOut(BaseModel):
    agent_id: str
    agent_name: str
    acknowledged_on: date | None
    state: str  # acknowledged | acknowledged_late | missing | missing_at_launch


class BriefingStatusOut(BaseModel):
    """Who has acknowledged and who has not (the briefing blocks nobody)."""

    briefing: BriefingOut
    missing: int
    rows: list[AckRowOut]




class OnboardingIn(ApiIn):
    """A new hire, its mentor (一人带一个) and its probation (1–6 months, 劳动合同法 第19条)."""

    agent_id: str = Field(min_length=1, max_length=64)
    mentor_id: str = Field(min_length=1, max_length=64)
    started_on: Day
    months: int = Field(default=3, ge=1, le=6)


class ChecklistItemOut(BaseModel):
    item: str
    done_on: date | None
    by: str


class OnboardingOut(BaseModel):
    agent_id: str
    agent_name: str
    mentor_id: str
    mentor_name: str
    started_on: date
    probation_end: date
    status: str  # probation | regular
    regular_on: date | None
    checklist: list[ChecklistItemOut]


class CheckOut(BaseModel):
    metric: str
    label: str
    value: str | None
    norm: str | None
    met: bool


class EarlyRegularOut(BaseModel):
    """Whether kefu proposes early 转正: the checklist is done and every target reaches the team's norm."""

    agent_id: str
    month: str
    eligible: bool
    checklist_done: bool
    checks: list[CheckOut]


class GoalIn(ApiIn):
    """A six-month goal: the target is the team norm × 1.2–1.3 (÷ when lower is better)."""

    agent_id: str = Field(min_length=1, max_length=64)
    metric: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=100)
    norm: Decimal = Field(gt=0, max_digits=14, decimal_places=4)
    factor: Decimal = Field(default=Decimal("1.2"), max_digits=4, decimal_places=2)
    lower_is_better: bool = False
    start: Day
    direction: str = Field(default="", max_length=500, description="发展方向: where the agent wants to grow")


class GoalOut(BaseModel):
    id: int
    agent_id: str
    metric: str
    label: str
    lower_is_better: bool
    norm: str
    factor: str
    target: str
    start: date
    end: date
    direction: str
    created_by: str


class RegularIn(ApiIn):
    day: Day


MyPage.model_rebuild()  # its briefings, conduct entries and goals are declared further down
