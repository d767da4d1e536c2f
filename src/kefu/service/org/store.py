"""The org area's queries: accounts, integration tokens and the sign-in counters (one copy each)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kefu.domain.errors import not_found
from kefu.store.models.org import ApiToken, LoginThrottle, User

_THROTTLE = cast(Table, LoginThrottle.__table__)


def user(session: Session, user_id: int | None = None, username: str | None = None) -> User:
    """An account by id or by username (404 when there is none)."""
    if user_id is not None:
        found = session.get(User, user_id)
    else:
        found = user_named(session, (username or "").strip())
    if found is None:
        raise not_found("用户/user", user_id if user_id is not None else username)
    return found


def user_named(session: Session, username: str, *, active_only: bool = False) -> User | None:
    stmt = select(User).where(User.username == username)
    if active_only:
        stmt = stmt.where(User.active.is_(True))
    return session.scalar(stmt)


def users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def token_named(session: Session, name: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.name == name))


def token_by_hash(session: Session, sha256: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_sha256 == sha256))


def tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.name)))


def bump_attempts(session: Session, key: str, now: datetime, window: timedelta) -> int:
    """Add one attempt to ``key`` (a new window when the old one has passed); the count after it.

    One atomic ``UPDATE … RETURNING`` after an insert-if-absent, so parallel
    attempts never slip past a limit between a read and a write.
    """
    table = _THROTTLE
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(table).values(key=key, window_start=now, count=0)
                    .on_conflict_do_nothing(index_elements=["key"]))
    expired = table.c.window_start <= now - window
    stmt = (update(table).where(table.c.key == key)
            .values(count=case((expired, 1), else_=table.c.count + 1),
                    window_start=case((expired, now), else_=table.c.window_start))
            .returning(table.c.count))
    return int(session.execute(stmt).scalar_one())


def give_back_attempt(session: Session, pair_key: str, other_keys: list[str], now: datetime) -> None:
    """After a success: the pair counter starts over, the others lose the attempt just counted."""
    table = _THROTTLE
    session.execute(update(table).where(table.c.key == pair_key).values(count=0, window_start=now))
    session.execute(update(table).where(table.c.key.in_(other_keys))
                    .values(count=case((table.c.count > 0, table.c.count - 1), else_=0)))
