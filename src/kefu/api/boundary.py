"""The outermost ASGI layer: an unhandled error is logged and answered, and the connection stays usable.

Why: Starlette's outermost middleware answers an unhandled exception with 500
and then *re-raises* it so that the server can log it. Uvicorn, seeing an
exception after the response started, closes the transport, so the next request
a client pool sends on that keep-alive connection was reset (issue 15, the
operator's path). The integration hot path (:mod:`kefu.api.integration`) sits in
front of Starlette and had no 500 of its own at all.

This layer wraps everything Uvicorn runs (:func:`kefu.api.app.served`):

* the app raised before answering: log it, answer the bilingual 500 body;
* it raised after a complete answer (Starlette's re-raise): log it, done;
* it raised half-way through a body: re-raise; only closing the connection can
  tell the client that the body it got is cut short.
"""

from __future__ import annotations

import json
import logging

from starlette.types import Receive, Scope, Send

from kefu.api.errors import internal_body
from kefu.api.layer import HttpLayer, Sent

log = logging.getLogger("kefu.api")


class ErrorBoundary(HttpLayer):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        sent = Sent(send)
        try:
            await self.app(scope, receive, sent)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if sent.started and not sent.complete:
                raise
            if not sent.started:
                body = json.dumps(internal_body(), ensure_ascii=False).encode()
                await send({"type": "http.response.start", "status": 500,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(body)).encode())]})
                await send({"type": "http.response.body", "body": body})
