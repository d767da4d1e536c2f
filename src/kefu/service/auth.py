"""Use-cases for passwords and integration tokens (the lowest layer of sign-in).

Only hashes are stored: argon2 for passwords, SHA-256 for tokens (a token is
random and long, so a fast hash suffices). Every new password passes
:func:`kefu.service.passwords.check`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.config import new_token
from kefu.domain.errors import ErrorCode, KefuError, not_found
from kefu.domain.timeutil import utc_now
from kefu.service import passwords
from kefu.store.models.org import ApiToken, User

ROLES = ("admin", "supervisor", "agent")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class TokenInfo:
    """An integration token as listed (never the secret itself)."""

    name: str
    created_at: datetime
    revoked: bool
    revoked_at: datetime | None


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


def list_tokens(session: Session) -> list[TokenInfo]:
    return [TokenInfo(t.name, t.created_at, t.revoked, t.revoked_at)
            for t in session.scalars(select(ApiToken).order_by(ApiToken.name))]


def revoke_token(session: Session, name: str) -> TokenInfo:
    """Revoke a token by name: from now on it gets 401 (the live hot path forgets it within 5 s).

    Revoking twice is not an error; the first revocation time is kept.
    """
    row = session.scalar(select(ApiToken).where(ApiToken.name == name))
    if row is None:
        raise not_found("令牌/token", name)
    if not row.revoked:
        row.revoked = True
        row.revoked_at = utc_now()
    return TokenInfo(row.name, row.created_at, row.revoked, row.revoked_at)


def hash_password(username: str, password: str) -> str:
    """The argon2 hash of a password that passed the policy (raises PASSWORD_WEAK otherwise)."""
    passwords.check(username, password)
    return _hasher.hash(password)


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    display_name: str = "",
    agent_id: str | None = None,
    team: str = "",
    must_change_password: bool = False,
) -> User:
    if role not in ROLES:
        raise KefuError(ErrorCode.BAD_ARGUMENT, f"未知角色: {role}", f"unknown role: {role}")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise KefuError(ErrorCode.CONFLICT, f"用户名已存在: {username}", f"username already exists: {username}")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(username, password),
        role=role,
        agent_id=agent_id,
        team=team,
        created_at=utc_now(),
        session_version=0,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    return user


def verify(user: User, password: str) -> bool:
    try:
        return bool(_hasher.verify(user.password_hash, password))
    except VerificationError:
        return False


def authenticate(session: Session, username: str, password: str) -> User:
    """Check a password; the same error for unknown user and wrong password."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    bad = KefuError(ErrorCode.UNAUTHORIZED, "用户名或密码错误", "wrong username or password")
    if user is None:
        _hasher.hash(password)  # same cost either way: no user enumeration by timing
        raise bad
    if not verify(user, password):
        raise bad
    return user
