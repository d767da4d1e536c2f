"""Webhook deliveries applied once: a replayed or retried signed event is acknowledged and ignored.

The signature proves who sent a body, not that it is new: a captured request
would verify again. Senders put a unique event ``id`` inside the signed body;
the first request with a given (source, id) is applied, later ones are not.
The row is written in the same transaction as the event it guards, so an
event that fails is not remembered and its retry is applied.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kefu.domain.timeutil import utc_now
from kefu.store.models.live import WebhookDelivery


def first_delivery(session: Session, source: str, delivery_id: str, now: datetime | None = None) -> bool:
    """Remember (source, id); False when it was already applied (or is being applied by a concurrent request).

    ``ON CONFLICT DO NOTHING``: a concurrent duplicate waits for the first
    transaction and then sees the conflict, instead of failing with an error.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = WebhookDelivery.__table__
    stmt = dialect.insert(table).values(source=source, delivery_id=delivery_id, received_at=now or utc_now())
    stmt = stmt.on_conflict_do_nothing(index_elements=["source", "delivery_id"]).returning(table.c.source)
    return session.execute(stmt).first() is not None  # a row back = this request inserted it
