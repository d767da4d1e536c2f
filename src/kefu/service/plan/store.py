"""The plan area's queries: conversations the forecast reads, stored forecasts, roster entries and shifts.

The roster's own reads and writes (:mod:`kefu.service.plan.roster`) are still beside its problem building.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from kefu.store.models.live import Conversation, Event
from kefu.store.models.plan import Forecast, RosterEntry, ShiftTemplate


def conversation_groups(session: Session, shop_id: str) -> list[str]:
    """The skill groups the shop's conversations were routed to."""
    return list(session.scalars(select(Conversation.group).where(Conversation.shop_id == shop_id).distinct()))


def opened_times(session: Session, shop_id: str, skill: str, lo: datetime, hi: datetime) -> list[datetime]:
    """When the shop's conversations (of one skill group, or all with "") were opened in [lo, hi)."""
    q = select(Conversation.opened_at).where(
        Conversation.shop_id == shop_id, Conversation.opened_at >= lo, Conversation.opened_at < hi
    )
    if skill:
        q = q.where(Conversation.group == skill)
    return list(session.scalars(q.order_by(Conversation.opened_at)))


def _forecast_window(shop_id: str, skill: str, model: str, lo: datetime, hi: datetime) -> list[ColumnElement[bool]]:
    return [Forecast.shop_id == shop_id, Forecast.skill == skill, Forecast.model == model,
            Forecast.interval_start >= lo, Forecast.interval_start < hi]  # fmt: skip


def delete_forecasts(session: Session, shop_id: str, skill: str, model: str, lo: datetime, hi: datetime) -> None:
    """Drop a stored forecast window before it is written again (a re-run replaces, never duplicates)."""
    session.execute(delete(Forecast).where(*_forecast_window(shop_id, skill, model, lo, hi)))


def forecasts(session: Session, shop_id: str, skill: str, model: str, lo: datetime, hi: datetime) -> list[Forecast]:
    """The stored forecast intervals of a window, in time order."""
    q = select(Forecast).where(*_forecast_window(shop_id, skill, model, lo, hi)).order_by(Forecast.interval_start)
    return list(session.scalars(q))


def shift_templates(session: Session, shop_id: str) -> list[ShiftTemplate]:
    return list(session.scalars(select(ShiftTemplate).where(ShiftTemplate.shop_id == shop_id)
                                .order_by(ShiftTemplate.start, ShiftTemplate.code)))


def working_entries(session: Session, shop_id: str, days: list[date], skill: str = "") -> list[RosterEntry]:
    """Roster entries with a shift (not rest days) on these days, of one skill or all with ""."""
    q = select(RosterEntry).where(RosterEntry.shop_id == shop_id, RosterEntry.day.in_(days), RosterEntry.shift_code != "")
    if skill:
        q = q.where(RosterEntry.skill == skill)
    return list(session.scalars(q))


def first_roster_day(session: Session, shop_id: str, start: date, days: int) -> date | None:
    """The first day in [start, start + days) the shop has a stored roster row for (None: nothing stored)."""
    return session.scalar(select(func.min(RosterEntry.day)).where(
        RosterEntry.shop_id == shop_id, RosterEntry.day >= start, RosterEntry.day < start + timedelta(days=days)))


def last_event(session: Session, kind: str, subject: str) -> Event | None:
    """The newest event of a kind about a subject (a month's last plan)."""
    return session.scalars(select(Event).where(Event.kind == kind, Event.subject == subject)
                           .order_by(Event.id.desc()).limit(1)).first()  # fmt: skip


def count_events(session: Session, kind: str, subject: str, after_id: int = 0) -> int:
    """Events of a kind about a subject written after event ``after_id`` (hand edits since a plan)."""
    return int(session.scalar(select(func.count()).select_from(Event).where(
        Event.kind == kind, Event.subject == subject, Event.id > after_id)) or 0)
