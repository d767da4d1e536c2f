"""The public web chat (``/chat``): who a visitor is, what they may read, how often they may write.

Identity: on a visitor's first visit the server issues a signed token (itsdangerous,
salted with ``kefu-webchat``) naming a random visitor id; the conversation's buyer key
is ``web-<id>``. The nickname the visitor types is only a display name
(``Conversation.buyer_name``): typing a real buyer's nickname no longer makes the
visitor that buyer (sticky routing, their orders in the agent's view). No order is ever
looked up from a self-declared name, because the buyer key never is one.

Bot: in a shop whose bot mode sends the chat to the FAQ bot, each message gets the bot's
turn (:mod:`kefu.service.live.actions_bot_chat`): its answer, or its hand-over line.

Rate limits (this process; the dashboard, which serves /chat, runs as one process):
per token and per client address, sliding windows for messages and for new
conversations. Over a limit: ``RATE_LIMITED``, nothing stored.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session

from kefu.config import get_settings
from kefu.domain.errors import ErrorCode, KefuError, bad_argument
from kefu.service.live import actions, actions_bot_chat
from kefu.service.live import actions_reads as overview

VISITOR_PREFIX = "web-"
MAX_TEXT = 2000
MAX_NAME = 40
# (events allowed, window seconds): per visitor token, per client address
MESSAGE_LIMITS = {"token": (20, 60.0), "address": (60, 60.0)}
OPEN_LIMITS = {"token": (5, 600.0), "address": (30, 600.0)}


def _serializer() -> URLSafeSerializer:
    """Signs with the session key: a token is as hard to forge as a session cookie."""
    key = get_settings().secret_key
    if not key:  # never sign with an empty key (a forgeable identity)
        raise RuntimeError("no session key to sign web-chat tokens / 没有签名密钥")
    return URLSafeSerializer(key, salt="kefu-webchat")


def issue_token() -> str:
    """A new visitor's signed token (first visit)."""
    return str(_serializer().dumps({"v": secrets.token_hex(8)}))


def visitor_of(token: str | None) -> str | None:
    """The buyer key of a signed token (``web-…``), or None when missing, forged or for another key."""
    if not token:
        return None
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    v = data.get("v") if isinstance(data, dict) else None
    return f"{VISITOR_PREFIX}{v}" if isinstance(v, str) and len(v) == 16 and v.isalnum() else None


def token_or_new(token: str | None) -> str:
    """The visitor's token if it is genuine, else a new one (the page keeps it in the browser's storage)."""
    return token if token is not None and visitor_of(token) is not None else issue_token()


class SlidingWindow:
    """At most ``limit`` events per ``seconds`` per key (monotonic clock; memory bounded by pruning)."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= self.seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle keys
                for k in [k for k, v in self._hits.items() if not v or now - v[-1] >= self.seconds]:
                    del self._hits[k]
            return True


@dataclass
class Limits:
    messages: dict[str, SlidingWindow]
    opens: dict[str, SlidingWindow]

    @classmethod
    def default(cls) -> Limits:
        return cls({k: SlidingWindow(*v) for k, v in MESSAGE_LIMITS.items()},
                   {k: SlidingWindow(*v) for k, v in OPEN_LIMITS.items()})


LIMITS = Limits.default()


def _check(windows: dict[str, SlidingWindow], visitor: str, address: str) -> None:
    if not (windows["token"].allow(visitor) and windows["address"].allow(address or "?")):
        raise KefuError(ErrorCode.RATE_LIMITED, "发送太频繁, 请稍后再试", "too many messages, please wait a moment")


@dataclass(frozen=True)
class Sent:
    conversation_id: int
    opened: bool  # a new conversation was opened by this message


def send(session: Session, *, token: str, address: str, shop: str, name: str, text: str,
         conversation_id: int | None, limits: Limits = LIMITS) -> Sent:
    """A visitor's message: into their open conversation, or a new one under their server-issued id."""
    visitor = visitor_of(token)
    if visitor is None:
        raise KefuError(ErrorCode.UNAUTHORIZED, "会话已失效, 请刷新页面", "chat session expired, please reload")
    text = text.strip()
    if not text:
        raise bad_argument("text", "消息不能为空", "message is empty")
    if len(text) > MAX_TEXT:
        raise bad_argument("text", f"消息最长 {MAX_TEXT} 字", f"at most {MAX_TEXT} characters")
    conv = _own(session, visitor, conversation_id)
    _check(limits.messages, visitor, address)
    if conv is not None and conv["status"] != "closed":
        actions.post_message(session, int(conv["id"]), "in", text)
        sent = Sent(int(conv["id"]), False)
    else:
        _check(limits.opens, visitor, address)
        display = name.strip()[:MAX_NAME] or f"访客{visitor[-4:]}"
        opened = actions.open_conversation(session, shop, visitor, text=text, channel="web", buyer_name=display)
        sent = Sent(int(opened["id"]), True)
    actions_bot_chat.bot_turn(session, sent.conversation_id, text)  # bot_first / mixed: the bot answers or hands over
    return sent


def _own(session: Session, visitor: str, conversation_id: int | None) -> dict[str, Any] | None:
    if conversation_id is None:
        return None
    try:
        return overview.conversation_messages(session, conversation_id, buyer=visitor)
    except KefuError:
        return None


def thread(session: Session, *, token: str | None, conversation_id: int | None) -> dict[str, Any] | None:
    """The visitor's own conversation (messages oldest first), or None: never anyone else's."""
    visitor = visitor_of(token)
    if visitor is None:
        return None
    return _own(session, visitor, conversation_id)
