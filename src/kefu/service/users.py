"""Dashboard accounts: who is signed in, passwords, language choice, account admin.

A signed-in browser carries ``user_id`` and ``sv`` (the user's session version)
in the signed ``kefu_session`` cookie. A cookie counts only while ``sv`` equals
the stored version, so bumping the version — at logout and at every password
change or reset — ends every session issued before, on every worker, although
the cookie itself is stateless. Passwords that someone other than the user has
seen (printed, generated, set by an admin) carry ``must_change_password``: the
API and the dashboard then allow nothing but changing it (and /me, logout).
Sign-in itself and its rate limit are in :mod:`kefu.service.login`.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.codes import check_code
from kefu.domain.errors import ErrorCode, KefuError, not_found
from kefu.domain.timeutil import utc_now
from kefu.service import auth, passwords
from kefu.store.models.org import Agent, User


@dataclass(frozen=True)
class UserInfo:
    """What the dashboard and API need to know about a signed-in user (no hash)."""

    id: int
    username: str
    display_name: str
    role: str
    agent_id: str | None
    team: str
    locale: str
    active: bool
    must_change_password: bool = False
    session_version: int = 0


@dataclass(frozen=True)
class AccountPassword:
    """An account and, when kefu generated its password, that password (shown once; else "")."""

    user: UserInfo
    generated_password: str = ""


def info(user: User) -> UserInfo:
    return UserInfo(user.id, user.username, user.display_name or user.username, user.role,
                    user.agent_id, user.team, user.locale or "zh", user.active,
                    bool(user.must_change_password), int(user.session_version or 0))


def put_identity(cookie: MutableMapping[str, Any], user_id: int, session_version: int) -> None:
    """Write a signed-in user into a (signed) session mapping."""
    cookie["user_id"] = user_id
    cookie["sv"] = session_version


def drop_identity(cookie: MutableMapping[str, Any]) -> None:
    cookie.pop("user_id", None)
    cookie.pop("sv", None)


def signed_in(session: Session, cookie: Mapping[str, Any]) -> UserInfo | None:
    """The active user this session mapping names, if its session version is still current."""
    user_id, version = cookie.get("user_id"), cookie.get("sv")
    if not isinstance(user_id, int) or not isinstance(version, int):
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or int(user.session_version or 0) != version:
        return None
    return info(user)


def _user(session: Session, user_id: int | None = None, username: str | None = None) -> User:
    if user_id is not None:
        user = session.get(User, user_id)
    else:
        user = session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        raise not_found("用户/user", user_id if user_id is not None else username)
    return user


def sign_out(session: Session, cookie: MutableMapping[str, Any]) -> None:
    """Logout: every cookie issued to this user so far stops working (all browsers and devices).

    A stale or empty cookie is simply cleared: logging out is never an error.
    """
    current = signed_in(session, cookie)
    if current is not None:
        user = _user(session, current.id)
        user.session_version = int(user.session_version or 0) + 1
    drop_identity(cookie)


def change_password(session: Session, user_id: int, old_password: str, new_password: str) -> UserInfo:
    """The user's own change: needs the current password; ends the other sessions.

    Returns the user with the new session version, for the caller's fresh cookie.
    """
    user = _user(session, user_id)
    if not auth.verify(user, old_password):
        raise KefuError(ErrorCode.UNAUTHORIZED, "当前密码错误", "the current password is wrong")
    if new_password == old_password:
        raise KefuError(ErrorCode.PASSWORD_WEAK, "新密码不能与当前密码相同",
                        "the new password must differ from the current one", {"rule": "unchanged"})
    _set_password(user, new_password, must_change=False)
    return info(user)


def reset_password(session: Session, *, user_id: int | None = None, username: str | None = None,
                   new_password: str | None = None) -> AccountPassword:
    """An admin's reset: a given or generated password the user must change at next sign-in.

    Every session of the user ends at once.
    """
    user = _user(session, user_id, username)
    generated = "" if new_password else passwords.generate(user.username)
    _set_password(user, new_password or generated, must_change=True)
    return AccountPassword(info(user), generated)


def _set_password(user: User, password: str, *, must_change: bool) -> None:
    user.password_hash = auth.hash_password(user.username, password)
    user.must_change_password = must_change
    user.password_changed_at = utc_now()
    user.session_version = int(user.session_version or 0) + 1


def set_locale(session: Session, user_id: int, locale: str) -> None:
    if locale not in ("zh", "en"):
        raise KefuError(ErrorCode.BAD_ARGUMENT, f"未知语言: {locale}", f"unknown language: {locale}")
    user = session.get(User, user_id)
    if user is None:
        raise not_found("用户/user", user_id)
    user.locale = locale


def list_users(session: Session) -> list[UserInfo]:
    return [info(u) for u in session.scalars(select(User).order_by(User.username))]


def add_user(session: Session, username: str, password: str | None, role: str, *, agent_id: str | None = None,
             team: str = "", display_name: str = "", must_change_password: bool = True) -> AccountPassword:
    """Create an account; without a password one is generated (and must be changed at first sign-in).

    An admin sets the first password of someone else's account, so by default
    its owner must change it; ``kefu users create`` with a typed password for
    oneself passes ``must_change_password=False``. An agent account must name an
    existing agent.
    """
    username = username.strip()
    if not username:
        raise KefuError(ErrorCode.BAD_ARGUMENT, "用户名不能为空", "username is required")
    for field, value in (("agent_id", agent_id or ""), ("team", team)):
        if value:
            check_code(field, value)
    if role == "agent":
        if not agent_id:
            raise KefuError(ErrorCode.BAD_ARGUMENT, "客服账号必须关联客服", "an agent account needs an agent id")
        if session.get(Agent, agent_id) is None:
            raise KefuError(ErrorCode.AGENT_UNKNOWN, f"未知客服: {agent_id}", f"unknown agent: {agent_id}")
    generated = "" if password else passwords.generate(username)
    user = auth.create_user(session, username, password or generated, role, display_name=display_name,
                            agent_id=agent_id or None, team=team,
                            must_change_password=must_change_password or bool(generated))
    return AccountPassword(info(user), generated)


def set_active(session: Session, user_id: int, active: bool) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise not_found("用户/user", user_id)
    user.active = active
