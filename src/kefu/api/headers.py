"""Security headers on every HTTP response: CSP, no framing, no sniffing, a same-origin referrer.

The policy is as strict as the NiceGUI dashboard allows: every script, style,
font, image and connection must come from this host (``'self'``). NiceGUI
renders each page with inline scripts and compiles Vue templates in the
browser, and Quasar sets inline styles, so ``'unsafe-inline'`` and
``'unsafe-eval'`` stay for scripts and styles; what the policy still stops is
loading code from, or sending data to, any other host, and being framed
(clickjacking). ``/docs`` (Swagger UI) is served from this host too
(:mod:`kefu.api.docs`), so one policy covers every page.

Applied in :func:`kefu.api.app.served`, the outermost layer, so API answers,
dashboard pages, static files, the live hot path and even a framework 500 all
carry the headers. A header the app already set is left alone.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
FIXED = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


HEADERS = [(b"content-security-policy", CSP.encode()), *FIXED]


class SecurityHeaders:
    """ASGI middleware adding :data:`HEADERS` to every HTTP response start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
