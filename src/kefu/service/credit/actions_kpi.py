"""The KPI scheme editor: items, weights, targets, thresholds or forced distribution, versions.

Saving validates the whole scheme (:func:`kefu.credit.kpi.check_editable`: bilingual
``KPI_SCHEME_INVALID`` naming the problem) before anything is written, then stores it as
the scheme's next version valid from its month, with one ``kpi_scheme.saved`` event.
Months before ``valid_from`` keep the version they had; pay, the workbook and the
editor's grade preview all read the scheme through :mod:`kefu.service.credit.schemes`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kefu.credit import metrics as mx
from kefu.credit.kpi import check_editable
from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import utc_now
from kefu.service import versions
from kefu.service.credit import events, schemes
from kefu.service.credit.schemas import KpiSchemeOut
from kefu.service.schemas import RuleVersionOut

# what the monthly figures carry: the credit catalogue plus survey satisfaction and attendance
METRICS = {*mx.BY_NAME, "csat", "attendance"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def _name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise bad_argument("name", "方案名只能用小写字母、数字和下划线 (≤32)",
                           "a scheme name is lower-case letters, digits and _ (≤32)")  # fmt: skip
    return name


def kpi_scheme(session: Session, name: str) -> KpiSchemeOut:
    """The scheme as the editor shows it: its newest document and every saved version."""
    doc, row = schemes.current_doc(session, _name(name))
    return _out(session, name, doc, row)


def _out(session: Session, name: str, doc: dict[str, Any], row: Any) -> KpiSchemeOut:
    saved = [RuleVersionOut(**versions.version_out(r)) for r in versions.history(session, schemes.KIND, name)]
    return KpiSchemeOut(name=name, doc=doc, versions=saved, metrics=sorted(METRICS),
                        **versions.version_out(row))  # fmt: skip


def save_kpi_scheme(session: Session, name: str, doc: dict[str, Any], *, by: str,
                    now: datetime | None = None) -> KpiSchemeOut:  # fmt: skip
    """Validate the whole scheme, then store it as ``name``'s next version with its audit event."""
    body = {k: v for k, v in doc.items() if k not in ("name", "version")}  # the store names and numbers it
    scheme = check_editable({**body, "name": _name(name)}, METRICS)
    when = now or utc_now()
    row = versions.add(session, schemes.KIND, name, body, by=by, at=when, valid_from=scheme.valid_from)
    events.kpi_scheme_saved(session, name=name, version=row.version, valid_from=scheme.valid_from, by=by, at=when,
                            thresholds=[[str(t), g] for t, g in scheme.thresholds])  # fmt: skip
    return _out(session, name, {**body, "name": name, "version": row.version}, row)
