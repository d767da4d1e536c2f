"""Use-cases for users, passwords, sessions and integration tokens."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.config import new_token
from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import utc_now
from kefu.store.models.org import ApiToken, User

ROLES = ("admin", "supervisor", "agent")
_hasher = PasswordHasher()


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, name: str) -> str:
    """Create an integration token; returns the secret once (only its hash is kept)."""
    if session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise KefuError(ErrorCode.CONFLICT, f"令牌名称已存在: {name}", f"token name already exists: {name}")
    token = new_token()
    session.add(ApiToken(name=name, token_sha256=_sha256(token), created_at=utc_now()))
    session.flush()
    return token


def check_token(session: Session, token: str) -> ApiToken:
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _sha256(token)))
    if row is None or row.revoked:
        raise KefuError(ErrorCode.UNAUTHORIZED, "令牌无效", "invalid token")
    return row


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    display_name: str = "",
    agent_id: str | None = None,
    team: str = "",
) -> User:
    if role not in ROLES:
        raise KefuError(ErrorCode.BAD_ARGUMENT, f"未知角色: {role}", f"unknown role: {role}")
    if len(password) < 8:
        raise KefuError(ErrorCode.BAD_ARGUMENT, "密码至少 8 位", "password needs at least 8 characters")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise KefuError(ErrorCode.CONFLICT, f"用户名已存在: {username}", f"username already exists: {username}")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=_hasher.hash(password),
        role=role,
        agent_id=agent_id,
        team=team,
        created_at=utc_now(),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User:
    """Check a password; the same error for unknown user and wrong password."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    bad = KefuError(ErrorCode.UNAUTHORIZED, "用户名或密码错误", "wrong username or password")
    if user is None:
        _hasher.hash(password)  # same cost either way: no user enumeration by timing
        raise bad
    try:
        _hasher.verify(user.password_hash, password)
    except VerificationError as exc:
        raise bad from exc
    return user
