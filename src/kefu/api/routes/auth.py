"""Sign-in for browser callers, passwords and account administration.

``POST /auth/login`` sets the signed ``kefu_session`` cookie (the same one the
dashboard uses) with the user's session version; ``POST /auth/logout`` and any
password change bump that version, so older cookies stop working on every
worker. A user whose password was printed, generated or set by an admin gets
``403 PASSWORD_CHANGE_REQUIRED`` everywhere except ``/auth/me``,
``/auth/logout`` and ``/auth/password`` until they change it. Integrations use
bearer tokens instead (``kefu tokens create``). Failed logins are rate limited
(see :mod:`kefu.service.login`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from kefu.api.deps import (
    Caller,
    DbSession,
    PendingCaller,
    get_caller_before_change,
    get_engine_dep,
    require_roles,
)
from kefu.service import login as login_service
from kefu.service import users

router = APIRouter(tags=["auth"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    agent_id: str | None
    team: str
    locale: str
    active: bool
    must_change_password: bool


class AccountPasswordOut(UserOut):
    generated_password: str = Field(description="the generated password, shown once; empty when one was given")


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str | None = Field(default=None, min_length=1, max_length=256,
                                 description="the first password (the user must change it); omit to generate one")
    role: Literal["admin", "supervisor", "agent"]
    agent_id: str | None = Field(default=None, max_length=64)
    team: str = Field(default="", max_length=64)
    display_name: str = Field(default="", max_length=100)


class ActiveIn(BaseModel):
    active: bool


class PasswordChangeIn(BaseModel):
    old_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256)


class PasswordResetIn(BaseModel):
    password: str | None = Field(default=None, min_length=1, max_length=256,
                                 description="the temporary password; omit to generate one")


class MeOut(BaseModel):
    kind: str
    name: str
    role: str
    agent_id: str | None
    team: str
    user_id: int | None
    must_change_password: bool


class OkOut(BaseModel):
    ok: bool


def _out(info: users.UserInfo) -> UserOut:
    return UserOut(id=info.id, username=info.username, display_name=info.display_name, role=info.role,
                   agent_id=info.agent_id, team=info.team, locale=info.locale, active=info.active,
                   must_change_password=info.must_change_password)


def _account(result: users.AccountPassword) -> AccountPasswordOut:
    return AccountPasswordOut(**_out(result.user).model_dump(), generated_password=result.generated_password)


@router.post("/auth/login", response_model=UserOut)
def login(body: LoginIn, request: Request, engine: Annotated[Engine, Depends(get_engine_dep)]) -> UserOut:
    address = request.client.host if request.client else "unknown"  # a trusted proxy's X-Forwarded-For: see app
    info = login_service.login(engine, body.username, body.password, address)
    users.put_identity(request.session, info.id, info.session_version)
    return _out(info)


@router.post("/auth/logout", response_model=OkOut)
def logout(request: Request, session: DbSession) -> OkOut:
    """End this user's sessions server-side (every cookie issued so far) and forget the cookie's identity."""
    users.sign_out(session, request.session)
    return OkOut(ok=True)


@router.get("/auth/me", response_model=MeOut)
def me(caller: PendingCaller) -> MeOut:
    return MeOut(kind=caller.kind, name=caller.name, role=caller.role, agent_id=caller.agent_id, team=caller.team,
                 user_id=caller.user_id, must_change_password=caller.must_change_password)


@router.post("/auth/password", response_model=UserOut)
def change_password(body: PasswordChangeIn, request: Request, session: DbSession,
                    caller: Caller = require_roles("admin", "supervisor", "agent",
                                                   via=get_caller_before_change)) -> UserOut:
    """Change one's own password (the current one is needed); other sessions end, this one goes on."""
    assert caller.user_id is not None  # only users have these roles
    info = users.change_password(session, caller.user_id, body.old_password, body.new_password)
    users.put_identity(request.session, info.id, info.session_version)
    return _out(info)


@router.get("/users", response_model=list[UserOut])
def list_users(session: DbSession, _: Caller = require_roles("admin")) -> list[UserOut]:
    return [_out(u) for u in users.list_users(session)]


@router.post("/users", response_model=AccountPasswordOut, status_code=201)
def add_user(body: UserIn, session: DbSession, _: Caller = require_roles("admin")) -> AccountPasswordOut:
    """Create an account; its owner must change the first password at first sign-in."""
    return _account(users.add_user(session, body.username, body.password, body.role, agent_id=body.agent_id,
                                   team=body.team, display_name=body.display_name))


@router.post("/users/{user_id}/password", response_model=AccountPasswordOut)
def reset_password(user_id: int, body: PasswordResetIn, session: DbSession,
                   _: Caller = require_roles("admin")) -> AccountPasswordOut:
    """Reset someone's password: their sessions end and they must change it at next sign-in."""
    return _account(users.reset_password(session, user_id=user_id, new_password=body.password))


@router.post("/users/{user_id}/active", response_model=dict[str, bool])
def set_active(user_id: int, body: ActiveIn, session: DbSession,
               _: Caller = require_roles("admin")) -> dict[str, bool]:
    users.set_active(session, user_id, body.active)
    return {"active": body.active}
