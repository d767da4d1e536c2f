"""A read whose database connection died is run once more (issue 15, hole 16).

Why: after PostgreSQL drops its connections (a restart, a failover), the pool
finds most dead ones before use (:func:`kefu.store.db.closed_by_server`), but
one that dies while a request uses it fails that request. A ``GET`` or ``HEAD``
changes nothing, so running it again on a fresh connection is safe (the pool has
already thrown the dead ones away); a write is never repeated, since whether it
took effect is unknown. Only a failure before the response started is retried.
"""

from __future__ import annotations

import logging

from starlette.types import Receive, Scope, Send

from kefu.api.layer import HttpLayer, Sent
from kefu.store.db import is_disconnect

log = logging.getLogger("kefu.api")
READS = ("GET", "HEAD")


class RetryReads(HttpLayer):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in READS:
            await self.app(scope, receive, send)
            return
        sent = Sent(send)
        try:
            await self.app(scope, receive, sent)
        except Exception as exc:
            if sent.started or not is_disconnect(exc):
                raise
            log.warning("database connection lost during %s %s; running it again", scope["method"], scope["path"])
            await self.app(scope, receive, send)
