"""The event kinds of the plan area and one writer per kind (through :func:`kefu.service.events.append`)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from kefu.service import events


class PlanEvent(StrEnum):
    ROSTER_RULES_SAVED = "rules.roster_saved"
    ROSTER_FAIRNESS_SAVED = "rules.roster_fairness_saved"
    ROSTER_CONTRACT_SAVED = "roster.contract_saved"
    ROSTER_MONTH_PLANNED = "roster.month_planned"
    ROSTER_CELL_SET = "roster.cell_set"


def month_subject(shop_id: str, month: str) -> str:
    """The subject a month's plan and its hand edits share: ``roster:<shop>:<YYYY-MM>``."""
    return f"roster:{shop_id}:{month}"


def roster_rules_saved(session: Session, *, shop_id: str, by: str, at: datetime, version: int,
                       rules: dict[str, float]) -> None:  # fmt: skip
    """A new version of the shop's roster rules (the rule editor): subject ``rules:roster:<shop>``."""
    events.append(session, PlanEvent.ROSTER_RULES_SAVED, subject=f"rules:roster:{shop_id}", ts=at, shop_id=shop_id,
                  actor=by, data={"version": version, **rules})  # fmt: skip


def roster_fairness_saved(session: Session, *, shop_id: str, by: str, at: datetime, version: int,
                          doc: dict[str, Any]) -> None:  # fmt: skip
    """A new version of the shop's fairness tolerances and rotation (the roster page)."""
    events.append(session, PlanEvent.ROSTER_FAIRNESS_SAVED, subject=f"rules:roster_fairness:{shop_id}", ts=at,
                  shop_id=shop_id, actor=by, data={"version": version, **doc})  # fmt: skip


def roster_contract_saved(session: Session, *, shop_id: str, agent_id: str, by: str, at: datetime,
                          doc: dict[str, Any]) -> None:  # fmt: skip
    """An agent's contract (days and hours a month) changed on the roster page."""
    events.append(session, PlanEvent.ROSTER_CONTRACT_SAVED, subject=f"contract:{agent_id}", ts=at, shop_id=shop_id,
                  agent_id=agent_id, actor=by, data=doc)  # fmt: skip


def roster_month_planned(session: Session, *, shop_id: str, month: str, by: str, at: datetime,
                         data: dict[str, Any]) -> None:  # fmt: skip
    """A month planned and stored (coverage, bound, gap, the cells it changed): the page's plan summary."""
    events.append(session, PlanEvent.ROSTER_MONTH_PLANNED, subject=month_subject(shop_id, month), ts=at,
                  shop_id=shop_id, actor=by, data=data)  # fmt: skip


def roster_cell_set(session: Session, *, shop_id: str, agent_id: str, day: str, shift: str, before: str, by: str,
                    at: datetime) -> None:  # fmt: skip
    """A supervisor's hand edit of one cell ("" = rest day)."""
    events.append(session, PlanEvent.ROSTER_CELL_SET, subject=month_subject(shop_id, day[:7]), ts=at,
                  shop_id=shop_id, agent_id=agent_id, actor=by, data={"date": day, "before": before, "after": shift})
