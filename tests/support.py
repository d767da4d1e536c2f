"""Helpers for tests, importable as ``support`` from any test module (pytest pythonpath)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ../shared; the test is skipped when the fixtures are absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared fixture not present: {path}")
    return path


def role_clients(app: Any, token: str, password: str, base: str = "http://testserver") -> dict[str, Any]:
    """One TestClient per role: users ``u-admin``, ``u-supervisor``, ``u-agent`` signed in with ``password``
    (same-origin writes), ``integration`` with the bearer ``token``."""
    from fastapi.testclient import TestClient

    out: dict[str, Any] = {}
    for role in ("admin", "supervisor", "agent"):
        client = TestClient(app, base_url=base, headers={"Origin": base})
        r = client.post("/api/v1/auth/login", json={"username": f"u-{role}", "password": password})
        assert r.status_code == 200, r.text
        out[role] = client
    out["integration"] = TestClient(app, base_url=base, headers={"Authorization": f"Bearer {token}"})
    return out
