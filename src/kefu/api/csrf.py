"""Same-origin check for cookie-authenticated, state-changing API calls (CSRF defence).

A browser attaches the ``kefu_session`` cookie to any request, including one a
hostile page makes it send. So a POST/PUT/PATCH/DELETE under ``/api/v1`` that
carries a cookie and no ``Authorization: Bearer`` header must come from this
host: its ``Origin`` (or, when absent, ``Referer``) must name the same host and
port as the ``Host`` header, or it is rejected with 403 ``FORBIDDEN``.
Integrations send a bearer token and no cookie, so they are untouched. NiceGUI
events travel over the page's own websocket, not through these routes.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _origin_host(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.netloc.lower()


def is_cross_site(method: str, path: str, headers: dict[str, str], prefix: str = "/api/v1") -> bool:
    """True when the request must be refused (pure function, easy to test)."""
    if method.upper() not in UNSAFE or not path.startswith(prefix):
        return False
    if headers.get("authorization", "").lower().startswith("bearer "):
        return False
    if not headers.get("cookie"):
        return False  # nothing ambient to abuse: the caller is anonymous and gets 401 anyway
    host = headers.get("host", "").lower()
    source = headers.get("origin") or headers.get("referer") or ""
    if not source or source == "null":
        return True
    return _origin_host(source) != host


class SameOriginMiddleware:
    def __init__(self, app: ASGIApp, prefix: str = "/api/v1") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if not is_cross_site(scope["method"], scope["path"], headers, self.prefix):
            await self.app(scope, receive, send)
            return
        body = json.dumps({
            "code": "FORBIDDEN",
            "message": "跨站请求被拒绝: 请求来源与本站不一致",
            "message_en": "cross-site request refused: Origin/Referer does not match this host",
        }, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
