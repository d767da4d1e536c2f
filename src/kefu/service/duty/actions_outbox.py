"""The notification outbox: enqueue once, send at most once, retry with backoff.

Rules and escalations never call a gateway directly. They add an
``OutboxMessage`` in the same transaction as the timer or task change that
caused it, keyed by ``dedupe_key`` (e.g. ``pay_sms:<order>``) which is
unique, so a rule re-run cannot queue a second SMS. The dispatcher claims
one due row at a time (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any
number of workers share the queue; SQLite runs one worker), sends it and
marks it sent in that same transaction. A failure raises the attempt count
and pushes ``next_attempt_at`` back exponentially; after ``max_attempts``, or
at once for errors a retry cannot fix, the row is ``failed`` for a person to
look at. The one gap left is a crash between the gateway's acceptance and
our commit; the SMS gateway receives the dedupe key (``{key}``) so vendors
that support idempotency ids close it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from kefu.domain.timeutil import utc_now
from kefu.duty.notify import Notifier, NotifyError, adapters_from_settings
from kefu.service.duty import store
from kefu.store.db import session_factory
from kefu.store.models.duty import OutboxMessage
from kefu.store.models.org import Shop

BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
MAX_ATTEMPTS = 6


def backoff(attempts: int, base: timedelta = BASE_DELAY, cap: timedelta = MAX_DELAY) -> timedelta:
    """Wait before attempt ``attempts + 1``: base, 2×base, 4×base … capped."""
    delay: timedelta = base * (2 ** max(0, attempts - 1))
    return delay if delay < cap else cap


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


AdapterSource = Callable[[Session, OutboxMessage], Notifier | None]


def shop_adapters(session: Session, message: OutboxMessage) -> Notifier | None:
    """The adapter for a message's channel from its shop's ``settings["notify"]``."""
    shop_id = (message.payload or {}).get("shop_id")
    shop = session.get(Shop, shop_id) if shop_id else None
    config = (shop.settings or {}).get("notify", {}) if shop is not None else {}
    return adapters_from_settings(config).get(message.channel)


def dispatch_outbox(
    engine: Engine,
    adapters: Mapping[str, Notifier] | AdapterSource | None = None,
    *,
    now: datetime | None = None,
    batch: int = 50,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: timedelta = BASE_DELAY,
) -> DispatchReport:
    """Send up to ``batch`` due messages, one transaction each (claim, send, mark)."""
    report = DispatchReport()
    factory = session_factory(engine)
    for _ in range(batch):
        with factory() as session, session.begin():
            when = now or utc_now()
            message = store.claim_outbox(session, when)
            if message is None:
                break
            # PostgreSQL: already locked. SQLite: this write takes the database lock, and a row
            # another dispatcher sent since we read it no longer matches, so it is not sent twice.
            guard = (update(OutboxMessage)
                     .where(OutboxMessage.id == message.id, OutboxMessage.status == "pending",
                            OutboxMessage.attempts == message.attempts)
                     .values(status="sending"))
            if session.execute(guard).rowcount != 1:  # type: ignore[attr-defined]
                continue
            if adapters is None:
                adapter = shop_adapters(session, message)
            elif callable(adapters):
                adapter = adapters(session, message)
            else:
                adapter = adapters.get(message.channel)
            message.attempts += 1
            try:
                if adapter is None:
                    raise NotifyError(f"no adapter configured for {message.channel}", retryable=False)
                adapter.send(message.payload or {})
            except NotifyError as exc:
                message.last_error = str(exc)[:1000]
                report.errors.append(f"{message.dedupe_key}: {exc}")
                if exc.retryable and message.attempts < max_attempts:
                    message.status = "pending"
                    message.next_attempt_at = when + backoff(message.attempts, base_delay)
                    report.retried += 1
                else:
                    message.status = "failed"
                    report.failed += 1
                continue
            message.status = "sent"
            message.sent_at = when
            message.last_error = ""
            report.sent += 1
    return report


def retry_failed(session: Session, dedupe_key: str, now: datetime | None = None) -> bool:
    """Put a failed message back in the queue after a person fixed the cause (e.g. the webhook)."""
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    if message is None or message.status != "failed":
        return False
    message.status, message.attempts, message.next_attempt_at = "pending", 0, now or utc_now()
    return True
