"""Webhooks: signed source + timestamp + body, a 5-minute window, one application per (source, id) (issue 15, hole 10).

Before, the signature covered only the body: one captured request was accepted
at ``/webhooks/taobao``, ``/jd`` and ``/pdd`` and, without an ``id``, forever. A
non-ASCII ``X-Kefu-Signature`` was a 500 (TypeError in compare_digest) and a
``ts`` of year 1 overflowed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kefu.api.app import create_app
from kefu.api.routes.webhooks import signature
from kefu.config import get_settings
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.live import Message, WebhookDelivery

SECRET = "s3cret"


@pytest.fixture
def client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    get_settings.cache_clear()
    monkeypatch.setenv("KEFU_WEBHOOK_SECRET", SECRET)
    with session_factory(engine)() as s, s.begin():
        token = auth.create_token(s, "test")
    with TestClient(create_app(engine)) as c:
        bearer = {"Authorization": f"Bearer {token}"}
        assert c.post("/api/v1/agents", json={"id": "a1", "skills": ["售前"], "capacity": 5},
                      headers=bearer).status_code == 201
        assert c.post("/api/v1/agents/a1/status", json={"status": "online"}, headers=bearer).status_code == 200
        yield c
    get_settings.cache_clear()


def _headers(source: str, body: bytes, *, at: int | None = None, secret: str = SECRET) -> dict[str, str]:
    """What a platform sends, computed by hand as an integrator would from docs/security.md."""
    stamp = str(int(time.time()) if at is None else at)
    digest = hmac.new(secret.encode(), f"{stamp}.{source}.".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Kefu-Timestamp": stamp, "X-Kefu-Signature": f"sha256={digest}"}


def _post(client: TestClient, source: str, payload: dict[str, Any], **kw: Any) -> Any:
    body = json.dumps(payload).encode()
    return client.post(f"/api/v1/webhooks/{source}", content=body, headers=_headers(source, body, **kw))


def test_the_documented_signature_is_the_one_checked() -> None:
    body = b'{"id":"e1"}'
    assert signature("k", "taobao", "1764547200", body) == "sha256=" + hmac.new(
        b"k", b'1764547200.taobao.{"id":"e1"}', hashlib.sha256).hexdigest()


def test_a_signed_event_is_applied_once_per_source(client: TestClient, engine: Engine) -> None:
    event = {"id": "evt-1", "type": "message", "shop": "s", "buyer": "b", "text": "你好"}
    first = _post(client, "taobao", event)
    assert first.status_code == 202 and first.json()["agent"] == "a1"
    assert _post(client, "taobao", event).json() == {"duplicate": True, "id": "evt-1"}  # a retry, re-signed
    assert _post(client, "jd", event).status_code == 202  # ids are per source; signed for jd
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Message).where(Message.text == "你好")) == 2
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 2


def test_a_captured_request_does_not_verify_at_another_source(client: TestClient) -> None:
    body = json.dumps({"id": "evt-9", "type": "message", "shop": "s", "buyer": "b", "text": "嗨"}).encode()
    captured = _headers("taobao", body)
    for source in ("jd", "pdd"):
        r = client.post(f"/api/v1/webhooks/{source}", content=body, headers=captured)
        assert r.status_code == 401 and r.json()["code"] == "BAD_SIGNATURE"


def test_old_and_future_timestamps_are_refused(client: TestClient) -> None:
    event = {"id": "evt-2", "type": "message", "shop": "s", "buyer": "b", "text": "旧"}
    now = int(time.time())
    for at in (now - 301, now + 120, 0):
        r = _post(client, "taobao", event, at=at)
        assert r.status_code == 401 and r.json()["code"] == "BAD_SIGNATURE", at
        assert r.json()["details"] == {"reason": "timestamp outside the 300 s window"}
    assert _post(client, "taobao", event, at=now - 200).status_code == 202  # within the window


@pytest.mark.parametrize("headers", [
    {},  # nothing
    {"X-Kefu-Signature": "sha256=00"},  # no timestamp
    {"X-Kefu-Timestamp": "soon", "X-Kefu-Signature": "sha256=00"},
    {"X-Kefu-Timestamp": "9" * 40, "X-Kefu-Signature": "sha256=00"},
])
def test_bad_signatures_are_401(client: TestClient, headers: dict[str, str]) -> None:
    r = client.post("/api/v1/webhooks/taobao", content=b'{"id":"x","type":"message"}', headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "BAD_SIGNATURE"


def test_a_non_ascii_signature_over_raw_bytes_is_401(client: TestClient) -> None:
    """The raw header bytes (UTF-8 sent as is), not only what httpx would encode."""
    r = client.post("/api/v1/webhooks/taobao", content=b"{}",
                    headers=[(b"X-Kefu-Timestamp", str(int(time.time())).encode()),
                             (b"X-Kefu-Signature", "签名".encode())])
    assert r.status_code == 401 and r.json()["code"] == "BAD_SIGNATURE"


def test_events_without_an_id_are_refused(client: TestClient, engine: Engine) -> None:
    r = _post(client, "taobao", {"type": "message", "shop": "s", "buyer": "b", "text": "无编号"})
    assert r.status_code == 400 and r.json()["details"]["argument"] == "id"
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 0


def test_a_time_out_of_range_in_the_event_is_4xx(client: TestClient) -> None:
    r = _post(client, "taobao", {"id": "evt-3", "type": "message", "shop": "s", "buyer": "b",
                                 "ts": "0001-01-01T00:00:00+00:00"})
    assert r.status_code == 400 and r.json()["details"]["argument"] == "ts"


def test_event_kinds_and_malformed_bodies(client: TestClient) -> None:
    opened = _post(client, "taobao", {"id": "m1", "type": "message", "shop": "s", "buyer": "b", "text": "你好"})
    cid = opened.json()["conversation"]
    again = _post(client, "taobao", {"id": "m2", "type": "message", "shop": "s", "buyer": "b", "text": "还在吗"})
    assert again.status_code == 202 and again.json()["conversation"] == cid
    body = b"{oops"
    r = client.post("/api/v1/webhooks/taobao", content=body, headers=_headers("taobao", body))
    assert r.status_code == 400 and r.json()["code"] == "BAD_REQUEST"
    r = _post(client, "taobao", {"id": "x1", "type": "explode"})
    assert r.status_code == 400 and r.json()["code"] == "BAD_ARGUMENT"
    failing = {"id": "c-1", "type": "close", "conversation": 999999}
    assert _post(client, "taobao", failing).status_code == 404  # not applied, so not remembered:
    assert _post(client, "taobao", failing).json()["code"] == "CONVERSATION_UNKNOWN"  # the retry runs again
    r = _post(client, "taobao", {"id": "x" * 129, "type": "message", "shop": "s", "buyer": "b"})
    assert r.status_code == 400 and r.json()["code"] == "BAD_ARGUMENT"
    r = _post(client, "taobao", {"id": "c-2", "type": "close", "conversation": cid})
    assert r.status_code == 202 and r.json()["status"] == "closed"


def test_refused_without_a_secret(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KEFU_WEBHOOK_SECRET")
    get_settings.cache_clear()
    r = _post(client, "jd", {"id": "e", "type": "message"}, secret="")
    assert r.status_code == 401 and r.json()["code"] == "BAD_SIGNATURE"
