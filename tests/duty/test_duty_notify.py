"""Adapters speak the vendors' formats; the outbox retries with backoff and never sends twice."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from duty.http_stub import http_stub
from kefu.duty.notify import DingTalkRobot, NotifyError, SmsGateway, WeComRobot, adapters_from_settings
from kefu.service.duty.actions_outbox import backoff, dispatch_outbox, retry_failed
from kefu.service.duty.store import enqueue
from kefu.store.db import session_factory
from kefu.store.models.duty import OutboxMessage

T0 = datetime(2026, 11, 20, 2, 15, tzinfo=UTC)


def test_dingtalk_signed_text_message() -> None:
    with http_stub() as stub:
        robot = DingTalkRobot(f"{stub.url}/robot/send?access_token=abc", secret="SEC123", clock_ms=lambda: 1700000000123)
        robot.send({"text": "任务逾期: 退货 r1"})
    (req,) = stub.requests
    assert req.method == "POST"
    assert req.json() == {"msgtype": "text", "text": {"content": "任务逾期: 退货 r1"}}
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(req.path).query)
    expected = base64.b64encode(hmac.new(b"SEC123", b"1700000000123\nSEC123", hashlib.sha256).digest()).decode()
    assert query == {"access_token": ["abc"], "timestamp": ["1700000000123"], "sign": [expected]}
    # the sign is URL-encoded in the raw query (base64 has + / =)
    raw_sign = req.path.split("sign=", 1)[1]
    assert raw_sign == urllib.parse.quote_plus(expected)


def test_wecom_text_message_to_key_url() -> None:
    with http_stub() as stub:
        WeComRobot(f"{stub.url}/cgi-bin/webhook/send?key=K-1").send({"text": "hello"})
    (req,) = stub.requests
    assert req.path == "/cgi-bin/webhook/send?key=K-1"
    assert req.json() == {"msgtype": "text", "text": {"content": "hello"}}


def test_robot_errcode_is_a_retryable_failure() -> None:
    with http_stub() as stub:
        stub.script = [(200, '{"errcode":130101,"errmsg":"send too fast"}')]
        with pytest.raises(NotifyError) as err:
            WeComRobot(f"{stub.url}/send?key=k").send({"text": "x"})
    assert err.value.retryable and "130101" in str(err.value)


def test_sms_gateway_form_and_query_parameters() -> None:
    with http_stub() as stub:
        params = {"to": "{phone}", "msg": "{text}", "id": "{key}", "user": "shop1"}
        SmsGateway(f"{stub.url}/sms", params).send({"phone": "13800000000", "text": "请付款", "key": "pay_sms:o1"})
        SmsGateway(f"{stub.url}/sms", params, method="GET").send({"phone": "13800000000", "text": "请付款", "key": "k"})
    post, get = stub.requests
    assert post.method == "POST"
    assert urllib.parse.parse_qs(post.body.decode()) == {
        "to": ["13800000000"], "msg": ["请付款"], "id": ["pay_sms:o1"], "user": ["shop1"]}
    assert get.method == "GET"
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(get.path).query)["msg"] == ["请付款"]


def test_sms_without_phone_and_4xx_are_permanent_5xx_retryable() -> None:
    with http_stub() as stub:
        gateway = SmsGateway(f"{stub.url}/sms")
        with pytest.raises(NotifyError) as no_phone:
            gateway.send({"text": "x"})
        stub.script = [(400, "bad"), (503, "busy")]
        with pytest.raises(NotifyError) as bad:
            gateway.send({"phone": "1", "text": "x"})
        with pytest.raises(NotifyError) as busy:
            gateway.send({"phone": "1", "text": "x"})
    assert (no_phone.value.retryable, bad.value.retryable, busy.value.retryable) == (False, False, True)
    assert len(stub.requests) == 2


def test_connection_refused_is_retryable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(NotifyError) as err:
        WeComRobot(f"http://127.0.0.1:{port}/x", timeout=1).send({"text": "x"})
    assert err.value.retryable


def test_adapters_from_settings_only_configured_channels() -> None:
    adapters = adapters_from_settings({"dingtalk": {"webhook": "http://127.0.0.1:1/r", "secret": "s"}, "sms": {}})
    assert sorted(adapters) == ["dingtalk"]


def test_backoff_doubles_and_caps() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20) == timedelta(hours=1)


def _rows(engine: Engine) -> list[OutboxMessage]:
    with session_factory(engine)() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_outbox_dedupes_retries_with_backoff_and_sends_once(engine: Engine) -> None:
    with session_factory(engine)() as s, s.begin():
        assert enqueue(s, "wecom", "pay_sms:o1", {"text": "a"}, T0) is True
        assert enqueue(s, "wecom", "pay_sms:o1", {"text": "b"}, T0) is False
    with http_stub() as stub:
        stub.script = [(500, "down"), (502, "down"), (200, '{"errcode":0}')]
        adapters = {"wecom": WeComRobot(f"{stub.url}/send?key=k")}
        first = dispatch_outbox(engine, adapters, now=T0)
        assert (first.sent, first.retried) == (0, 1)
        (row,) = _rows(engine)
        assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, T0 + timedelta(seconds=30))
        assert dispatch_outbox(engine, adapters, now=T0 + timedelta(seconds=29)).retried == 0  # not due yet
        dispatch_outbox(engine, adapters, now=T0 + timedelta(seconds=30))
        (row,) = _rows(engine)
        assert (row.attempts, row.next_attempt_at) == (2, T0 + timedelta(seconds=90))
        done = dispatch_outbox(engine, adapters, now=T0 + timedelta(seconds=90))
        again = dispatch_outbox(engine, adapters, now=T0 + timedelta(days=1))
    assert (done.sent, again.sent, again.retried) == (1, 0, 0)
    assert len(stub.requests) == 3
    assert [r.json() for r in stub.requests] == [{"msgtype": "text", "text": {"content": "a"}}] * 3
    (row,) = _rows(engine)
    assert (row.status, row.attempts, row.sent_at, row.last_error) == ("sent", 3, T0 + timedelta(seconds=90), "")


def test_outbox_gives_up_after_max_attempts_and_on_permanent_errors(engine: Engine) -> None:
    with session_factory(engine)() as s, s.begin():
        enqueue(s, "wecom", "k-retry", {"text": "a"}, T0)
        enqueue(s, "sms", "k-perm", {"text": "no phone"}, T0)
        enqueue(s, "dingtalk", "k-none", {"text": "no adapter"}, T0)
    with http_stub() as stub:
        stub.script = [(503, "busy")]
        adapters = {"wecom": WeComRobot(f"{stub.url}/send?key=k"), "sms": SmsGateway(f"{stub.url}/sms")}
        when = T0
        for _ in range(3):
            dispatch_outbox(engine, adapters, now=when, max_attempts=3)
            when += timedelta(hours=2)
    status = {r.dedupe_key: (r.status, r.attempts) for r in _rows(engine)}
    assert status == {"k-retry": ("failed", 3), "k-perm": ("failed", 1), "k-none": ("failed", 1)}
    assert len(stub.requests) == 3  # only the retryable one reached the server, three times
    with session_factory(engine)() as s, s.begin():
        assert retry_failed(s, "k-retry", when) is True
        assert retry_failed(s, "missing", when) is False
    assert {r.dedupe_key: r.status for r in _rows(engine)}["k-retry"] == "pending"


def test_two_dispatchers_racing_send_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from kefu.service.duty import store

    with session_factory(engine)() as s, s.begin():
        enqueue(s, "wecom", "pay_sms:o1", {"text": "a"}, T0)
    claim, raced = store.claim_outbox, []
    with http_stub() as stub:
        adapters = {"wecom": WeComRobot(f"{stub.url}/send?key=k")}

        def claim_while_another_dispatches(session, now):  # type: ignore[no-untyped-def]
            row = claim(session, now)
            if row is not None and not raced:
                raced.append(1)
                raced.append(dispatch_outbox(engine, adapters, now=now).sent)  # the other worker
            return row

        monkeypatch.setattr(store, "claim_outbox", claim_while_another_dispatches)
        ours = dispatch_outbox(engine, adapters, now=T0)
    # PostgreSQL: the other worker skips our locked row; SQLite: it wins and our guarded claim sees that
    assert raced[1] + ours.sent == 1
    assert len(stub.requests) == 1
    (row,) = _rows(engine)
    assert (row.status, row.attempts) == ("sent", 1)
