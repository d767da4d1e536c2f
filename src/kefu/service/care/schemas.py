"""Typed in/out models of the care area (one naming family per entity: XxxIn, XxxOut, XxxPage);
the FAQ bot's are in :mod:`kefu.service.care.schemas_bot`.

The API declares these as response models, so the OpenAPI document says what each care route
returns. Times are ISO-8601 strings exactly as stored (with their offset), amounts are integer
fen, rates and averages decimal strings: the models describe the JSON the routes always sent.
Also the value lists a form offers (ticket and template categories), taken
from the engine so outer layers need not import it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from kefu.care import templates as tpl
from kefu.care import tickets as tk
from kefu.service.schemas import ApiIn

TICKET_CATEGORIES = tk.CATEGORIES
TICKET_SEVERITIES = tk.SEVERITIES
TICKET_DEPARTMENTS = tk.DEPARTMENTS
CALLBACK_OUTCOMES = tk.CALLBACK_OUTCOMES
TEMPLATE_CATEGORIES = tpl.CATEGORIES

# Field limits of the request bodies mirror the columns, so bad input is a 4xx with a code,
# never a database error.
Str64 = Annotated[str, Field(min_length=1, max_length=64)]
OptId = Annotated[int | None, Field(default=None, ge=1, le=2**31 - 1)]


# ----------------------------------------------------------------- request bodies


class TicketIn(ApiIn):
    shop_id: Str64
    buyer: Annotated[str, Field(min_length=1, max_length=128)]
    category: Annotated[str, Field(max_length=32)]
    severity: Annotated[str, Field(max_length=16)] = "normal"
    summary: Annotated[str, Field(max_length=5000)] = ""
    order_id: Annotated[str | None, Field(default=None, max_length=64)] = None
    owner: Annotated[str | None, Field(default=None, max_length=64)] = None


class TicketResponseIn(ApiIn):
    text: Annotated[str, Field(min_length=1, max_length=5000)]


class TicketEscalateIn(ApiIn):
    department: Annotated[str, Field(max_length=32)]
    note: Annotated[str, Field(min_length=1, max_length=5000)]


class TicketResolveIn(ApiIn):
    root_cause: Annotated[str, Field(min_length=1, max_length=64)]
    note: Annotated[str, Field(max_length=5000)] = ""


class CallbackIn(ApiIn):
    at: Annotated[str, Field(min_length=1, max_length=64)]


class CallbackResultIn(ApiIn):
    outcome: Annotated[str, Field(max_length=32)]
    note: Annotated[str, Field(max_length=5000)] = ""


class SurveyIn(ApiIn):
    conversation_id: OptId = None
    ticket_id: OptId = None


class SurveyAnswerIn(ApiIn):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    score: int | Annotated[str, Field(max_length=8)]
    comment: Annotated[str, Field(max_length=2000)] = ""


class TemplateIn(ApiIn):
    category: Annotated[str, Field(max_length=32)]
    title: Annotated[str, Field(min_length=1, max_length=100)]
    body: Annotated[str, Field(min_length=1, max_length=5000)]
    steps: Annotated[list[Annotated[str, Field(max_length=500)]], Field(max_length=50)] = []
    shop_id: Annotated[str | None, Field(default=None, max_length=64)] = None


class TemplateRenderIn(ApiIn):
    variables: Annotated[dict[Annotated[str, Field(max_length=32)], Annotated[str, Field(max_length=500)] | int],
                         Field(max_length=20)] = {}  # fmt: skip


class CareSettingsIn(ApiIn):
    open: Annotated[str | None, Field(default=None, max_length=5)] = None
    close: Annotated[str | None, Field(default=None, max_length=5)] = None
    open_on_rest_days: bool | None = None
    open_on_statutory: bool | None = None
    bot_mode: Annotated[str | None, Field(default=None, max_length=16)] = None
    bot_threshold: Annotated[float | None, Field(default=None, ge=0.0, le=1.0)] = None
    bot_share_percent: Annotated[int | None, Field(default=None, ge=0, le=100)] = None  # mixed: share the bot takes first
    sla: Annotated[
        dict[Annotated[str, Field(max_length=16)], Annotated[list[int], Field(min_length=2, max_length=2)]]
        | None,
        Field(default=None, max_length=4),
    ] = None
    calendar_overrides: Annotated[
        dict[Annotated[str, Field(max_length=10)], Annotated[str, Field(max_length=16)]] | None,
        Field(default=None, max_length=400),
    ] = None


class LogbookEntryIn(ApiIn):
    shop_id: Str64
    book: Annotated[str, Field(max_length=16)]
    kind: Annotated[str, Field(max_length=16)] = "note"
    text: Annotated[str, Field(min_length=1, max_length=5000)]
    day: Annotated[str | None, Field(default=None, max_length=10)] = None


class LedgerEntryIn(ApiIn):
    agent_id: Str64
    day: Annotated[str, Field(min_length=10, max_length=10)]
    kind: Annotated[str, Field(max_length=16)]
    amount_fen: Annotated[int, Field(ge=-(10**10), le=10**10)]
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    evidence: Annotated[str, Field(max_length=200)] = ""


# ----------------------------------------------------------------- tickets


class TicketNoteOut(BaseModel):
    """One line of a ticket's history; escalations add ``department``, callbacks ``outcome``."""

    model_config = ConfigDict(extra="allow")
    at: str
    by: str
    kind: str
    text: str


class TicketSlaOut(BaseModel):
    first_response_due: str | None
    resolution_due: str | None
    first_response: str  # met | breached | pending
    resolution: str
    first_response_minutes: int | None  # business minutes taken
    resolution_minutes: int | None


class TicketOut(BaseModel):
    id: int
    shop_id: str
    buyer: str
    order_id: str | None
    category: str
    severity: str
    status: str
    department: str
    owner: str | None
    summary: str
    root_cause: str
    created_at: str | None
    first_response_at: str | None
    resolved_at: str | None
    callback_at: str | None
    callback_outcome: str
    notes: list[TicketNoteOut]
    sla: TicketSlaOut


class TicketEventOut(BaseModel):
    """One event row of a ticket (``ticket.created`` … ``ticket.callback_done``): its timeline."""

    at: str
    kind: str
    by: str
    data: dict[str, Any]


class RootCausesOut(BaseModel):
    month: str
    tickets: int
    resolved: int
    by_category: dict[str, int]
    by_root_cause: dict[str, int]
    by_department: dict[str, int]
    by_severity: dict[str, int]
    first_response_breaches: int
    resolution_breaches: int
    avg_resolution_business_hours: str | None
    callback_outcomes: dict[str, int]


# ----------------------------------------------------------------- surveys


class SurveyOut(BaseModel):
    id: int
    shop_id: str
    conversation_id: int | None
    ticket_id: int | None
    agent_id: str | None
    sent_at: str
    score: int | None
    level: str | None
    comment: str
    answered_at: str | None
    created_by: str


class SurveyLinkOut(BaseModel):
    """The buyer's one-time link: ``link`` carries ``token``, the signed survey id."""

    survey: int
    token: str
    link: str


class SurveySentOut(SurveyOut, SurveyLinkOut):
    pass


class SurveyForBuyerOut(BaseModel):
    shop: str
    answered: bool
    levels: dict[str, str]


class SurveyAnswerOut(BaseModel):
    answered: bool
    score: int
    level: str


class SurveyStatsOut(BaseModel):
    sent: int
    answered: int
    response_rate: str | None
    distribution: dict[str, int]
    satisfied_rate: str | None
    mean_score: str | None


# ----------------------------------------------------------------- templates and settings


class TemplateOut(BaseModel):
    id: int
    shop_id: str | None
    category: str
    title: str
    body: str
    steps: list[str]
    variables: list[str]
    usage_count: int


class TemplateRenderOut(BaseModel):
    id: int
    title: str
    text: str
    steps: list[str]
    usage_count: int


class TemplateSeedOut(BaseModel):
    added: int


class CareSettingsOut(BaseModel):
    """A shop's care settings as stored (keys never set are left out of the answer)."""

    model_config = ConfigDict(extra="allow")
    open: str | None = None
    close: str | None = None
    open_on_rest_days: bool | None = None
    open_on_statutory: bool | None = None
    bot_mode: str | None = None
    bot_threshold: float | None = None
    bot_share_percent: int | None = None
    sla: dict[str, list[int]] | None = None
    calendar_overrides: dict[str, str] | None = None


# ----------------------------------------------------------------- logbooks and ledger


class LogbookEntryOut(BaseModel):
    id: int
    shop_id: str
    book: str
    day: str
    author: str
    kind: str
    text: str
    data: dict[str, Any]


class IssueItemOut(BaseModel):
    day: str
    author: str
    text: str


class WeeklyIssuesOut(BaseModel):
    week_start: str
    week_end: str
    problems: list[IssueItemOut]
    ideas: list[IssueItemOut]
    per_author: dict[str, dict[str, int]]
    total: int


class ServiceStatsOut(BaseModel):
    """One agent's 服务统计 row of a day (computed, never typed)."""

    agent_id: str
    served: int
    converted: int
    conversion_rate: str | None
    orders: int
    amount_fen: int
    day: str


class HandoverOut(BaseModel):
    id: int
    at: str
    from_agent: str
    to_agent: str
    items: list[dict[str, Any]]
    note: str


class HandoverLogOut(BaseModel):
    day: str
    notes: list[LogbookEntryOut]
    handovers: list[HandoverOut]


class LedgerEntryOut(BaseModel):
    id: int
    agent_id: str
    day: str
    kind: str
    amount_fen: int
    reason: str
    evidence: str
    created_by: str


class LedgerPage(BaseModel):
    entries: list[LedgerEntryOut]
    fines_fen: int
    rewards_fen: int
    total_fen: int
