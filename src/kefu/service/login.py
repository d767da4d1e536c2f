"""Sign-in with a race-safe rate limit.

Three counters in ``login_throttle``, each over a fixed 5-minute window:

* ``pair:<user>|<address>`` — 5 attempts: guessing one account from one place;
* ``addr:<address>`` — 20 attempts: spraying many usernames from one place;
* ``user:<user>`` — 20 attempts: many places against one account.

Every attempt first adds one to its three counters in its own committed
transaction (one atomic ``UPDATE … RETURNING`` each) and only then, if none is
over its limit, checks the password. Parallel attempts therefore cannot slip
past the limit between a check and a record. A success gives its attempt back
(the address and username counters go down by one) and clears the pair counter,
so an office behind one address is not locked out by its own sign-ins.

Each outcome is also an event row (``login_ok`` / ``login_failed``) for the audit trail.
``login`` takes an Engine, not a Session: the counters and a failure must be
committed even though the call then raises.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Engine, Table, case, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import utc_now
from kefu.service import auth
from kefu.service.users import UserInfo, info
from kefu.store.db import session_factory
from kefu.store.models.live import Event
from kefu.store.models.org import LoginThrottle

WINDOW = timedelta(minutes=5)
LIMITS = {"pair": 5, "addr": 20, "user": 20}
MAX_FAILURES = LIMITS["pair"]
_TABLE = cast(Table, LoginThrottle.__table__)


def _keys(username: str, address: str) -> dict[str, str]:
    user, addr = username[:64], address[:64]
    return {"pair": f"pair:{user}|{addr}", "addr": f"addr:{addr}", "user": f"user:{user}"}


def _bump(session: Session, key: str, now: datetime) -> int:
    """Add one attempt to ``key`` (a new window when the old one has passed); the count after it."""
    table = _TABLE
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(table).values(key=key, window_start=now, count=0)
                    .on_conflict_do_nothing(index_elements=["key"]))
    expired = table.c.window_start <= now - WINDOW
    stmt = (update(table).where(table.c.key == key)
            .values(count=case((expired, 1), else_=table.c.count + 1),
                    window_start=case((expired, now), else_=table.c.window_start))
            .returning(table.c.count))
    return int(session.execute(stmt).scalar_one())


def _give_back(session: Session, keys: dict[str, str], now: datetime) -> None:
    table = _TABLE
    session.execute(update(table).where(table.c.key == keys["pair"]).values(count=0, window_start=now))
    session.execute(update(table).where(table.c.key.in_([keys["addr"], keys["user"]]))
                    .values(count=case((table.c.count > 0, table.c.count - 1), else_=0)))


def login(engine: Engine, username: str, password: str, address: str, now: datetime | None = None) -> UserInfo:
    """Check a password under the three limits above; RATE_LIMITED (429) past any of them."""
    now = now or utc_now()
    username = username.strip()
    keys = _keys(username, address)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        counts = {kind: _bump(session, keys[kind], now) for kind in sorted(keys, key=lambda k: keys[k])}
    if any(counts[kind] > limit for kind, limit in LIMITS.items()):
        raise KefuError(
            ErrorCode.RATE_LIMITED,
            "登录失败次数过多, 请 5 分钟后再试",
            "too many failed logins; try again in 5 minutes",
            {"username": username},
        )
    subject = f"login:{username[:64]}|{address[:56]}"
    with factory() as session, session.begin():
        try:
            user = auth.authenticate(session, username, password)
        except KefuError:
            user = None
        if user is not None:
            _give_back(session, keys, now)
            session.add(Event(ts=now, kind="login_ok", subject=subject, actor=username, data={"ip": address}))
            result = info(user)
        else:
            session.add(Event(ts=now, kind="login_failed", subject=subject, actor=username, data={"ip": address}))
    if user is None:
        raise KefuError(ErrorCode.UNAUTHORIZED, "用户名或密码错误", "wrong username or password")
    return result
