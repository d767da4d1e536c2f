"""Request dependencies declared once: database session, caller identity, permissions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service import auth, users
from kefu.store.db import session_factory


def get_engine_dep(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, rolled back on error."""
    factory = session_factory(request.app.state.engine)
    with factory() as session, session.begin():
        yield session


# scope="function": the transaction commits when the handler returns, *before* the
# response is sent, so a client never sees 201 for a write whose commit failed.
DbSession = Annotated[Session, Depends(get_db, scope="function")]


@dataclass(frozen=True)
class Caller:
    """Who is calling: an integration (token) or a dashboard user (session cookie)."""

    kind: str  # "token" | "user"
    name: str
    role: str  # admin | supervisor | agent | integration
    agent_id: str | None = None
    team: str = ""
    user_id: int | None = None
    must_change_password: bool = False


def _identify(request: Request, session: Session) -> Caller:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = auth.check_token(session, header[7:].strip())
        return Caller(kind="token", name=token.name, role="integration")
    user = users.signed_in(session, request.session) if "session" in request.scope else None
    if user is not None:
        return Caller("user", user.username, user.role, user.agent_id, user.team, user.id,
                      user.must_change_password)
    raise KefuError(ErrorCode.UNAUTHORIZED, "需要登录或令牌", "login or bearer token required")


def get_caller(request: Request, session: DbSession) -> Caller:
    """The caller, refused with 403 PASSWORD_CHANGE_REQUIRED while their password must be changed."""
    caller = _identify(request, session)
    if caller.must_change_password:
        raise KefuError(ErrorCode.PASSWORD_CHANGE_REQUIRED, "请先修改初始密码", "change your initial password first",
                        {"change_password": "/api/v1/auth/password"})
    return caller


def get_caller_before_change(request: Request, session: DbSession) -> Caller:
    """The caller even while a password change is pending: only for /auth/me and /auth/password."""
    return _identify(request, session)


CurrentCaller = Annotated[Caller, Depends(get_caller)]
PendingCaller = Annotated[Caller, Depends(get_caller_before_change)]


MANAGER_ROLES = ("admin", "supervisor", "integration")  # floor-wide views, planning, integrations


def ensure_role(caller: Caller, *roles: str) -> None:
    """403 unless the caller has one of ``roles``; for checks inside a handler."""
    if caller.role not in roles:
        raise KefuError(ErrorCode.FORBIDDEN, "没有权限", "permission denied", {"role": caller.role})


def require_roles(*roles: str, before_password_change: bool = False):  # type: ignore[no-untyped-def]
    """A dependency that lets only the given roles through (403 otherwise).

    ``before_password_change=True`` also admits users who still must change their
    password (only the password-change route itself declares it).
    """
    source = get_caller_before_change if before_password_change else get_caller

    def check(caller: Caller = Depends(source)) -> Caller:
        ensure_role(caller, *roles)
        return caller

    return Depends(check)
