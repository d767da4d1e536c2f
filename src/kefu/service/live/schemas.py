"""What the live floor's use-cases take and answer: one In / Out family per entity.

Field limits of the ``…In`` models mirror the column sizes, so bad input is a
422 with a code, never a database error (500). The ``…Out`` models are the
documented response shapes of the API (``response_model``); they describe the
JSON the use-cases answer, key for key.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from kefu.service.schemas import ApiIn, Day

Code = Annotated[str, Field(min_length=1, max_length=64)]


class AgentIn(ApiIn):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=100)
    skills: list[Code] = Field(min_length=1, max_length=20)
    capacity: int = Field(ge=1, le=200)
    secondary_skills: list[Code] = Field(default=[], max_length=20)
    shop: str | None = Field(default=None, max_length=64)
    weight: int = Field(default=1, ge=1, le=100)


class StatusIn(ApiIn):
    status: str = Field(max_length=16)


class ConversationIn(ApiIn):
    shop: str = Field(min_length=1, max_length=64)
    buyer: str = Field(min_length=1, max_length=128)
    group: str | None = Field(default=None, min_length=1, max_length=64)
    text: str = Field(default="", max_length=10_000)
    request_id: str | None = Field(default=None, min_length=1, max_length=64,
                                   description="the client's id for this open (or the Idempotency-Key header): "
                                               "a retry with the same id gets the same conversation")

    def keyed(self, idempotency_key: str | None) -> ConversationIn:
        """The ``Idempotency-Key`` header as the open's request id, unless the body names one."""
        if idempotency_key is None or self.request_id is not None:
            return self
        return self.model_copy(update={"request_id": idempotency_key})


class MessageIn(ApiIn):
    direction: str = Field(max_length=3)
    text: str = Field(max_length=10_000)
    ts: str | None = Field(default=None, max_length=64)
    agent: str | None = Field(default=None, max_length=64)


class TransferIn(ApiIn):
    to_agent: str | None = Field(default=None, min_length=1, max_length=64)
    to_group: str | None = Field(default=None, min_length=1, max_length=64)
    note: str = Field(default="", max_length=2000)


class HandoverIn(ApiIn):
    to: list[Code] | None = Field(default=None, max_length=50)
    note: str = Field(default="", max_length=4000)
    followups: list[dict[str, str]] = Field(default=[], max_length=200)


class OvertimeIn(ApiIn):
    day: Day
    comp_leave: bool = False  # rest-day overtime only: credit 调休 minutes instead of pay


class LeaveIn(ApiIn):
    day: Day
    minutes: int = Field(ge=1, le=31 * 24 * 60)


class AgentOut(BaseModel):
    id: str
    status: str
    load: int
    capacity: int
    skills: list[str]


class OpenedOut(BaseModel):
    """An open's answer: the conversation and whom it went to (``agent`` is null when queued or with the bot)."""

    id: int
    agent: str | None
    status: str


class ConversationOut(OpenedOut):
    group: str
    shop: str
    buyer: str


class ConversationRowOut(ConversationOut):
    """One row of ``GET /conversations``: times are ISO-8601 with the shop's offset."""

    channel: str
    opened_at: str
    assigned_at: str | None
    closed_at: str | None


class ConversationPage(BaseModel):
    """A page of conversations, newest first (opened, then id): the same rows in the same order on any database."""

    total: int  # matching conversations, all pages
    offset: int
    limit: int
    conversations: list[ConversationRowOut]


class MessageOut(BaseModel):
    id: int
    conversation: int
    direction: str
    ts: str


class WorkspaceMessageOut(BaseModel):
    id: int
    direction: str
    text: str
    ts: str
    agent: str | None
    bot: bool = False  # the FAQ bot's line (its answer or its hand-over), shown to the agent as the bot's


class WorkspaceConversationOut(BaseModel):
    id: int
    shop: str
    buyer: str
    buyer_name: str
    group: str
    assigned_at: str | None
    messages: list[WorkspaceMessageOut]


class WorkspaceOut(AgentOut):
    conversations: list[WorkspaceConversationOut]


class WorktimeOut(BaseModel):
    """An agent's day (:class:`kefu.live.presence.WorkedDay`, decimals as text)."""

    day: str
    day_kind: str
    scheduled_minutes: int
    online_minutes: int
    away_minutes: int
    break_minutes: int
    offline_in_shift_minutes: int
    late_start_minutes: int
    early_leave_minutes: int
    worked_minutes: int
    adherence: str | None
    conformance: str | None
    overtime_minutes: int
    overtime_kind: str
    overtime_rate: str
    statutory_minutes: int
    absent: bool
    agent: str
    provisional_calendar: bool


class OvertimeOut(BaseModel):
    agent: str
    day: str
    minutes: int
    kind: str
    comp_leave: bool
    balance: int


class LedgerEntryOut(BaseModel):
    at: str
    day: str | None
    minutes: int
    reason: str
    by: str
    balance: int


class LedgerOut(BaseModel):
    """The agent's 调休 ledger, oldest first, with the running balance after each entry."""

    agent: str
    balance: int
    entries: list[LedgerEntryOut]


class LeaveOut(BaseModel):
    agent: str
    day: str
    minutes: int
    balance: int


class HandoverItemOut(BaseModel):
    kind: str
    id: str
    buyer: str
    note: str


class HandoverOut(BaseModel):
    from_: str = Field(alias="from")
    moved: dict[str, list[HandoverItemOut]]
    queued: list[str]
    note: str


class HandoverEntryOut(BaseModel):
    """One page of the handover book (notes masked for the reader's role)."""

    id: int
    at: str
    from_: str = Field(alias="from")
    to: str
    items: list[dict[str, str]]
    note: str
    shop: str


class QueuedOut(BaseModel):
    id: int
    shop: str
    buyer: str
    group: str
    opened_at: str
    waited_s: int


class MonitorAgentOut(BaseModel):
    id: str
    name: str
    status: str
    load: int
    capacity: int
    since: str | None


class ForecastSlotOut(BaseModel):
    interval_start: str
    forecast: float
    actual: int


class MonitorOut(BaseModel):
    at: str
    queue_length: int
    longest_wait_s: int
    agents_by_status: dict[str, int]
    load: int
    capacity: int
    agents: list[MonitorAgentOut]
    service_level: float | None
    service_level_target_s: int
    offered: int
    response_3min_rate: float | None
    window_minutes: int
    no_data: str = ""  # why a rate is None: no_agent_working | nothing_in_window ('' when both have data)
    forecast_vs_actual: list[ForecastSlotOut]


class SweepOut(BaseModel):
    assigned: int
    reassigned: int


class WebhookOut(BaseModel):
    """A webhook's effect on its conversation."""

    conversation: int
    agent: str | None
    status: str


class DuplicateOut(BaseModel):
    """A delivery whose id was applied before: acknowledged, nothing changed."""

    duplicate: bool
    id: str
