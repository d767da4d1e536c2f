"""Printed, generated or admin-set passwords must be changed before anything else (issue 15 hole 6).

Walks every /api/v1 route like the permission matrix: a user whose password
must change gets 403 ``PASSWORD_CHANGE_REQUIRED`` on every route that
identifies its caller, except /auth/me, /auth/logout and /auth/password.
Also: an admin's reset, and revoking integration tokens (hole 20).
"""

from __future__ import annotations

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from test_permissions import PUBLIC, _fill, _routes

from kefu.api.app import create_app
from kefu.api.deps import get_caller
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.org import Agent

BASE = "http://testserver"
ALLOWED = {("GET", "/api/v1/auth/me"), ("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")}


def _needs_caller(route: APIRoute) -> bool:
    """Routes that identify their caller (signed webhooks and other public routes do not)."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if dep.call is get_caller:
            return True
        stack.extend(dep.dependencies)
    return False


def _client(engine: Engine, username: str | None = None, password: str = "") -> TestClient:
    client = TestClient(create_app(engine), base_url=BASE, headers={"Origin": BASE})
    if username:
        r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
    return client


def _setup(engine: Engine) -> None:
    with session_factory(engine)() as s, s.begin():
        s.add(Agent(id="a1", name="A1", team="T"))
        s.flush()
        auth.create_user(s, "boss", "harbour-lights-17", "admin")
        auth.create_user(s, "newbie", "given-to-me-2026", "agent", agent_id="a1", must_change_password=True)


def test_only_me_logout_and_password_change_until_the_password_is_changed(engine: Engine) -> None:
    _setup(engine)
    client = _client(engine, "newbie", "given-to-me-2026")
    assert client.get("/api/v1/auth/me").json()["must_change_password"] is True
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200  # the document itself is not a route of /api/v1's routers
    checked = 0
    for method, path, route in _routes():
        if (method, path) in set(PUBLIC) | ALLOWED or not _needs_caller(route):
            continue
        r = client.request(method, _fill(path, spec.json(), method), json={})
        assert r.status_code == 403, (method, path, r.status_code, r.text)
        assert r.json() == {"code": "PASSWORD_CHANGE_REQUIRED", "message": "请先修改初始密码",
                            "message_en": "change your initial password first",
                            "details": {"change_password": "/api/v1/auth/password"}}, (method, path)
        checked += 1
    assert checked >= 40
    r = client.post("/api/v1/auth/password", json={"old_password": "given-to-me-2026", "new_password": "only-i-know-42"})
    assert r.status_code == 200 and r.json()["must_change_password"] is False
    assert client.get("/api/v1/agents/a1/workspace").status_code == 200
    assert client.get("/api/v1/auth/me").json()["must_change_password"] is False


def test_accounts_an_admin_creates_must_change_their_first_password(engine: Engine) -> None:
    _setup(engine)
    admin = _client(engine, "boss", "harbour-lights-17")
    made = admin.post("/api/v1/users", json={"username": "sup2", "role": "supervisor"})
    assert made.status_code == 201
    body = made.json()
    assert body["must_change_password"] is True and len(body["generated_password"]) == 16
    sup = _client(engine, "sup2", body["generated_password"])
    assert sup.get("/api/v1/overview?day=2026-11-11").json()["code"] == "PASSWORD_CHANGE_REQUIRED"
    given = admin.post("/api/v1/users", json={"username": "sup3", "role": "supervisor", "password": "chosen-by-boss-1"})
    assert (given.json()["generated_password"], given.json()["must_change_password"]) == ("", True)


def test_an_admin_reset_ends_sessions_and_forces_a_change(engine: Engine) -> None:
    _setup(engine)
    admin = _client(engine, "boss", "harbour-lights-17")
    agent = _client(engine, "newbie", "given-to-me-2026")
    agent.post("/api/v1/auth/password", json={"old_password": "given-to-me-2026", "new_password": "only-i-know-42"})
    assert agent.get("/api/v1/agents/a1/workspace").status_code == 200
    reset = admin.post("/api/v1/users/2/password", json={})
    assert reset.status_code == 200
    temporary = reset.json()["generated_password"]
    assert reset.json()["must_change_password"] is True and len(temporary) == 16
    assert agent.get("/api/v1/agents/a1/workspace").status_code == 401  # the old session is over
    assert _client(engine).post("/api/v1/auth/login",
                                json={"username": "newbie", "password": "only-i-know-42"}).status_code == 401
    again = _client(engine, "newbie", temporary)
    assert again.get("/api/v1/agents/a1/workspace").status_code == 403
    weak = admin.post("/api/v1/users/2/password", json={"password": "newbie-2026-x"})
    assert (weak.status_code, weak.json()["details"]["rule"]) == (422, "username")
    missing = admin.post("/api/v1/users/99/password", json={})
    assert missing.status_code == 404


def test_revoked_tokens_get_401_and_are_listed(engine: Engine) -> None:
    _setup(engine)
    with session_factory(engine)() as s, s.begin():
        erp = auth.create_token(s, "erp")
        auth.create_token(s, "bi")
    integration = TestClient(create_app(engine), base_url=BASE, headers={"Authorization": f"Bearer {erp}"})
    assert integration.get("/api/v1/overview?day=2026-11-11").status_code == 200
    admin = _client(engine, "boss", "harbour-lights-17")
    listed = admin.get("/api/v1/tokens").json()
    assert [(t["name"], t["revoked"], t["revoked_at"]) for t in listed] == [("bi", False, None), ("erp", False, None)]
    revoked = admin.post("/api/v1/tokens/erp/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    first_at = revoked.json()["revoked_at"]
    assert first_at is not None
    r = integration.get("/api/v1/overview?day=2026-11-11")
    assert (r.status_code, r.json()["code"]) == (401, "UNAUTHORIZED")
    assert admin.post("/api/v1/tokens/erp/revoke").json()["revoked_at"] == first_at  # idempotent
    assert admin.post("/api/v1/tokens/nope/revoke").status_code == 404
    assert [t["revoked"] for t in admin.get("/api/v1/tokens").json()] == [False, True]
