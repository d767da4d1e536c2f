"""The one writer of event rows: every lifecycle change is appended here, nowhere else.

Each area declares its kinds in an enum in ``service/<area>/events.py`` (values are the
stored ``kind`` strings, dotted lower-case: ``conversation.assigned``, ``task.done``) and
one keyword-only function per kind that calls :func:`append`. Audit trail, dashboard
timelines and metrics all read the same rows, so a kind is never a free string.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from kefu.domain.timeutil import utc_now
from kefu.store.models.live import Event


def append(
    session: Session,
    kind: StrEnum,
    *,
    subject: str = "",
    ts: datetime | None = None,
    shop_id: str | None = None,
    agent_id: str | None = None,
    actor: str = "system",
    data: dict[str, Any] | None = None,
) -> None:
    """Append one event row in the caller's transaction (a single INSERT, no ORM identity map)."""
    session.execute(insert(Event).values(
        ts=ts or utc_now(), kind=kind.value, shop_id=shop_id or None, agent_id=agent_id or None,
        subject=subject[:128], actor=(actor or "system")[:64], data=data or {},
    ))  # fmt: skip
