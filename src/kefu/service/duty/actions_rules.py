"""The follow-up rule editor (催付, 核对地址, 退货, 中差评 as data): read, validate, save a new version.

A shop's rules are its newest saved version (:mod:`kefu.service.versions`), else its
``settings["duty"]["rules"]`` (older set-ups), else the shipped seed-003 defaults. Saving
validates the whole document with the engine's parser first (``RULE_INVALID`` names the
rule and field, bilingual), so nothing half-valid is stored; a save is a new version plus
one ``rules.followup_saved`` event. Timers already stored keep the rule they were born
with; orders scheduled after the save follow the new version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kefu.domain.errors import not_found
from kefu.domain.timeutil import utc_now
from kefu.duty.rules import RuleSet, default_rules_doc, parse_rules
from kefu.service import versions
from kefu.service.duty import events
from kefu.service.duty.schemas import FollowupRulesOut
from kefu.store.models.org import Shop

KIND = "followup"


def _shop(session: Session, shop_id: str) -> Shop:
    shop = session.get(Shop, shop_id) if shop_id else None
    if shop is None:
        raise not_found("店铺 / shop", shop_id)
    return shop


def stored_doc(session: Session, shop: Shop) -> dict[str, Any] | None:
    """The shop's own rule document (newest saved version, else its settings), or None for the defaults."""
    row = versions.latest(session, KIND, shop.id)
    if row is not None:
        return dict(row.doc)
    legacy = dict((shop.settings or {}).get("duty", {})).get("rules")
    if isinstance(legacy, list) and legacy:
        return {"rules": legacy}
    return legacy if isinstance(legacy, dict) and legacy else None


def parsed(doc: dict[str, Any] | None) -> RuleSet:
    return parse_rules(doc if doc is not None else default_rules_doc())


def followup_rules(session: Session, shop_id: str) -> FollowupRulesOut:
    """The rules the shop's timers follow now, with the version they come from (0 = shipped defaults)."""
    shop = _shop(session, shop_id)
    doc = stored_doc(session, shop) or default_rules_doc()
    stamp = versions.version_out(versions.latest(session, KIND, shop.id))
    return FollowupRulesOut(shop_id=shop.id, rules=list(doc["rules"]), **stamp)


def save_followup_rules(session: Session, shop_id: str, rules: list[dict[str, Any]], *, by: str,
                        now: datetime | None = None) -> FollowupRulesOut:  # fmt: skip
    """Validate the whole rule list, then store it as the shop's next version with its audit event."""
    shop = _shop(session, shop_id)
    doc = {"rules": rules}
    checked = parse_rules(doc)  # RULE_INVALID before anything is written
    when = now or utc_now()
    row = versions.add(session, KIND, shop.id, doc, by=by, at=when)
    events.followup_rules_saved(session, shop_id=shop.id, by=by, at=when, version=row.version,
                                rule_ids=[r.id for r in checked.rules])  # fmt: skip
    return FollowupRulesOut(shop_id=shop.id, rules=rules, **versions.version_out(row))
