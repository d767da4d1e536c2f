"""Accounts and sign-in: who is signed in, sign-in with its rate limit, passwords, tokens.

Sessions. A signed-in browser carries ``user_id`` and ``sv`` (the user's session
version) in the signed ``kefu_session`` cookie. A cookie counts only while ``sv``
equals the stored version, so bumping the version — at logout and at every
password change or reset — ends every session issued before, on every worker,
although the cookie itself is stateless. Passwords that someone other than the
user has seen (printed, generated, set by an admin) carry ``must_change_password``:
the API and the dashboard then allow nothing but changing it (and /me, logout).

Secrets. Only hashes are stored: argon2 for passwords, SHA-256 for tokens (a
token is random and long, so a fast hash suffices). Every new password passes
:func:`kefu.service.org.passwords.check`.

Sign-in limit. Three counters in ``login_throttle``, each over a fixed 5-minute window:

* ``pair:<user>|<address>`` — 5 attempts: guessing one account from one place;
* ``addr:<address>`` — 20 attempts: spraying many usernames from one place;
* ``user:<user>`` — 20 attempts: many places against one account.

Every attempt first adds one to its three counters in its own committed
transaction and only then, if none is over its limit, checks the password, so
parallel attempts cannot slip past the limit between a check and a record. A
success gives its attempt back (address and username counters down by one, the
pair counter cleared), so an office behind one address is not locked out by its
own sign-ins. Each outcome is an event row (``auth.login_ok`` / ``auth.login_failed``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, MutableMapping
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kefu.config import new_token
from kefu.domain.codes import check_code
from kefu.domain.errors import ErrorCode, KefuError, not_found
from kefu.domain.timeutil import utc_now
from kefu.service.access import ACCOUNT_ROLES
from kefu.service.org import events, passwords, store
from kefu.service.org.schemas import AccountPasswordOut, TokenOut, UserOut
from kefu.store.db import session_factory
from kefu.store.models.org import Agent, ApiToken, User

WINDOW = timedelta(minutes=5)
LIMITS = {"pair": 5, "addr": 20, "user": 20}
MAX_FAILURES = LIMITS["pair"]
_hasher = PasswordHasher()


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, username=user.username, display_name=user.display_name or user.username,
                   role=user.role, agent_id=user.agent_id, team=user.team, locale=user.locale or "zh",
                   active=user.active, must_change_password=bool(user.must_change_password),
                   session_version=int(user.session_version or 0))


def _account(user: User, generated: str) -> AccountPasswordOut:
    return AccountPasswordOut(**user_out(user).model_dump(), session_version=int(user.session_version or 0),
                              generated_password=generated)


# ----------------------------------------------------------------- sessions


def put_identity(cookie: MutableMapping[str, Any], user_id: int, session_version: int) -> None:
    """Write a signed-in user into a (signed) session mapping."""
    cookie["user_id"] = user_id
    cookie["sv"] = session_version


def drop_identity(cookie: MutableMapping[str, Any]) -> None:
    cookie.pop("user_id", None)
    cookie.pop("sv", None)


def signed_in(session: Session, cookie: Mapping[str, Any]) -> UserOut | None:
    """The active user this session mapping names, if its session version is still current."""
    user_id, version = cookie.get("user_id"), cookie.get("sv")
    if not isinstance(user_id, int) or not isinstance(version, int):
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or int(user.session_version or 0) != version:
        return None
    return user_out(user)


def sign_out(session: Session, cookie: MutableMapping[str, Any]) -> None:
    """Logout: every cookie issued to this user so far stops working (all browsers and devices).

    A stale or empty cookie is simply cleared: logging out is never an error.
    """
    current = signed_in(session, cookie)
    if current is not None:
        user = store.user(session, current.id)
        user.session_version = int(user.session_version or 0) + 1
    drop_identity(cookie)


# ----------------------------------------------------------------- sign-in


def _keys(username: str, address: str) -> dict[str, str]:
    user, addr = username[:64], address[:64]
    return {"pair": f"pair:{user}|{addr}", "addr": f"addr:{addr}", "user": f"user:{user}"}


def login(engine: Engine, username: str, password: str, address: str, now: datetime | None = None) -> UserOut:
    """Check a password under the three limits above; RATE_LIMITED (429) past any of them.

    Takes an Engine, not a Session: the counters and a failure must be committed
    even though the call then raises.
    """
    now = now or utc_now()
    username = username.strip()
    keys = _keys(username, address)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        counts = {kind: store.bump_attempts(session, keys[kind], now, WINDOW)
                  for kind in sorted(keys, key=lambda k: keys[k])}
    if any(counts[kind] > limit for kind, limit in LIMITS.items()):
        raise KefuError(ErrorCode.RATE_LIMITED, "登录失败次数过多, 请 5 分钟后再试",
                        "too many failed logins; try again in 5 minutes", {"username": username})
    result: UserOut | None = None
    with factory() as session, session.begin():
        try:
            user = authenticate(session, username, password)
        except KefuError:
            events.login_failed(session, username=username, address=address, ts=now)
        else:
            store.give_back_attempt(session, keys["pair"], [keys["addr"], keys["user"]], now)
            events.login_ok(session, username=username, address=address, ts=now)
            result = user_out(user)
    if result is None:
        raise KefuError(ErrorCode.UNAUTHORIZED, "用户名或密码错误", "wrong username or password")
    return result


def verify(user: User, password: str) -> bool:
    try:
        return bool(_hasher.verify(user.password_hash, password))
    except VerificationError:
        return False


def authenticate(session: Session, username: str, password: str) -> User:
    """Check a password; the same error (and the same cost) for an unknown user and a wrong password."""
    user = store.user_named(session, username, active_only=True)
    bad = KefuError(ErrorCode.UNAUTHORIZED, "用户名或密码错误", "wrong username or password")
    if user is None:
        _hasher.hash(password)  # same cost either way: no user enumeration by timing
        raise bad
    if not verify(user, password):
        raise bad
    return user


# ----------------------------------------------------------------- passwords


def hash_password(username: str, password: str) -> str:
    """The argon2 hash of a password that passed the policy (raises PASSWORD_WEAK otherwise)."""
    passwords.check(username, password)
    return _hasher.hash(password)


def _set_password(user: User, password: str, *, must_change: bool) -> None:
    user.password_hash = hash_password(user.username, password)
    user.must_change_password = must_change
    user.password_changed_at = utc_now()
    user.session_version = int(user.session_version or 0) + 1


def change_password(session: Session, user_id: int, old_password: str, new_password: str) -> UserOut:
    """The user's own change: needs the current password; ends the other sessions.

    Returns the user with the new session version, for the caller's fresh cookie.
    """
    user = store.user(session, user_id)
    if not verify(user, old_password):
        raise KefuError(ErrorCode.UNAUTHORIZED, "当前密码错误", "the current password is wrong")
    if new_password == old_password:
        raise KefuError(ErrorCode.PASSWORD_WEAK, "新密码不能与当前密码相同",
                        "the new password must differ from the current one", {"rule": "unchanged"})
    _set_password(user, new_password, must_change=False)
    return user_out(user)


def reset_password(session: Session, *, user_id: int | None = None, username: str | None = None,
                   new_password: str | None = None) -> AccountPasswordOut:
    """An admin's reset: a given or generated password the user must change at next sign-in.

    Every session of the user ends at once.
    """
    user = store.user(session, user_id, username)
    generated = "" if new_password else passwords.generate(user.username)
    _set_password(user, new_password or generated, must_change=True)
    return _account(user, generated)


# ----------------------------------------------------------------- accounts


def set_locale(session: Session, user_id: int, locale: str) -> None:
    if locale not in ("zh", "en"):
        raise KefuError(ErrorCode.BAD_ARGUMENT, f"未知语言: {locale}", f"unknown language: {locale}")
    store.user(session, user_id).locale = locale


def list_users(session: Session) -> list[UserOut]:
    return [user_out(u) for u in store.users(session)]


def create_user(session: Session, username: str, password: str, role: str, *, display_name: str = "",
                agent_id: str | None = None, team: str = "", must_change_password: bool = False) -> UserOut:
    """An account with this password (checked against the policy); CONFLICT when the name is taken."""
    if role not in ACCOUNT_ROLES:
        raise KefuError(ErrorCode.BAD_ARGUMENT, f"未知角色: {role}", f"unknown role: {role}")
    if store.user_named(session, username) is not None:
        raise KefuError(ErrorCode.CONFLICT, f"用户名已存在: {username}", f"username already exists: {username}")
    user = User(username=username, display_name=display_name or username,
                password_hash=hash_password(username, password), role=role, agent_id=agent_id, team=team,
                created_at=utc_now(), session_version=0, must_change_password=must_change_password)
    session.add(user)
    session.flush()
    return user_out(user)


def add_user(session: Session, username: str, password: str | None, role: str, *, agent_id: str | None = None,
             team: str = "", display_name: str = "", must_change_password: bool = True) -> AccountPasswordOut:
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
    made = create_user(session, username, password or generated, role, display_name=display_name,
                       agent_id=agent_id or None, team=team,
                       must_change_password=must_change_password or bool(generated))
    return _account(store.user(session, made.id), generated)


def set_active(session: Session, user_id: int, active: bool) -> None:
    store.user(session, user_id).active = active


# ----------------------------------------------------------------- integration tokens


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token_out(row: ApiToken) -> TokenOut:
    return TokenOut(name=row.name, created_at=row.created_at, revoked=row.revoked, revoked_at=row.revoked_at)


def create_token(session: Session, name: str) -> str:
    """Create an integration token; returns the secret once (only its hash is kept)."""
    if store.token_named(session, name) is not None:
        raise KefuError(ErrorCode.CONFLICT, f"令牌名称已存在: {name}", f"token name already exists: {name}")
    token = new_token()
    session.add(ApiToken(name=name, token_sha256=_sha256(token), created_at=utc_now()))
    session.flush()
    return token


def check_token(session: Session, token: str) -> TokenOut:
    """The live token this secret belongs to (401 when unknown or revoked)."""
    row = store.token_by_hash(session, _sha256(token))
    if row is None or row.revoked:
        raise KefuError(ErrorCode.UNAUTHORIZED, "令牌无效", "invalid token")
    return _token_out(row)


def list_tokens(session: Session) -> list[TokenOut]:
    return [_token_out(t) for t in store.tokens(session)]


def revoke_token(session: Session, name: str) -> TokenOut:
    """Revoke a token by name: from now on it gets 401 (the live hot path forgets it within 5 s).

    Revoking twice is not an error; the first revocation time is kept.
    """
    row = store.token_named(session, name)
    if row is None:
        raise not_found("令牌/token", name)
    if not row.revoked:
        row.revoked = True
        row.revoked_at = utc_now()
    return _token_out(row)
