"""What the org area takes and gives: accounts, sign-in, tokens, agents and shifts, reveals.

One naming family per entity (``XxxIn`` / ``XxxOut``). ``UserOut`` is the one
user shape: the API answers with it and dashboard pages receive it as the
signed-in user. Its ``session_version`` travels to the code that writes the
session cookie but never into a response (``exclude=True``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from kefu.service.schemas import ApiIn


class UserOut(BaseModel):
    """An account as the API, the dashboard and the CLI see it (never its hash)."""

    model_config = ConfigDict(frozen=True)

    id: int
    username: str
    display_name: str
    role: str
    agent_id: str | None
    team: str
    locale: str
    active: bool
    must_change_password: bool
    session_version: int = Field(default=0, exclude=True)


class AccountPasswordOut(UserOut):
    """An account and, when kefu generated its password, that password (shown once)."""

    generated_password: str = Field(description="the generated password, shown once; empty when one was given")


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str | None = Field(default=None, min_length=1, max_length=256,
                                 description="the first password (the user must change it); omit to generate one")
    role: Literal["admin", "supervisor", "agent"]
    agent_id: str | None = Field(default=None, max_length=64)
    team: str = Field(default="", max_length=64)
    display_name: str = Field(default="", max_length=100)


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class ActiveIn(BaseModel):
    active: bool


class ActiveOut(BaseModel):
    active: bool


class PasswordChangeIn(BaseModel):
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class PasswordResetIn(BaseModel):
    password: str | None = Field(default=None, min_length=1, max_length=256,
                                 description="the temporary password; omit to generate one")


class MeOut(BaseModel):
    """The caller of ``/auth/me``: a user or an integration token."""

    kind: str
    name: str
    role: str
    agent_id: str | None
    team: str
    user_id: int | None
    must_change_password: bool


class OkOut(BaseModel):
    ok: bool


class TokenOut(BaseModel):
    """An integration token as listed (never the secret itself)."""

    name: str
    created_at: datetime
    revoked: bool
    revoked_at: datetime | None


@dataclass(frozen=True)
class AgentOut:
    id: str
    name: str
    team: str
    skills: list[str]
    capacity: int
    status: str
    active: bool


@dataclass(frozen=True)
class ShiftOut:
    id: int
    shop_id: str
    code: str
    start: str
    end: str
    night: bool
    evening: bool


class RevealIn(ApiIn):
    subject: Annotated[str, Field(min_length=3, max_length=100, description="conversation:42, ticket:7, order:…")]


class RevealedText(BaseModel):
    field: str  # "message:42", "summary", "note:0", "phone", "address", "memo", "text"
    text: str


class Revealed(BaseModel):
    subject: str
    texts: list[RevealedText]
