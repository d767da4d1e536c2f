"""What kefu's own ASGI layers share: pass everything but HTTP through, and watch what was sent.

The error boundary, the body limit and the read retry (:mod:`kefu.api.boundary`,
:mod:`kefu.api.limits`, :mod:`kefu.api.retry`) each decide what to do with a
failure by how much of the response already went out: nothing (answer it,
or run the request again), all of it (log it), or part of it (only closing the
connection can tell the client).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Sent:
    """A ``send`` that records whether the response started and whether its body is complete."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = self.complete = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            self.complete = True
        await self._send(message)


class HttpLayer:
    """An ASGI layer that handles HTTP requests in :meth:`http` and passes lifespan and websockets through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError
