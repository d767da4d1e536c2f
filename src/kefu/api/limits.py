"""Request body limits per route, enforced before and while the body is read (issue 15, hole 12).

Why here and not in each route: a route sees its body only after the framework
has read it whole. 100 MB posted to ``/auth/login`` (no login needed) grew a
worker by a GB before any check ran. This ASGI layer refuses a declared
``Content-Length`` above the route's limit without reading a byte, and counts
the bytes of a body sent without one (chunked): past the limit the read fails
with :class:`BodyTooLarge`, which the app answers 413. Either way the answer is
the bilingual error body and the connection closes (the rest of the body is
never read).
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import Message, Receive, Scope, Send

from kefu.api.layer import HttpLayer, Sent

KIB = 1024
MIB = 1024 * KIB
UPLOAD_MAX = 200 * MIB  # one export through POST /credit/import/{kind} or /imports/{orders,chats,calls}
DEFAULT_LIMIT = MIB  # any other JSON body (a chat message is at most ~30 KB)
# (path prefix, limit): the first match wins; the default covers every other route and page.
LIMITS: tuple[tuple[str, int], ...] = (
    ("/api/v1/auth/", 8 * KIB),  # a user name and a password, without login
    ("/api/v1/webhooks/", 256 * KIB),  # signed platform events, without login
    ("/api/v1/credit/import/", UPLOAD_MAX + MIB),  # the file plus its multipart envelope
    ("/api/v1/imports/", UPLOAD_MAX + MIB),  # the same files through the imports area's routes
    ("/api/v1/roster/", 16 * MIB),  # a roster problem carries up to 200 000 requirement rows
    ("/_nicegui/client/", 64 * MIB),  # the dashboard's upload (50 MB files, ui/pages/imports.py)
)


def limit_for(path: str) -> int:
    return next((limit for prefix, limit in LIMITS if path.startswith(prefix)), DEFAULT_LIMIT)


def too_large_body(limit: int) -> dict[str, object]:
    return {"code": "TOO_LARGE", "message": f"请求体过大 (上限 {limit} 字节)",
            "message_en": f"request body too large (limit {limit} bytes)", "details": {"limit": limit}}


class BodyTooLarge(HTTPException):
    """Raised by the counting ``receive``; an HTTPException so that FastAPI's body parsing passes it on."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, "request body too large", headers={"connection": "close"})
        self.limit = limit


async def refuse(send: Send, limit: int) -> None:
    body = json.dumps(too_large_body(limit), ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _declared(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyLimit(HttpLayer):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = limit_for(scope["path"])
        declared = _declared(scope)
        if declared is not None and declared > limit:
            await refuse(send, limit)
            return
        seen = 0
        sent = Sent(send)

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counted, sent)
        except BodyTooLarge:
            if sent.started:
                raise
            await refuse(send, limit)
