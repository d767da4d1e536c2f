"""Shared base of every request body (unknown fields ignored, NUL characters refused) and the bounded ``Day``.

PostgreSQL cannot store NUL in text columns; without this check such input
would fail at commit as a server error instead of a 422 naming the field.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator

from kefu.domain.timeutil import FIRST_DAY, LAST_DAY, day_in_range


def _in_range(day: date) -> date:
    if not day_in_range(day):
        raise ValueError(f"date must be within {FIRST_DAY}–{LAST_DAY}")
    return day


# Every date a route reads (query or body) is this type: 9999-12-31 is a 422, not an overflow (500)
# in the arithmetic that follows. Text parsed by hand goes through kefu.domain.timeutil (same bound).
Day = Annotated[date, AfterValidator(_in_range)]


def refuse_nul(value: Any) -> Any:
    """The value unchanged, or a ValueError when it (or a list/dict item) holds a NUL character."""
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
    if any(isinstance(v, str) and "\x00" in v for v in items):
        raise ValueError("NUL character not allowed")
    return value


class ApiIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


class HealthOut(BaseModel):
    """``GET /health``: the process answers and its database does too."""

    status: str
    version: str
    database: str


class RuleVersionOut(BaseModel):
    """One saved version of an edited rule document (follow-up rules, KPI scheme, roster rules)."""

    version: int
    valid_from: str
    saved_at: str
    saved_by: str
