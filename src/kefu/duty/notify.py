"""Notification adapters behind one interface: SMS gateway, DingTalk and WeCom group robots.

The outbox (``kefu.service.duty.actions_outbox``) decides *when* and *whether* to send;
adapters only know *how*. Each adapter's ``send`` either returns or raises
``NotifyError`` saying whether a retry may help (timeouts, 5xx, 429 and
robot rate limits) or not (a 4xx, a missing phone number): retrying a
request the gateway has rejected only burns SMS credit and gets the robot
muted.

Request formats are the vendors' documented ones:
- DingTalk custom robot: POST ``{"msgtype":"text","text":{"content":…}}`` to the
  webhook; with a secret, ``&timestamp=<ms>&sign=<urlencoded base64
  HMAC-SHA256(key=secret, msg="<ms>\\n<secret>")>`` is appended. Reply
  ``{"errcode":0}`` means sent.
- WeCom group robot: POST the same body shape to ``…/webhook/send?key=…``;
  reply ``{"errcode":0}``.
- SMS gateway: every vendor differs, so URL, method and parameters are
  settings; ``{phone}``, ``{text}`` and ``{key}`` (the dedupe key, for
  gateways that accept an idempotency id) are filled in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class NotifyError(Exception):
    """A failed send; ``retryable`` says whether the outbox should try again later."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Notifier(Protocol):
    channel: str

    def send(self, payload: Mapping[str, Any]) -> None:
        """Deliver one message or raise NotifyError."""


def _post(client: httpx.Client | None, method: str, url: str, timeout: float, **kwargs: Any) -> httpx.Response:
    try:
        if client is not None:
            return client.request(method, url, timeout=timeout, **kwargs)
        with httpx.Client(timeout=timeout) as own:
            return own.request(method, url, **kwargs)
    except httpx.HTTPError as exc:  # connection refused, timeout, bad URL …
        raise NotifyError(f"{type(exc).__name__}: {exc}", retryable=True) from exc


def _check_status(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise NotifyError(f"HTTP {response.status_code}: {response.text[:200]}",
                          retryable=response.status_code in RETRYABLE_STATUS)


def _check_errcode(response: httpx.Response) -> None:
    _check_status(response)
    try:
        body = response.json()
    except ValueError as exc:
        raise NotifyError(f"not JSON: {response.text[:200]}", retryable=True) from exc
    code = body.get("errcode") if isinstance(body, dict) else None
    if code != 0:
        message = body.get("errmsg", "") if isinstance(body, dict) else ""
        raise NotifyError(f"errcode {code}: {message}", retryable=True)


def text_body(content: str) -> dict[str, Any]:
    """The text message body both robots accept."""
    return {"msgtype": "text", "text": {"content": content}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature, already URL-encoded for the query string."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


@dataclass
class DingTalkRobot:
    webhook: str  # https://oapi.dingtalk.com/robot/send?access_token=…
    secret: str = ""
    timeout: float = 5.0
    client: httpx.Client | None = None
    clock_ms: Callable[[], int] = field(default=lambda: int(time.time() * 1000))
    channel: str = "dingtalk"

    def url(self) -> str:
        if not self.secret:
            return self.webhook
        ts = self.clock_ms()
        sep = "&" if "?" in self.webhook else "?"
        return f"{self.webhook}{sep}timestamp={ts}&sign={dingtalk_sign(self.secret, ts)}"

    def send(self, payload: Mapping[str, Any]) -> None:
        _check_errcode(_post(self.client, "POST", self.url(), self.timeout, json=text_body(str(payload["text"]))))


@dataclass
class WeComRobot:
    webhook: str  # https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…
    timeout: float = 5.0
    client: httpx.Client | None = None
    channel: str = "wecom"

    def send(self, payload: Mapping[str, Any]) -> None:
        _check_errcode(_post(self.client, "POST", self.webhook, self.timeout, json=text_body(str(payload["text"]))))


@dataclass
class SmsGateway:
    url: str
    params: Mapping[str, str] = field(default_factory=lambda: {"mobile": "{phone}", "content": "{text}"})
    method: str = "POST"  # POST sends form fields, GET sends a query string
    timeout: float = 5.0
    client: httpx.Client | None = None
    channel: str = "sms"

    def send(self, payload: Mapping[str, Any]) -> None:
        phone = str(payload.get("phone", ""))
        if not phone:
            raise NotifyError("no phone number for this order", retryable=False)
        values = {"phone": phone, "text": str(payload.get("text", "")), "key": str(payload.get("key", ""))}
        fields = {name: template.format(**values) for name, template in self.params.items()}
        if self.method.upper() == "GET":
            response = _post(self.client, "GET", self.url, self.timeout, params=fields)
        else:
            response = _post(self.client, "POST", self.url, self.timeout, data=fields)
        _check_status(response)


def adapters_from_settings(config: Mapping[str, Any], client: httpx.Client | None = None) -> dict[str, Notifier]:
    """Adapters configured in a shop's ``settings["notify"]``; unconfigured channels are absent.

    ``{"sms": {"url", "params", "method"}, "dingtalk": {"webhook", "secret"}, "wecom": {"webhook"}}``
    """
    out: dict[str, Notifier] = {}
    sms = config.get("sms") or {}
    if sms.get("url"):
        out["sms"] = SmsGateway(str(sms["url"]), dict(sms.get("params") or {"mobile": "{phone}", "content": "{text}"}),
                                str(sms.get("method", "POST")), client=client)
    ding = config.get("dingtalk") or {}
    if ding.get("webhook"):
        out["dingtalk"] = DingTalkRobot(str(ding["webhook"]), str(ding.get("secret", "")), client=client)
    wecom = config.get("wecom") or {}
    if wecom.get("webhook"):
        out["wecom"] = WeComRobot(str(wecom["webhook"]), client=client)
    return out
