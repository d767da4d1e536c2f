"""The event kinds of the plan area and one writer per kind (through :func:`kefu.service.events.append`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from kefu.service import events


class PlanEvent(StrEnum):
    ROSTER_RULES_SAVED = "rules.roster_saved"


def roster_rules_saved(session: Session, *, shop_id: str, by: str, at: datetime, version: int,
                       rules: dict[str, float]) -> None:  # fmt: skip
    """A new version of the shop's roster rules (the rule editor): subject ``rules:roster:<shop>``."""
    events.append(session, PlanEvent.ROSTER_RULES_SAVED, subject=f"rules:roster:{shop_id}", ts=at, shop_id=shop_id,
                  actor=by, data={"version": version, **rules})  # fmt: skip
