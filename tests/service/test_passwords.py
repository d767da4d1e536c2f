"""The password policy (issue 15 hole 17: ``12345678`` and password = username were accepted)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.org import actions as org
from kefu.service.org import passwords
from kefu.store.db import session_factory


@pytest.mark.parametrize(("username", "password", "rule", "zh", "en"), [
    ("amei", "12345678", "length", "至少 10 个字符", "at least 10 characters"),
    ("amei", "x" * 257, "length", "最多 256 个字符", "at most 256 characters"),
    ("supervisor1", "supervisor1", "username", "不能与用户名相同", "must not be or contain the username"),
    ("amei", "AMEI-loves-cats", "username", "包含用户名", "contain the username"),
    ("amei", "1234567890", "common", "常见密码", "common password"),
    ("amei", "Password123", "common", "常见密码", "common password"),
    ("amei", "woaini1314", "common", "常见密码", "common password"),
    ("amei", "kefu-demo-2026", "common", "常见密码", "common password"),
])
def test_weak_passwords_are_refused_in_both_languages(username: str, password: str, rule: str, zh: str,
                                                      en: str) -> None:
    with pytest.raises(KefuError) as info:
        passwords.check(username, password)
    assert info.value.code == ErrorCode.PASSWORD_WEAK and info.value.details == {"rule": rule}
    assert info.value.message.startswith("密码太弱: ") and zh in info.value.message
    assert info.value.message_en.startswith("password too weak: ") and en in info.value.message_en


def test_acceptable_passwords() -> None:
    for username, password in [("amei", "harbour-lights-17"), ("li", "li-is-short-ok"), ("amei", "x" * 256)]:
        passwords.check(username, password)
    assert len(passwords.generate()) == 16 and passwords.generate() != passwords.generate()
    passwords.check("amei", passwords.generate())


def test_the_shipped_list() -> None:
    common = passwords.common_passwords()
    assert len(common) == 1772 + 2
    assert all(len(p) >= 10 and p == p.lower() for p in common)
    assert {"1qaz2wsx3edc", "qwertyuiop", "password123"} <= common


def test_the_api_refuses_a_weak_first_password(engine: Engine) -> None:
    with session_factory(engine)() as s, s.begin():
        org.create_user(s, "boss", "harbour-lights-17", "admin")
    client = TestClient(create_app(engine), base_url="http://testserver", headers={"Origin": "http://testserver"})
    client.post("/api/v1/auth/login", json={"username": "boss", "password": "harbour-lights-17"})
    r = client.post("/api/v1/users", json={"username": "amei", "password": "amei", "role": "supervisor"})
    assert r.status_code == 422
    assert r.json() == {"code": "PASSWORD_WEAK", "message": "密码太弱: 至少 10 个字符",
                        "message_en": "password too weak: it needs at least 10 characters", "details": {"rule": "length"}}
    assert [u["username"] for u in client.get("/api/v1/users").json()] == ["boss"]  # nothing stored
