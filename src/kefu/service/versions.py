"""The one reader and writer of versioned rule documents (``RuleVersion`` rows).

Follow-up rules (duty), KPI schemes (credit) and roster rules (plan) are edited in the
dashboard; each area validates its document with its own engine parser and then stores
it here as the next version. Nothing is rewritten: version n stays as it was saved.
Two editors saving at once: the unique (kind, scope, version) makes the second one fail
with a conflict instead of silently overwriting the first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError, bad_argument
from kefu.store.models.org import RuleVersion


def latest(session: Session, kind: str, scope: str) -> RuleVersion | None:
    """The newest saved version, or None when nothing was saved (the shipped defaults apply)."""
    return session.scalars(select(RuleVersion).where(RuleVersion.kind == kind, RuleVersion.scope == scope)
                           .order_by(RuleVersion.version.desc()).limit(1)).first()  # fmt: skip


def history(session: Session, kind: str, scope: str) -> list[RuleVersion]:
    """Every saved version, newest first."""
    return list(session.scalars(select(RuleVersion).where(RuleVersion.kind == kind, RuleVersion.scope == scope)
                                .order_by(RuleVersion.version.desc())))  # fmt: skip


def add(session: Session, kind: str, scope: str, doc: dict[str, Any], *, by: str, at: datetime,
        valid_from: str = "") -> RuleVersion:  # fmt: skip
    """Store ``doc`` (already validated by the caller) as the next version of (kind, scope)."""
    if _has_nul(doc):
        raise bad_argument("doc", "规则中含有非法字符 (NUL)", "the rules contain a NUL character")
    top = session.scalar(select(func.max(RuleVersion.version)).where(RuleVersion.kind == kind,
                                                                     RuleVersion.scope == scope))  # fmt: skip
    row = RuleVersion(kind=kind, scope=scope, version=int(top or 0) + 1, valid_from=valid_from, doc=doc,
                      saved_at=at, saved_by=by[:64])  # fmt: skip
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise KefuError(ErrorCode.CONFLICT, "规则刚被他人修改, 请刷新后重试",
                        "the rules were just changed by someone else; reload and retry",
                        {"kind": kind, "scope": scope}) from exc  # fmt: skip
    return row


def _has_nul(value: Any) -> bool:
    """True when any string in the nested document holds NUL (PostgreSQL cannot store it)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def version_out(row: RuleVersion | None) -> dict[str, Any]:
    """A version's stamp for the Out models; version 0 = nothing saved, the shipped defaults."""
    if row is None:
        return {"version": 0, "valid_from": "", "saved_at": "", "saved_by": ""}
    return {"version": row.version, "valid_from": row.valid_from, "saved_at": row.saved_at.isoformat(),
            "saved_by": row.saved_by}
