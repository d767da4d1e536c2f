"""Which KPI scheme scores a month: the newest edited version valid then, else the shipped scheme.

Shared by pay (:mod:`.actions_pay`) and the scheme editor (:mod:`.actions_kpi`), so the
grades the editor previews are the grades the workbook and payslips use.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from kefu.credit.kpi import Scheme, parse_scheme, pick_version, shipped_scheme, shipped_scheme_doc
from kefu.service import versions
from kefu.store.models.org import RuleVersion

KIND = "kpi"


def stored_scheme(row: RuleVersion) -> Scheme:
    """A saved version as a Scheme; its number and month are the row's (the store numbers versions)."""
    return parse_scheme(_doc(row))


def _doc(row: RuleVersion) -> dict[str, Any]:
    return {**row.doc, "name": row.scope, "version": row.version, "valid_from": row.valid_from}


def resolve_scheme(session: Session, name: str, month: str) -> Scheme:
    """The newest saved version of ``name`` valid in ``month``; none → the shipped scheme of that name."""
    valid = [stored_scheme(r) for r in versions.history(session, KIND, name) if r.valid_from <= month]
    return pick_version(valid, month) if valid else shipped_scheme(name)


def current_doc(session: Session, name: str) -> tuple[dict[str, Any], RuleVersion | None]:
    """The newest document of ``name`` (saved, else shipped) and its row (None: shipped)."""
    row = versions.latest(session, KIND, name)
    return (_doc(row), row) if row is not None else (shipped_scheme_doc(name), None)
