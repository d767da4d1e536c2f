"""Permission matrix over every /api/v1 route, found by walking ``app.routes``.

* Every route is either PUBLIC (below, with the reason) or declares exactly one
  ``require_roles(...)``: the one role mechanism, so this matrix sees every check.
* Anonymous callers get 401 everywhere except the public routes.
* Routes answer 403 to every role they do not declare
  (admin, supervisor, agent by session cookie; integration by bearer token).
* Agents may act only for their own agent id on the /agents/{id}/… routes; the
  data-dependent scope of every route open to agents is in tests/api/test_scope.py.
A new route is covered automatically; a new public route must be added to PUBLIC.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine

from kefu.api.app import create_app
from kefu.service.org import actions as org
from kefu.store.db import session_factory
from kefu.store.models.org import Agent

BASE = "http://testserver"
PUBLIC = {
    ("GET", "/api/v1/health"): "liveness probe, no data",
    ("POST", "/api/v1/auth/login"): "how a session starts",
    ("POST", "/api/v1/auth/logout"): "ends the caller's own session",
    ("POST", "/api/v1/webhooks/{source}"): "authenticated by the HMAC signature of source, timestamp and body",
    ("POST", "/api/v1/care/surveys/answer"): "the buyer's signed one-time survey token is the credential",
}
PASSWORD = "password-123"
ROLES = ("admin", "supervisor", "agent", "integration")


def _flat_routes(app: Any) -> list[tuple[str, APIRoute]]:
    """(full path, route) pairs; FastAPI >= 0.160 keeps included routers nested."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        return [(r.path, r) for r in app.routes if isinstance(r, APIRoute)]
    return [(str(rc.path), rc.original_route) for rc in iter_route_contexts(app.routes)
            if isinstance(rc.original_route, APIRoute)]


def _routes() -> list[tuple[str, str, APIRoute]]:
    app = create_app(create_engine("sqlite://"))
    found = []
    for path, route in _flat_routes(app):
        if path.startswith("/api/v1"):
            for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
                found.append((method, path, route))
    return found


def all_declared_roles(route: APIRoute) -> list[tuple[str, ...]]:
    """The roles of every ``require_roles`` dependency of this route (at any depth)."""
    found = []
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        call = dep.call
        if call is not None and getattr(call, "__qualname__", "") == "require_roles.<locals>.check":
            found.append(tuple(inspect.getclosurevars(call).nonlocals["roles"]))
        stack.extend(dep.dependencies)
    return found


def declared_roles(route: APIRoute) -> tuple[str, ...] | None:
    """The roles of the route's ``require_roles`` dependency, or None when it declares none."""
    found = all_declared_roles(route)
    return found[0] if found else None


def _fill(path: str, spec: dict[str, Any], method: str) -> str:
    """Path parameters from the OpenAPI schema: the first enum value, 1 for integers, else 'a1'."""
    params = spec["paths"][path][method.lower()].get("parameters", [])
    for p in params:
        if p["in"] != "path":
            continue
        schema = p.get("schema", {})
        value = schema.get("enum", [None])[0] or (1 if schema.get("type") == "integer" else "a1")
        path = path.replace("{" + p["name"] + "}", str(value))
    return path


@pytest.fixture
def clients(engine: Engine) -> dict[str, TestClient]:
    with session_factory(engine)() as s, s.begin():
        s.add_all([Agent(id="a1", name="A1", team="T"), Agent(id="a2", name="A2", team="T")])
        s.flush()
        org.create_user(s, "u-admin", PASSWORD, "admin")
        org.create_user(s, "u-supervisor", PASSWORD, "supervisor", team="T")
        org.create_user(s, "u-agent", PASSWORD, "agent", agent_id="a1", team="T")
        token = org.create_token(s, "erp")
    app = create_app(engine)
    out = {"anonymous": TestClient(app, base_url=BASE)}
    for role in ("admin", "supervisor", "agent"):
        client = TestClient(app, base_url=BASE, headers={"Origin": BASE})
        r = client.post("/api/v1/auth/login", json={"username": f"u-{role}", "password": PASSWORD})
        assert r.status_code == 200
        out[role] = client
    out["integration"] = TestClient(app, base_url=BASE, headers={"Authorization": f"Bearer {token}"})
    return out


def test_routes_are_found() -> None:
    paths = {(m, p) for m, p, _ in _routes()}
    assert ("GET", "/api/v1/overview") in paths
    assert ("POST", "/api/v1/users") in paths
    assert declared_roles(next(r for m, p, r in _routes() if p == "/api/v1/users" and m == "GET")) == ("admin",)


def test_every_route_is_public_or_declares_exactly_one_role_check() -> None:
    undeclared, doubled, public_with_roles = [], [], []
    for method, path, route in _routes():
        found = all_declared_roles(route)
        if (method, path) in PUBLIC:
            if found:
                public_with_roles.append((method, path))
        elif not found:
            undeclared.append((method, path))
        elif len(found) > 1:
            doubled.append((method, path, found))
        for roles in found:
            assert roles and set(roles) <= set(ROLES), (method, path, roles)
    assert undeclared == [], "routes without require_roles(...): declare roles or add them to PUBLIC"
    assert doubled == [], "one role check per route"
    assert public_with_roles == []
    assert set(PUBLIC) <= {(m, p) for m, p, _ in _routes()}, "PUBLIC names a route that does not exist"


def test_anonymous_gets_401_on_every_non_public_route(clients: dict[str, TestClient]) -> None:
    spec = clients["anonymous"].get("/api/v1/openapi.json").json()
    checked = 0
    for method, path, _ in _routes():
        if (method, path) in PUBLIC or path == "/api/v1/openapi.json":
            continue
        response = clients["anonymous"].request(method, _fill(path, spec, method), json={})
        assert response.status_code == 401, (method, path, response.status_code, response.text)
        assert response.json()["code"] in ("UNAUTHORIZED", "BAD_SIGNATURE"), (method, path)
        checked += 1
    assert checked >= 5


def test_declared_roles_are_enforced(clients: dict[str, TestClient]) -> None:
    spec = clients["anonymous"].get("/api/v1/openapi.json").json()
    checked = 0
    for method, path, route in _routes():
        allowed = declared_roles(route)
        if allowed is None:
            continue
        for role in ROLES:
            if role in allowed:
                continue
            response = clients[role].request(method, _fill(path, spec, method), json={})
            assert response.status_code == 403, (role, method, path, response.status_code)
            assert response.json()["code"] == "FORBIDDEN"
            checked += 1
    assert checked >= 9  # at least the three admin-only account routes × three other roles


@pytest.mark.parametrize("suffix", ["status", "workspace", "worktime?day=2026-11-11"])
def test_agents_act_only_for_themselves(clients: dict[str, TestClient], suffix: str) -> None:
    method = "POST" if suffix == "status" else "GET"
    body = {"status": "online"} if suffix == "status" else None
    other = clients["agent"].request(method, f"/api/v1/agents/a2/{suffix}", json=body)
    assert other.status_code == 403
    own = clients["agent"].request(method, f"/api/v1/agents/a1/{suffix}", json=body)
    assert own.status_code == 200, own.text
    assert clients["supervisor"].request(method, f"/api/v1/agents/a2/{suffix}", json=body).status_code == 200


def test_overview_is_scoped_per_role(clients: dict[str, TestClient]) -> None:
    day = "2026-11-11"
    for role in ROLES:
        response = clients[role].get(f"/api/v1/overview?day={day}")
        assert response.status_code == 200
    assert clients["agent"].get(f"/api/v1/overview?day={day}").json()["agents_total"] == 1
    assert clients["supervisor"].get(f"/api/v1/overview?day={day}").json()["agents_total"] == 2
    assert clients["admin"].get("/api/v1/overview?day=0001-01-01").status_code == 422  # kefu.service.schemas.Day
