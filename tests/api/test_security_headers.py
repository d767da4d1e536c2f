"""Security headers on every response and the API docs switch (issue 15 hole 19).

The dashboard pages are checked in a real browser under this policy by
tests/browser (any CSP violation is a console error there).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from kefu.api.app import create_app, served
from kefu.api.headers import CSP
from kefu.config import get_settings

BASE = "http://testserver"


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings read afresh from the patched environment, and forgotten afterwards."""
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _expect_headers(response: object, csp: str = CSP) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["content-security-policy"] == csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"


def test_every_kind_of_response_carries_the_headers(engine: Engine) -> None:
    client = TestClient(served(create_app(engine)), base_url=BASE)
    _expect_headers(client.get("/api/v1/health"))
    _expect_headers(client.get("/api/v1/users"))  # 401
    _expect_headers(client.get("/no/such/page"))  # 404
    _expect_headers(client.post("/api/v1/auth/login", json={}))  # 422
    assert "frame-ancestors 'none'" in CSP and "default-src 'self'" in CSP and "object-src 'none'" in CSP
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-security-policy"] == CSP  # one policy: /docs needs no other host


def test_docs_are_off_in_production_unless_asked_for(engine: Engine, environment: pytest.MonkeyPatch) -> None:
    environment.setenv("KEFU_ENV", "production")
    environment.setenv("KEFU_SECRET_KEY", "p" * 48)
    client = TestClient(served(create_app(engine)), base_url=BASE)
    assert client.get("/docs").status_code == 404
    assert client.get("/api/v1/openapi.json").status_code == 404
    assert client.get("/api/v1/health").status_code == 200
    get_settings.cache_clear()
    environment.setenv("KEFU_API_DOCS", "1")
    client = TestClient(served(create_app(engine)), base_url=BASE)
    assert client.get("/docs").status_code == 200
    assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "kefu API"


def test_docs_work_offline_from_this_host(engine: Engine) -> None:
    """Swagger UI's script, style and icon come from /docs/static: no CDN, so /docs renders offline."""
    client = TestClient(served(create_app(engine)), base_url=BASE)
    page = client.get("/docs").text
    assert "cdn." not in page and "https://" not in page
    for asset, kind in [("swagger-ui-bundle.js", "javascript"), ("swagger-ui.css", "text/css"), ("favicon.png", "image/png")]:
        assert f"/docs/static/{asset}" in page
        answer = client.get(f"/docs/static/{asset}")
        assert answer.status_code == 200 and kind in answer.headers["content-type"]
        assert answer.headers["content-security-policy"] == CSP
    assert client.get("/docs/static/../../pyproject.toml").status_code == 404
    assert "/api/v1/openapi.json" in page
