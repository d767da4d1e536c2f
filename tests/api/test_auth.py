"""Browser sign-in over the API: cookie session, rate limit, CSRF same-origin check, accounts."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app
from kefu.api.csrf import is_cross_site
from kefu.service.org import actions as org
from kefu.store.db import session_factory
from kefu.store.models.org import Agent

BASE = "http://testserver"


def _setup(engine: Engine) -> str:
    with session_factory(engine)() as s, s.begin():
        s.add(Agent(id="a1", name="小美", team="A"))
        s.flush()
        org.create_user(s, "boss", "admin-pass-1", "admin")
        org.create_user(s, "amei", "agent-pass-1", "agent", agent_id="a1", team="A")
        return org.create_token(s, "erp")


def _login(client: TestClient, user: str, password: str) -> int:
    return client.post("/api/v1/auth/login", json={"username": user, "password": password},
                       headers={"Origin": BASE}).status_code


def test_login_sets_session_and_me_reports_role(engine: Engine) -> None:
    _setup(engine)
    client = TestClient(create_app(engine), base_url=BASE)
    assert client.get("/api/v1/auth/me").status_code == 401
    assert _login(client, "amei", "agent-pass-1") == 200
    me = client.get("/api/v1/auth/me").json()
    assert me == {"kind": "user", "name": "amei", "role": "agent", "agent_id": "a1", "team": "A", "user_id": 2,
                  "must_change_password": False}
    assert client.post("/api/v1/auth/logout", headers={"Origin": BASE}).status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401


def test_wrong_password_is_401_and_sixth_attempt_is_locked(engine: Engine) -> None:
    _setup(engine)
    client = TestClient(create_app(engine), base_url=BASE)
    assert [_login(client, "boss", "nope-nope") for _ in range(5)] == [401] * 5
    locked = client.post("/api/v1/auth/login", json={"username": "boss", "password": "admin-pass-1"})
    assert locked.status_code == 429
    assert locked.json()["code"] == "RATE_LIMITED"
    assert "5 分钟" in locked.json()["message"]
    # another username from the same address is not locked
    assert _login(client, "amei", "agent-pass-1") == 200


def test_csrf_cookie_post_from_other_origin_is_refused(engine: Engine) -> None:
    _setup(engine)
    client = TestClient(create_app(engine), base_url=BASE)
    assert _login(client, "boss", "admin-pass-1") == 200
    body = {"username": "eve", "password": "sunny-harbour-7", "role": "admin"}
    evil = client.post("/api/v1/users", json=body, headers={"Origin": "http://evil.example"})
    assert evil.status_code == 403
    assert evil.json()["code"] == "FORBIDDEN"
    no_origin = client.post("/api/v1/users", json=body)
    assert no_origin.status_code == 403
    same = client.post("/api/v1/users", json=body, headers={"Referer": f"{BASE}/settings"})
    assert same.status_code == 201
    assert (same.json()["role"], same.json()["must_change_password"]) == ("admin", True)


def test_bearer_calls_are_exempt_from_origin_check(engine: Engine) -> None:
    token = _setup(engine)
    client = TestClient(create_app(engine), base_url=BASE)
    response = client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}",
                                                          "Origin": "http://elsewhere.example"})
    assert response.status_code == 200


def test_is_cross_site_rules() -> None:
    cookie = {"cookie": "kefu_session=x", "host": "127.0.0.1:8000"}
    assert is_cross_site("GET", "/api/v1/users", {**cookie, "origin": "http://evil"}) is False
    assert is_cross_site("POST", "/login", {**cookie, "origin": "http://evil"}) is False
    assert is_cross_site("POST", "/api/v1/x", {**cookie, "origin": "http://127.0.0.1:8000"}) is False
    assert is_cross_site("POST", "/api/v1/x", {**cookie, "origin": "http://127.0.0.1:9000"}) is True
    assert is_cross_site("DELETE", "/api/v1/x", {**cookie, "origin": "null"}) is True
    assert is_cross_site("PATCH", "/api/v1/x", {**cookie, "referer": "ftp://127.0.0.1:8000/"}) is True
    assert is_cross_site("PUT", "/api/v1/x", {"host": "h", "origin": "http://evil"}) is False  # no cookie
    assert is_cross_site("POST", "/api/v1/x", {**cookie, "authorization": "Bearer t"}) is False


def test_accounts_admin_only_and_agent_needs_known_agent(engine: Engine) -> None:
    _setup(engine)
    client = TestClient(create_app(engine), base_url=BASE)
    _login(client, "amei", "agent-pass-1")
    assert client.get("/api/v1/users").status_code == 403
    client.post("/api/v1/auth/logout", headers={"Origin": BASE})
    _login(client, "boss", "admin-pass-1")
    names = [u["username"] for u in client.get("/api/v1/users").json()]
    assert names == ["amei", "boss"]
    bad = client.post("/api/v1/users", headers={"Origin": BASE},
                      json={"username": "x", "password": "x-password-1", "role": "agent", "agent_id": "zz"})
    assert bad.status_code == 404
    assert bad.json()["code"] == "AGENT_UNKNOWN"
    short = client.post("/api/v1/users", headers={"Origin": BASE},
                        json={"username": "x", "password": "short", "role": "supervisor"})
    assert short.status_code == 422
    assert short.json()["code"] == "PASSWORD_WEAK"
    off = client.post("/api/v1/users/2/active", headers={"Origin": BASE}, json={"active": False})
    assert off.status_code == 200
    other = TestClient(create_app(engine), base_url=BASE)
    assert _login(other, "amei", "agent-pass-1") == 401
