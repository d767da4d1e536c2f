"""The KPI scheme editor: items, weights, targets, thresholds or forced distribution, versions.

Saving validates the whole scheme (:func:`kefu.credit.kpi.check_editable`: bilingual
``KPI_SCHEME_INVALID`` naming the problem) before anything is written, then stores it as
the scheme's next version valid from its month, with one ``kpi_scheme.saved`` event.
Months before ``valid_from`` keep the version they had; pay, the workbook and the
editor's grade preview all read the scheme through :mod:`kefu.service.credit.schemes`.
A suggestion reviews the thresholds against the shop's own month (:func:`grading_suggestion`);
the supervisor accepts it by saving, or keeps grading by forced distribution.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from kefu.credit import metrics as mx
from kefu.credit.kpi import SEED_004_SHARES, check_editable, parse_scheme, suggest_thresholds
from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import utc_now
from kefu.service import versions
from kefu.service.credit import events, schemes
from kefu.service.credit.actions_pay import month_pay
from kefu.service.credit.schemas import GradingSuggestionOut, KpiSchemeOut
from kefu.service.schemas import RuleVersionOut

# what the monthly figures carry: the credit catalogue plus survey satisfaction and attendance
METRICS = {*mx.BY_NAME, "csat", "attendance"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# what the editor offers when a supervisor switches to forced distribution (seed 004)
DEFAULT_DISTRIBUTION = [[g, str(share)] for g, share in SEED_004_SHARES]


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


def grading_suggestion(session: Session, name: str, month: str, doc: dict[str, Any] | None = None) -> GradingSuggestionOut:
    """Thresholds reviewed against the shop's own month: where the scheme's forced distribution
    (seed 004's 10/20/60/10 when it has none) would cut the month's scores (:func:`suggest_thresholds`).

    ``doc`` is the scheme as being edited (unsaved targets count); None = the version valid in ``month``.
    Agents on probation are not graded, so they do not count.
    """
    scheme = parse_scheme({**doc, "name": _name(name)}) if doc else schemes.resolve_scheme(session, _name(name), month)
    mp = month_pay(session, month, scheme)
    shares = scheme.distribution or SEED_004_SHARES
    totals = [s.total for s in mp.scores if not s.excluded]
    lines = suggest_thresholds(totals, shares)
    counts = {g: sum(1 for x in totals if _graded(x, lines) == g) for _, g in lines}
    return GradingSuggestionOut(month=mp.month, scheme=name, graded=len(totals),
                                shares=[[g, str(v)] for g, v in shares],
                                thresholds=[[str(t), g] for t, g in lines], counts=counts)  # fmt: skip


def _graded(total: Decimal, lines: tuple[tuple[Decimal, str], ...]) -> str:
    return next((g for t, g in lines if total >= t), "")


def adopt_suggestion(session: Session, name: str, month: str, *, by: str, valid_from: str | None = None,
                     now: datetime | None = None) -> KpiSchemeOut | None:  # fmt: skip
    """Save the scheme's current document with the thresholds suggested by ``month``'s scores as its next
    version, valid from ``valid_from`` (default: that month). None, nothing saved: nobody graded that month."""
    doc, _ = schemes.current_doc(session, _name(name))
    got = grading_suggestion(session, name, month, doc)
    if not got.thresholds:
        return None
    grades = {"by": "thresholds", "thresholds": got.thresholds,
              "distribution": (doc.get("grades") or {}).get("distribution") or got.shares}
    return save_kpi_scheme(session, name, {**doc, "valid_from": valid_from or month, "grades": grades}, by=by, now=now)
