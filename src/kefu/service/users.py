"""Dashboard accounts: login with a rate limit, language choice, account admin.

Failed logins are event rows (``login_failed``, subject ``login:<user>|<ip>``),
so the limit holds across processes and the audit trail shows every attempt.
``login`` takes an Engine, not a Session, because a failure must be committed
even though the call then raises (a caller's transaction would roll it back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kefu.domain.codes import check_code
from kefu.domain.errors import ErrorCode, KefuError, not_found
from kefu.domain.timeutil import utc_now
from kefu.service import auth
from kefu.store.db import session_factory
from kefu.store.models.live import Event
from kefu.store.models.org import Agent, User

MAX_FAILURES = 5
LOCK_WINDOW = timedelta(minutes=5)


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


def info(user: User) -> UserInfo:
    return UserInfo(user.id, user.username, user.display_name or user.username, user.role,
                    user.agent_id, user.team, user.locale or "zh", user.active)


def _subject(username: str, ip: str) -> str:
    return f"login:{username[:64]}|{ip[:56]}"


def failures(session: Session, username: str, ip: str, now: datetime) -> int:
    """Failed attempts for this username from this address in the window, since the last success."""
    subject = _subject(username, ip)
    last_ok = session.scalar(
        select(func.max(Event.ts)).where(Event.kind == "login_ok", Event.subject == subject)
    )
    since = now - LOCK_WINDOW
    if last_ok is not None and last_ok > since:
        since = last_ok
    count = session.scalar(
        select(func.count()).select_from(Event).where(
            Event.kind == "login_failed", Event.subject == subject, Event.ts > since
        )
    )
    return int(count or 0)


def login(engine: Engine, username: str, password: str, ip: str, now: datetime | None = None) -> UserInfo:
    """Check a password; after 5 failures per username+address in 5 minutes, refuse for 5 minutes."""
    now = now or utc_now()
    username = username.strip()
    factory = session_factory(engine)
    with factory() as session, session.begin():
        if failures(session, username, ip, now) >= MAX_FAILURES:
            raise KefuError(
                ErrorCode.RATE_LIMITED,
                "登录失败次数过多, 请 5 分钟后再试",
                "too many failed logins; try again in 5 minutes",
                {"username": username},
            )
        try:
            user = auth.authenticate(session, username, password)
        except KefuError:
            failed = True
        else:
            failed = False
            session.add(Event(ts=now, kind="login_ok", subject=_subject(username, ip), actor=username,
                              data={"ip": ip}))
            result = info(user)
    if failed:
        with factory() as session, session.begin():
            session.add(Event(ts=now, kind="login_failed", subject=_subject(username, ip), actor=username,
                              data={"ip": ip}))
        raise KefuError(ErrorCode.UNAUTHORIZED, "用户名或密码错误", "wrong username or password")
    return result


def get_user(session: Session, user_id: int) -> UserInfo | None:
    """The active user with this id, or None (deactivated users are signed out)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return info(user)


def set_locale(session: Session, user_id: int, locale: str) -> None:
    if locale not in ("zh", "en"):
        raise KefuError(ErrorCode.BAD_ARGUMENT, f"未知语言: {locale}", f"unknown language: {locale}")
    user = session.get(User, user_id)
    if user is None:
        raise not_found("用户/user", user_id)
    user.locale = locale


def list_users(session: Session) -> list[UserInfo]:
    return [info(u) for u in session.scalars(select(User).order_by(User.username))]


def add_user(session: Session, username: str, password: str, role: str, *, agent_id: str | None = None,
             team: str = "", display_name: str = "") -> UserInfo:
    """Create an account (admin only in the UI/API); an agent account must name an existing agent."""
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
    user = auth.create_user(session, username, password, role, display_name=display_name,
                            agent_id=agent_id or None, team=team)
    return info(user)


def set_active(session: Session, user_id: int, active: bool) -> None:
    user = session.get(User, user_id)
    if user is None:
        raise not_found("用户/user", user_id)
    user.active = active
