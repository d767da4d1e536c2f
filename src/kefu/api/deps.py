"""Request dependencies declared once: database session, caller identity, permissions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError

# the role sets are kefu.service.access's; routes take them from here with the dependency
from kefu.service.access import ALL_ROLES as ALL_ROLES
from kefu.service.access import MANAGER_ROLES as MANAGER_ROLES
from kefu.service.access import STAFF_MANAGERS as STAFF_MANAGERS
from kefu.service.access import check_role, check_roles_known
from kefu.service.org import actions as org
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
        token = org.check_token(session, header[7:].strip())
        return Caller(kind="token", name=token.name, role="integration")
    user = org.signed_in(session, request.session) if "session" in request.scope else None
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


def require_roles(*roles: str, via: Callable[..., Caller] = get_caller) -> Any:
    """The API's door to the one role check (:func:`kefu.service.access.check_role`): 403 unless ``roles``.

    Every route that is not public declares it (``tests/api/test_permissions.py``
    walks the routes and fails on one that does not), either in ``dependencies=[…]``
    or as the caller parameter: ``caller: Annotated[Caller, require_roles(...)]``.
    What a role may see *within* a route (an agent's own rows) is the service's
    scope check (``kefu.service.access``). ``via`` is the dependency that finds the
    caller (the live routes use their own, which remembers bearer tokens).
    """
    check_roles_known(roles)

    def check(caller: Caller = Depends(via)) -> Caller:  # a default, not Annotated: ``via`` is local
        check_role(caller.role, roles)
        return caller

    return Depends(check)


# The caller of a route open to every signed-in role; what it may see is the service's scope check.
CurrentCaller = Annotated[Caller, require_roles(*ALL_ROLES)]
ManagerCaller = Annotated[Caller, require_roles(*MANAGER_ROLES)]
# Only /auth/me and /auth/password: the caller even while their password must still change.
PendingCaller = Annotated[Caller, require_roles(*ALL_ROLES, via=get_caller_before_change)]
