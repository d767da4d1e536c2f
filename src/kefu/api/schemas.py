"""Base for every API request body: unknown fields ignored, NUL characters refused.

PostgreSQL cannot store NUL in text columns; without this check such input
would fail at commit as a server error instead of a 422 naming the field.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


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
