"""The roster rule editor: rest days a month, longest run of working days, rest between shifts.

The shop's newest saved version (:mod:`kefu.service.versions`) is what checking a hand-edited
roster and solving from the shop's data use; nothing saved → the engine's defaults (4 / 6 / 10 h).
A save is validated whole (bilingual errors naming the field), stored as the next version and
written as one ``rules.roster_saved`` event.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument, not_found
from kefu.domain.timeutil import utc_now
from kefu.plan.roster.types import Rules
from kefu.service import versions
from kefu.service.plan import events
from kefu.service.plan.schemas import RosterRulesIn, RosterRulesOut
from kefu.store.models.org import Shop

KIND = "roster"
_FIELDS = {"rest_days_per_month": ("每月休息天数", "0–31"), "max_consecutive": ("最多连续上班天数", "1–62"),
           "min_rest_hours": ("两班之间最少休息小时", "0–48")}  # fmt: skip


def _shop(session: Session, shop_id: str) -> str:
    if not shop_id or session.get(Shop, shop_id) is None:
        raise not_found("店铺 / shop", shop_id)
    return shop_id


def shop_rules(session: Session, shop_id: str) -> Rules:
    """The rules the shop's rosters are checked and solved with."""
    row = versions.latest(session, KIND, shop_id)
    return Rules(**row.doc) if row is not None else Rules()


def roster_rules(session: Session, shop_id: str) -> RosterRulesOut:
    rules = shop_rules(session, _shop(session, shop_id))
    return RosterRulesOut(shop_id=shop_id, rest_days_per_month=rules.rest_days_per_month,
                          max_consecutive=rules.max_consecutive, min_rest_hours=rules.min_rest_hours,
                          **versions.version_out(versions.latest(session, KIND, shop_id)))  # fmt: skip


def save_roster_rules(session: Session, shop_id: str, values: dict[str, object], *, by: str,
                      now: datetime | None = None) -> RosterRulesOut:  # fmt: skip
    """Validate the three rules, then store them as the shop's next version with the audit event."""
    _shop(session, shop_id)
    try:
        checked = RosterRulesIn.model_validate(values)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else "rules"
        zh, allowed = _FIELDS.get(field, (field, ""))
        raise bad_argument(field, f"{zh} 应在 {allowed} 之间", f"{field} must be within {allowed}") from exc
    doc = checked.model_dump()
    when = now or utc_now()
    row = versions.add(session, KIND, shop_id, doc, by=by, at=when)
    events.roster_rules_saved(session, shop_id=shop_id, by=by, at=when, version=row.version, rules=doc)
    return RosterRulesOut(shop_id=shop_id, **doc, **versions.version_out(row))
