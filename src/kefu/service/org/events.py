"""Event kinds of the org area (sign-in, master data, privacy) and one writer per kind.

Every writer is keyword-only and goes through :func:`kefu.service.events.append`,
the one low-level writer, in the caller's transaction. Kinds follow the
``<area>.<what happened>`` style of :mod:`kefu.service.events`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from kefu.service.events import append


class OrgEvent(StrEnum):
    LOGIN_OK = "auth.login_ok"
    LOGIN_FAILED = "auth.login_failed"
    AGENT_CREATED = "agent.created"
    AGENT_UPDATED = "agent.updated"
    SHIFT_SAVED = "shift.saved"
    SHIFT_DELETED = "shift.deleted"
    PRIVACY_REVEALED = "privacy.revealed"
    PRIVACY_ERASED = "privacy.erased"
    RETENTION_SET = "privacy.retention_set"
    RETENTION_SWEPT = "privacy.retention_swept"


def _login_subject(username: str, address: str) -> str:
    return f"login:{username[:64]}|{address[:56]}"


def login_ok(session: Session, *, username: str, address: str, ts: datetime) -> None:
    append(session, OrgEvent.LOGIN_OK, subject=_login_subject(username, address), ts=ts, actor=username,
           data={"ip": address})


def login_failed(session: Session, *, username: str, address: str, ts: datetime) -> None:
    append(session, OrgEvent.LOGIN_FAILED, subject=_login_subject(username, address), ts=ts, actor=username,
           data={"ip": address})


def agent_saved(session: Session, *, agent_id: str, created: bool, actor: str, team: str, skills: list[str],
                capacity: int, active: bool) -> None:
    """``agent.created`` for a new agent, ``agent.updated`` for a change."""
    append(session, OrgEvent.AGENT_CREATED if created else OrgEvent.AGENT_UPDATED, subject=f"agent:{agent_id}",
           actor=actor, data={"team": team, "skills": skills, "capacity": capacity, "active": active})


def shift_saved(session: Session, *, shop_id: str, code: str, actor: str, start: str, end: str, night: bool,
                evening: bool) -> None:
    append(session, OrgEvent.SHIFT_SAVED, subject=f"shift:{shop_id}:{code}", actor=actor,
           data={"start": start, "end": end, "night": night, "evening": evening})


def shift_deleted(session: Session, *, shop_id: str, code: str, actor: str) -> None:
    append(session, OrgEvent.SHIFT_DELETED, subject=f"shift:{shop_id}:{code}", actor=actor)


def privacy_revealed(session: Session, *, subject: str, shop_id: str | None, actor: str, role: str, fields: int,
                     ts: datetime) -> None:
    append(session, OrgEvent.PRIVACY_REVEALED, subject=subject, shop_id=shop_id, actor=actor, ts=ts,
           data={"role": role, "fields": fields})


def privacy_erased(session: Session, *, pseudonym: str, shop_id: str, actor: str, rows: dict[str, int],
                   ts: datetime) -> None:
    """One per shop; the subject names the pseudonym, never the buyer's nickname."""
    append(session, OrgEvent.PRIVACY_ERASED, subject=f"buyer:{pseudonym}", shop_id=shop_id, actor=actor, ts=ts,
           data=rows)


def retention_set(session: Session, *, shop_id: str, actor: str, days: int | None, ts: datetime) -> None:
    append(session, OrgEvent.RETENTION_SET, subject=f"shop:{shop_id}", shop_id=shop_id, actor=actor, ts=ts,
           data={"days": days})


def retention_swept(session: Session, *, scope: str, actor: str, data: dict[str, Any], ts: datetime) -> None:
    """``scope`` is a shop id or ``*`` (every shop without its own retention)."""
    append(session, OrgEvent.RETENTION_SWEPT, subject=f"shop:{scope}", shop_id=None if scope == "*" else scope,
           actor=actor, ts=ts, data=data)
