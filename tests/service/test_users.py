"""Login rate limit per username+address in a 5-minute window, reset by success; locale; deactivation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.org import actions as org
from kefu.store.db import session_factory
from kefu.store.models.live import Event

T0 = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)


def _fail(engine: Engine, at: datetime, ip: str = "10.0.0.1") -> ErrorCode:
    with pytest.raises(KefuError) as info:
        org.login(engine, "sup", "wrong-password", ip, now=at)
    return info.value.code


def test_lock_after_five_failures_and_unlock_after_window(engine: Engine) -> None:
    with session_factory(engine)() as s, s.begin():
        org.create_user(s, "sup", "right-password", "supervisor", team="A")
    codes = [_fail(engine, T0 + timedelta(seconds=i)) for i in range(5)]
    assert codes == [ErrorCode.UNAUTHORIZED] * 5
    assert _fail(engine, T0 + timedelta(minutes=1)) == ErrorCode.RATE_LIMITED
    with pytest.raises(KefuError) as info:  # even the right password is refused while locked
        org.login(engine, "sup", "right-password", "10.0.0.1", now=T0 + timedelta(minutes=2))
    assert info.value.code == ErrorCode.RATE_LIMITED
    # another address is not affected
    ok = org.login(engine, "sup", "right-password", "10.0.0.2", now=T0 + timedelta(minutes=2))
    assert (ok.username, ok.role, ok.team) == ("sup", "supervisor", "A")
    # 5 minutes after the failures, the lock lifts
    again = org.login(engine, "sup", "right-password", "10.0.0.1", now=T0 + timedelta(minutes=5, seconds=5))
    assert again.username == "sup"
    with session_factory(engine)() as s:
        kinds = list(s.scalars(select(Event.kind).order_by(Event.id)))
    assert kinds.count("auth.login_failed") == 5  # locked attempts are refused before any password check
    assert kinds.count("auth.login_ok") == 2


def test_success_resets_the_count(engine: Engine) -> None:
    with session_factory(engine)() as s, s.begin():
        org.create_user(s, "sup", "right-password", "supervisor")
    for i in range(4):
        _fail(engine, T0 + timedelta(seconds=i))
    org.login(engine, "sup", "right-password", "10.0.0.1", now=T0 + timedelta(seconds=10))
    assert [_fail(engine, T0 + timedelta(seconds=20 + i)) for i in range(5)] == [ErrorCode.UNAUTHORIZED] * 5
    assert _fail(engine, T0 + timedelta(seconds=30)) == ErrorCode.RATE_LIMITED


def test_locale_and_deactivation(engine: Engine) -> None:
    with session_factory(engine)() as s, s.begin():
        uid = org.create_user(s, "sup", "right-password", "supervisor").id
    with session_factory(engine)() as s, s.begin():
        org.set_locale(s, uid, "en")
        with pytest.raises(KefuError) as info:
            org.set_locale(s, uid, "fr")
        assert info.value.code == ErrorCode.BAD_ARGUMENT
    cookie = {"user_id": uid, "sv": 0}
    with session_factory(engine)() as s, s.begin():
        found = org.signed_in(s, cookie)
        assert found is not None and found.locale == "en"
        org.set_active(s, uid, False)
    with session_factory(engine)() as s:
        assert org.signed_in(s, cookie) is None
