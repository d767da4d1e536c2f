"""Credit events: what the audit trail and the dashboards read when an order's credit changes.

One keyword-only function per kind, each writing through :func:`kefu.service.events.append`.
A recomputation that changes nothing writes nothing, so a re-run is silent.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from kefu.service import events


class CreditEvent(StrEnum):
    ORDER_CREDITED = "order.credited"
    KPI_SCHEME_SAVED = "kpi_scheme.saved"
    CLAIM_CONVENTION_SET = "claims.convention_set"


def order_credited(
    session: Session,
    *,
    order_id: str,
    shop_id: str | None,
    credited_agent: str,
    previous_agent: str | None,
    order_agent: str,
    payment_agent: str,
    silent: bool,
    rule: str,
) -> None:
    """An order credited for the first time, or credited to someone else than before."""
    events.append(
        session, CreditEvent.ORDER_CREDITED, subject=f"order:{order_id}", shop_id=shop_id,
        agent_id=credited_agent or None,
        data={"credited_agent": credited_agent, "previous_agent": previous_agent, "order_agent": order_agent,
              "payment_agent": payment_agent, "silent": silent, "rule": rule},
    )  # fmt: skip


def kpi_scheme_saved(session: Session, *, name: str, version: int, valid_from: str, by: str, at: datetime,
                     thresholds: list[list[str]]) -> None:  # fmt: skip
    """A new version of a KPI scheme (the scheme editor): subject ``kpi_scheme:<name>``."""
    events.append(session, CreditEvent.KPI_SCHEME_SAVED, subject=f"kpi_scheme:{name}", ts=at, actor=by,
                  data={"version": version, "valid_from": valid_from, "thresholds": thresholds})  # fmt: skip


def claim_convention_set(session: Session, *, shop_id: str, prefix: str, flag: str, by: str) -> None:
    """How a shop writes claims in 订单备注 changed (prefix '' = the shop has no claims)."""
    events.append(session, CreditEvent.CLAIM_CONVENTION_SET, subject=f"shop:{shop_id}", shop_id=shop_id, actor=by,
                  data={"prefix": prefix, "flag": flag})  # fmt: skip
