"""Sessions over HTTP: no built-in key, logout and password changes end cookies server-side.

Issue 15 holes 1 (a cookie signed with the old built-in key was an admin) and
8 (a cookie stayed valid for 14 days after logout).
"""

from __future__ import annotations

import json
from base64 import b64encode

import itsdangerous
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.config import get_settings
from kefu.service.org import actions as auth
from kefu.store.db import session_factory

BASE = "http://testserver"
OLD_BUILT_IN_KEY = "kefu-dev-secret-change-me"
PW = "harbour-lights-17"


def _setup(engine: Engine) -> None:
    with session_factory(engine)() as s, s.begin():
        auth.create_user(s, "boss", PW, "admin")  # user id 1


def _forged(payload: dict[str, object], key: str) -> str:
    """A ``kefu_session`` value signed the way Starlette's SessionMiddleware signs it."""
    data = b64encode(json.dumps(payload).encode())
    return itsdangerous.TimestampSigner(key).sign(data).decode()


def _client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine), base_url=BASE, headers={"Origin": BASE})


def _login(client: TestClient, password: str = PW) -> int:
    return client.post("/api/v1/auth/login", json={"username": "boss", "password": password}).status_code


def test_cookie_signed_with_the_old_built_in_key_is_refused(engine: Engine) -> None:
    _setup(engine)
    client = _client(engine)
    for payload in ({"user_id": 1}, {"user_id": 1, "sv": 0}):
        client.cookies.set("kefu_session", _forged(payload, OLD_BUILT_IN_KEY))
        assert client.get("/api/v1/users").status_code == 401
        made = client.post("/api/v1/users", json={"username": "eve", "password": "sunny-harbour-7", "role": "admin"})
        assert made.status_code == 401


def test_cookie_without_the_session_version_is_refused(engine: Engine) -> None:
    """A cookie from before session versions (or hand-made with the real key) signs nobody in."""
    _setup(engine)
    client = _client(engine)
    assert _login(client) == 200
    key = get_settings().secret_key
    client.cookies.set("kefu_session", _forged({"user_id": 1}, key))
    assert client.get("/api/v1/users").status_code == 401
    client.cookies.set("kefu_session", _forged({"user_id": 1, "sv": 0}, key))
    assert client.get("/api/v1/users").status_code == 200


def test_a_cookie_replayed_after_logout_is_refused(engine: Engine) -> None:
    _setup(engine)
    laptop, phone = _client(engine), _client(engine)
    assert _login(laptop) == 200 and _login(phone) == 200
    stolen = laptop.cookies["kefu_session"]
    assert laptop.post("/api/v1/auth/logout").json() == {"ok": True}
    replay = _client(engine)
    replay.cookies.set("kefu_session", stolen)
    assert replay.get("/api/v1/auth/me").status_code == 401
    assert replay.get("/api/v1/users").status_code == 401
    # a per-user version: logging out ends the user's other sessions too
    assert phone.get("/api/v1/users").status_code == 401
    assert _login(laptop) == 200
    assert laptop.get("/api/v1/users").status_code == 200
    # logging out twice, or with no session at all, is not an error
    assert laptop.post("/api/v1/auth/logout").status_code == 200
    assert _client(engine).post("/api/v1/auth/logout").json() == {"ok": True}


def test_changing_the_password_keeps_this_session_and_ends_the_others(engine: Engine) -> None:
    _setup(engine)
    mine, other = _client(engine), _client(engine)
    assert _login(mine) == 200 and _login(other) == 200
    wrong = mine.post("/api/v1/auth/password", json={"old_password": "not-it-at-all", "new_password": "new-secret-42"})
    assert wrong.status_code == 401
    assert wrong.json() == {"code": "UNAUTHORIZED", "message": "当前密码错误",
                            "message_en": "the current password is wrong"}
    changed = mine.post("/api/v1/auth/password", json={"old_password": PW, "new_password": "new-secret-42"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["must_change_password"] is False
    assert mine.get("/api/v1/users").status_code == 200
    assert other.get("/api/v1/users").status_code == 401
    assert _login(_client(engine)) == 401
    assert _login(_client(engine), "new-secret-42") == 200


def test_password_change_applies_the_policy(engine: Engine) -> None:
    _setup(engine)
    client = _client(engine)
    assert _login(client) == 200
    cases = {"short-1": "length", "boss-is-here-1": "username", "1q2w3e4r5t": "common", PW: "unchanged"}
    for new, rule in cases.items():
        r = client.post("/api/v1/auth/password", json={"old_password": PW, "new_password": new})
        assert r.status_code == 422, new
        assert (r.json()["code"], r.json()["details"]["rule"]) == ("PASSWORD_WEAK", rule)
        assert r.json()["message"].startswith("密码太弱") or rule == "unchanged"
    assert client.get("/api/v1/users").status_code == 200  # nothing changed, the session goes on


def test_integrations_have_no_password_to_change(engine: Engine) -> None:
    with session_factory(engine)() as s, s.begin():
        token = auth.create_token(s, "erp")
    client = TestClient(create_app(engine), base_url=BASE, headers={"Authorization": f"Bearer {token}"})
    r = client.post("/api/v1/auth/password", json={"old_password": "x", "new_password": "new-secret-42"})
    assert (r.status_code, r.json()["code"]) == (403, "FORBIDDEN")
