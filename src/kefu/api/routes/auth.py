"""Sign-in for browser callers, passwords and account administration.

``POST /auth/login`` sets the signed ``kefu_session`` cookie (the same one the
dashboard uses) with the user's session version; ``POST /auth/logout`` and any
password change bump that version, so older cookies stop working on every
worker. A user whose password was printed, generated or set by an admin gets
``403 PASSWORD_CHANGE_REQUIRED`` everywhere except ``/auth/me``,
``/auth/logout`` and ``/auth/password`` until they change it. Integrations use
bearer tokens instead (``kefu tokens create``). Failed logins are rate limited
(see :mod:`kefu.service.org.actions`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlalchemy import Engine

from kefu.api.deps import (
    Caller,
    DbSession,
    PendingCaller,
    get_caller_before_change,
    get_engine_dep,
    require_roles,
)
from kefu.service.org import actions as org
from kefu.service.org.schemas import (
    AccountPasswordOut,
    ActiveIn,
    ActiveOut,
    LoginIn,
    MeOut,
    OkOut,
    PasswordChangeIn,
    PasswordResetIn,
    UserIn,
    UserOut,
)

router = APIRouter(tags=["auth"])


@router.post("/auth/login", response_model=UserOut)
def login(body: LoginIn, request: Request, engine: Annotated[Engine, Depends(get_engine_dep)]) -> UserOut:
    address = request.client.host if request.client else "unknown"  # a trusted proxy's X-Forwarded-For: see app
    user = org.login(engine, body.username, body.password, address)
    org.put_identity(request.session, user.id, user.session_version)
    return user


@router.post("/auth/logout", response_model=OkOut)
def logout(request: Request, session: DbSession) -> OkOut:
    """End this user's sessions server-side (every cookie issued so far) and forget the cookie's identity."""
    org.sign_out(session, request.session)
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
    user = org.change_password(session, caller.user_id, body.old_password, body.new_password)
    org.put_identity(request.session, user.id, user.session_version)
    return user


@router.get("/users", response_model=list[UserOut])
def list_users(session: DbSession, _: Caller = require_roles("admin")) -> list[UserOut]:
    return org.list_users(session)


@router.post("/users", response_model=AccountPasswordOut, status_code=201)
def add_user(body: UserIn, session: DbSession, _: Caller = require_roles("admin")) -> AccountPasswordOut:
    """Create an account; its owner must change the first password at first sign-in."""
    return org.add_user(session, body.username, body.password, body.role, agent_id=body.agent_id,
                        team=body.team, display_name=body.display_name)


@router.post("/users/{user_id}/password", response_model=AccountPasswordOut)
def reset_password(user_id: int, body: PasswordResetIn, session: DbSession,
                   _: Caller = require_roles("admin")) -> AccountPasswordOut:
    """Reset someone's password: their sessions end and they must change it at next sign-in."""
    return org.reset_password(session, user_id=user_id, new_password=body.password)


@router.post("/users/{user_id}/active", response_model=ActiveOut)
def set_active(user_id: int, body: ActiveIn, session: DbSession, _: Caller = require_roles("admin")) -> ActiveOut:
    org.set_active(session, user_id, body.active)
    return ActiveOut(active=body.active)
