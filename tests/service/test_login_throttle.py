"""The login limit holds under parallel attempts, limits spraying, and ignores spoofed addresses.

Issue 15 hole 9: the limit was check-then-record (parallel requests all passed
the check), trusted ``X-Forwarded-For`` from 127.0.0.1, and counted only per
username+address.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.config import get_settings
from kefu.domain.errors import KefuError
from kefu.service.org import actions as org
from kefu.store.db import session_factory

T0 = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
PW = "right-password-7"


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2 at its lowest cost: these tests make hundreds of attempts, not one."""
    monkeypatch.setattr(org, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def _users(engine: Engine, *names: str) -> None:
    with session_factory(engine)() as s, s.begin():
        for name in names:
            org.create_user(s, name, PW, "supervisor")


def _attempt(engine: Engine, username: str, address: str, password: str = "wrong-password", *,
             at: datetime = T0) -> str:
    try:
        org.login(engine, username, password, address, now=at)
    except KefuError as exc:
        return str(exc.code)
    return "OK"


def test_parallel_attempts_cannot_exceed_the_limit(engine: Engine) -> None:
    _users(engine, "sup")
    results: list[str] = []
    start = threading.Barrier(12)

    def one() -> None:
        start.wait()
        results.append(_attempt(engine, "sup", "10.0.0.1"))

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Counter(results) == {"UNAUTHORIZED": 5, "RATE_LIMITED": 7}
    assert _attempt(engine, "sup", "10.0.0.1", PW) == "RATE_LIMITED"


def test_spraying_many_usernames_from_one_address_is_limited(engine: Engine) -> None:
    _users(engine, "sup")
    sprayed = [_attempt(engine, f"user{i}", "10.0.0.9") for i in range(20)]
    assert sprayed == ["UNAUTHORIZED"] * 20
    assert _attempt(engine, "user20", "10.0.0.9") == "RATE_LIMITED"
    assert _attempt(engine, "sup", "10.0.0.9", PW) == "RATE_LIMITED"  # the address is locked for everyone
    assert _attempt(engine, "sup", "10.0.0.8", PW) == "OK"
    assert _attempt(engine, "user21", "10.0.0.9", at=T0 + timedelta(minutes=5, seconds=1)) == "UNAUTHORIZED"


def test_many_addresses_against_one_username_are_limited(engine: Engine) -> None:
    _users(engine, "sup")
    assert [_attempt(engine, "sup", f"10.1.0.{i}") for i in range(20)] == ["UNAUTHORIZED"] * 20
    assert _attempt(engine, "sup", "10.1.0.99") == "RATE_LIMITED"
    assert _attempt(engine, "sup", "10.1.0.100", PW) == "RATE_LIMITED"
    assert _attempt(engine, "other", "10.1.0.100") == "UNAUTHORIZED"  # other accounts are untouched


def test_successful_sign_ins_from_one_office_address_are_never_limited(engine: Engine) -> None:
    _users(engine, "sup", "sup2")
    results = [_attempt(engine, "sup" if i % 2 else "sup2", "10.2.0.1", PW, at=T0 + timedelta(seconds=i))
               for i in range(24)]
    assert results == ["OK"] * 24


def test_a_spoofed_forwarded_for_does_not_reset_the_limit(engine: Engine) -> None:
    """From 127.0.0.1, as on the probe: X-Forwarded-For is ignored unless KEFU_TRUSTED_PROXIES says so."""
    _users(engine, "sup")
    client = TestClient(create_app(engine), base_url="http://testserver", client=("127.0.0.1", 40000))
    codes = [client.post("/api/v1/auth/login", json={"username": "sup", "password": "wrong-password"},
                         headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(6)]
    assert codes == [401] * 5 + [429]


def test_a_trusted_proxy_forwards_the_client_address(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _users(engine, "sup")
    monkeypatch.setenv("KEFU_TRUSTED_PROXIES", "127.0.0.1")
    get_settings.cache_clear()
    try:
        app = create_app(engine)
    finally:
        get_settings.cache_clear()
    proxy = TestClient(app, base_url="http://testserver", client=("127.0.0.1", 40000))
    other = TestClient(app, base_url="http://testserver", client=("192.0.2.7", 40000))

    def post(client: TestClient, forwarded: str) -> int:
        return client.post("/api/v1/auth/login", json={"username": "sup", "password": "wrong-password"},
                           headers={"X-Forwarded-For": forwarded}).status_code

    assert [post(proxy, "203.0.113.1") for _ in range(6)] == [401] * 5 + [429]
    assert post(proxy, "203.0.113.2") == 401  # another client behind the proxy has its own count
    assert [post(other, f"203.0.113.{i}") for i in range(10, 16)] == [401] * 5 + [429]  # not a proxy: ignored


def test_the_window_and_the_reset_on_success(engine: Engine) -> None:
    _users(engine, "sup")
    assert [_attempt(engine, "sup", "10.0.0.1", at=T0 + timedelta(seconds=i)) for i in range(4)] == \
        ["UNAUTHORIZED"] * 4
    assert _attempt(engine, "sup", "10.0.0.1", PW, at=T0 + timedelta(seconds=10)) == "OK"
    later = [_attempt(engine, "sup", "10.0.0.1", at=T0 + timedelta(seconds=20 + i)) for i in range(6)]
    assert later == ["UNAUTHORIZED"] * 5 + ["RATE_LIMITED"]
    # the window started at the success (T0+10s); 5 minutes later it starts afresh
    assert _attempt(engine, "sup", "10.0.0.1", PW, at=T0 + timedelta(minutes=5, seconds=11)) == "OK"
