"""Sign-in for browser callers and account administration.

``POST /auth/login`` sets the signed ``kefu_session`` cookie (the same one the
dashboard uses); integrations use bearer tokens instead (``kefu token create``).
Failed logins are rate limited per username and address (see service.users).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from kefu.api.deps import Caller, CurrentCaller, DbSession, get_engine_dep, require_roles
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


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=256)
    role: Literal["admin", "supervisor", "agent"]
    agent_id: str | None = Field(default=None, max_length=64)
    team: str = Field(default="", max_length=64)
    display_name: str = Field(default="", max_length=100)


class ActiveIn(BaseModel):
    active: bool


def _out(info: users.UserInfo) -> UserOut:
    return UserOut(**info.__dict__)


@router.post("/auth/login", response_model=UserOut)
def login(body: LoginIn, request: Request, engine: Annotated[Engine, Depends(get_engine_dep)]) -> UserOut:
    ip = request.client.host if request.client else "unknown"
    info = users.login(engine, body.username, body.password, ip)
    request.session["user_id"] = info.id
    return _out(info)


@router.post("/auth/logout")
def logout(request: Request) -> dict[str, bool]:
    request.session.pop("user_id", None)
    return {"ok": True}


@router.get("/auth/me")
def me(caller: CurrentCaller) -> dict[str, str | int | None]:
    return {"kind": caller.kind, "name": caller.name, "role": caller.role, "agent_id": caller.agent_id,
            "team": caller.team, "user_id": caller.user_id}


@router.get("/users", response_model=list[UserOut])
def list_users(session: DbSession, _: Caller = require_roles("admin")) -> list[UserOut]:
    return [_out(u) for u in users.list_users(session)]


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(body: UserIn, session: DbSession, _: Caller = require_roles("admin")) -> UserOut:
    return _out(users.add_user(session, body.username, body.password, body.role, agent_id=body.agent_id,
                               team=body.team, display_name=body.display_name))


@router.post("/users/{user_id}/active", response_model=dict[str, bool])
def set_active(user_id: int, body: ActiveIn, session: DbSession,
               _: Caller = require_roles("admin")) -> dict[str, bool]:
    users.set_active(session, user_id, body.active)
    return {"active": body.active}
