"""Request bodies are limited per route *before* they are read (issue 15, hole 12).

Before: 100 MB to ``/auth/login`` or ``/webhooks/x`` was read whole, without
login, growing a worker by a GB; a 50 MB all-bad import answered a 266 MB error
list. Now :class:`kefu.api.limits.BodyLimit` refuses a declared
``Content-Length`` above the route's limit at once and stops a chunked stream as
soon as it passes it (413, bilingual body, connection closed); import errors
list the first rows and the count.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from kefu.api.app import create_app, served
from kefu.api.limits import DEFAULT_LIMIT, limit_for
from kefu.domain.errors import ROW_ERRORS_SHOWN
from kefu.service.org import actions as auth
from kefu.store.db import session_factory
from kefu.store.models.commerce import Order
from support import RawHttp, live_server

BASE = "http://testserver"
PW = "kefu-Limits-2026!"
TOO_LARGE = {"code": "TOO_LARGE", "message": "请求体过大 (上限 {n} 字节)", "message_en": "request body too large (limit {n} bytes)"}


def _too_large(limit: int) -> dict[str, object]:
    return {**{k: v.format(n=limit) for k, v in TOO_LARGE.items()}, "details": {"limit": limit}}


def test_limits_per_route() -> None:
    assert limit_for("/api/v1/auth/login") == 8 * 1024
    assert limit_for("/api/v1/webhooks/taobao") == 256 * 1024
    assert limit_for("/api/v1/conversations") == DEFAULT_LIMIT == 1024 * 1024
    assert limit_for("/api/v1/credit/import/orders") == 201 * 1024 * 1024
    assert limit_for("/api/v1/roster/plan") == 16 * 1024 * 1024


@pytest.fixture
def port(engine: Engine) -> Iterator[int]:
    with live_server(served(create_app(engine))) as p:
        yield p


def test_a_declared_length_above_the_limit_is_refused_before_reading(port: int) -> None:
    http = RawHttp(port)
    try:  # only the head is sent: the server must answer without waiting for 100 MB
        http.send(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 104857600\r\n\r\n")
        status, headers, body = http.response()
        assert status == 413 and headers["connection"] == "close"
        assert json.loads(body) == _too_large(8 * 1024)
    finally:
        http.close()


@pytest.mark.parametrize(("path", "limit"), [("/api/v1/auth/login", 8 * 1024),
                                             ("/api/v1/webhooks/taobao", 256 * 1024),
                                             ("/api/v1/conversations", 1024 * 1024)])
def test_a_chunked_stream_is_stopped_past_the_limit(port: int, path: str, limit: int) -> None:
    http = RawHttp(port)
    try:
        http.send(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode())
        chunk = b"[" + b"1," * 8191 + b"1]"  # 16 KiB of valid-looking JSON per chunk, never ending
        sent = 0
        while sent <= limit + len(chunk):
            http.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        status, headers, body = http.response()
        assert status == 413 and headers["connection"] == "close"
        assert json.loads(body) == _too_large(limit)
    finally:
        http.close()


@pytest.fixture
def boss(engine: Engine) -> Iterator[TestClient]:
    with session_factory(engine)() as s, s.begin():
        auth.create_user(s, "boss", PW, "supervisor")
    client = TestClient(create_app(engine), base_url=BASE, headers={"Origin": BASE})
    assert client.post("/api/v1/auth/login", json={"username": "boss", "password": PW}).status_code == 200
    yield client


HEAD = "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,店铺名称\n"


def test_an_upload_above_the_json_limit_is_accepted(boss: TestClient, engine: Engine) -> None:
    rows = "".join(f"N{i},b{i},1.00,交易成功,2026-11-04 10:00:00,s1\n" for i in range(40_000))
    data = (HEAD + rows).encode("gbk")
    assert len(data) > DEFAULT_LIMIT  # an upload has its own, larger limit
    r = boss.post("/api/v1/credit/import/orders", files={"file": ("o.csv", data)})
    assert r.status_code == 200, r.text[:500]
    assert r.json()["inserted"] == 40_000
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 40_000


def test_an_all_bad_file_answers_the_first_errors_and_the_count(boss: TestClient, engine: Engine) -> None:
    rows = "".join(f"N{i},b{i},-1.00,交易成功,2026-11-04 10:00:00,s1\n" for i in range(5_000))
    r = boss.post("/api/v1/credit/import/orders", files={"file": ("o.csv", (HEAD + rows).encode("gbk"))})
    assert r.status_code == 422 and r.json()["code"] == "IMPORT_BAD_ROW"
    body = r.json()
    assert len(body["rows"]) == ROW_ERRORS_SHOWN == 100
    assert body["rows_total"] == 5_000 and body["details"]["bad_rows"] == 5_000
    assert [x["row"] for x in body["rows"][:2]] == [2, 3]
    assert len(r.content) < 40_000
    skipped = boss.post("/api/v1/credit/import/orders?skip_bad_rows=true",
                        files={"file": ("o.csv", (HEAD + rows).encode("gbk"))})
    # skipping every row stores nothing: still a refusal (issue 17), with the same capped list
    assert skipped.status_code == 422 and skipped.json()["code"] == "IMPORT_BAD_ROW"
    assert (len(skipped.json()["rows"]), skipped.json()["rows_total"]) == (100, 5_000)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Order)) == 0
