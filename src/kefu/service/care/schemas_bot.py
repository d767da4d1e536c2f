"""Typed in/out models of the FAQ bot: a question and the bot's reply, the shop's facts, the
evaluation summary, proposals mined from the shop's chats; the modes a form offers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from kefu.care import bot as botlib
from kefu.service.schemas import ApiIn

BOT_MODES = tuple(m.value for m in botlib.BotMode)
BOT_DEFAULT_THRESHOLD = botlib.DEFAULT_THRESHOLD


class BotQuestionIn(ApiIn):
    question: Annotated[str, Field(min_length=1, max_length=1000)]
    mode: Annotated[str | None, Field(default=None, max_length=16)] = None
    shop_id: Annotated[str | None, Field(default=None, max_length=64)] = None


class MineIn(ApiIn):
    shop_id: Annotated[str, Field(min_length=1, max_length=64)]
    min_count: Annotated[int, Field(ge=1, le=1000)] = 3


class ProposalDecisionIn(ApiIn):
    approve: bool
    answer: Annotated[str | None, Field(default=None, max_length=1000)] = None


class BotReplyOut(BaseModel):
    action: str  # answer | suggest | handover
    reason: str
    intent: str | None
    answer: str | None
    confidence: float
    matched_question: str | None


class BotFactsOut(BaseModel):
    shop_id: str
    ship_within_hours: int
    same_day_cutoff: str
    couriers: str
    upgrade_courier: str
    free_shipping_over_yuan: int
    shipping_fee_yuan: int
    remote_regions: str
    remote_extra_yuan: int
    invoice_types: str
    special_invoice: bool
    return_address: str
    return_days: int
    price_protect_days: int
    service_hours: str


class BotFactsIn(ApiIn):
    """Facts to change; fields left out keep their value."""

    ship_within_hours: int | None = Field(default=None, ge=1, le=24 * 60)
    same_day_cutoff: str | None = Field(default=None, pattern=r"^([01]?\d|2[0-3]):[0-5]\d$")
    couriers: str | None = Field(default=None, min_length=1, max_length=100)
    upgrade_courier: str | None = Field(default=None, min_length=1, max_length=50)
    free_shipping_over_yuan: int | None = Field(default=None, ge=0, le=100_000)
    shipping_fee_yuan: int | None = Field(default=None, ge=0, le=10_000)
    remote_regions: str | None = Field(default=None, min_length=1, max_length=200)
    remote_extra_yuan: int | None = Field(default=None, ge=0, le=10_000)
    invoice_types: str | None = Field(default=None, min_length=1, max_length=100)
    special_invoice: bool | None = None
    return_address: str | None = Field(default=None, max_length=300)
    return_days: int | None = Field(default=None, ge=0, le=365)
    price_protect_days: int | None = Field(default=None, ge=0, le=365)
    service_hours: str | None = Field(default=None, min_length=1, max_length=50)


class BotEvalOut(BaseModel):
    questions: int
    answered: int
    handed_over: int


class ProposalOut(BaseModel):
    id: int
    shop_id: str
    intent: str
    new_intent: bool
    kind: str  # faq (answer these wordings) | handover (hand them over: agents answered them by hand)
    question: str
    answer: str
    paraphrases: list[str]
    asked: int  # how many buyer messages the group holds
    status: str
    answered_after: int | None
    pool_before: str
    pool_after: str
    created_at: datetime
    decided_by: str


class MineOut(BaseModel):
    pairs: int  # buyer messages read
    pool_answer_rate: str  # share of them the bot answers now
    proposals: list[ProposalOut]
