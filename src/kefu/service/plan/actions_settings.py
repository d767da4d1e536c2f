"""A shop's forecast settings and report: its holiday calendar, its special days, the last model choice.

Why in ``Shop.settings["forecast"]``: the calendar is the shop's own (a shop in
Melbourne plans with AU-VIC, not 法定节假日), and special days (promotions,
双11 pre-sale nights, outages, price changes) are few, user-entered rows the
forecast reads as one-off events: the same name on several dates shares a
learned effect (its ratio to the normal day), and every special day is kept
out of what the ordinary days learn. The last run's model choice and its
backtest against the baselines are kept beside them for the forecast page.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument, not_found
from kefu.plan.backtest import AutoFold
from kefu.plan.events import DEFAULT_PROMOTIONS, OneOffEvent, PromotionCalendar
from kefu.plan.forecast_auto import AutoForecast
from kefu.plan.regions import DayCalendar, calendar_for, normalise_code
from kefu.store.models.org import Shop

KINDS = ("promotion", "presale", "outage", "price", "other")
MAX_SPECIAL_DAYS = 500


@dataclass(frozen=True)
class SpecialDay:
    day: date
    name: str  # days with the same name share one learned effect
    kind: str = "promotion"
    effect: float | None = None  # learned ratio to a normal day (filled in by the last forecast)


@dataclass(frozen=True)
class SelectionRow:
    name: str
    wape: float
    members: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FoldRow:
    fold: str
    chosen: str
    wape: float
    snaive: float
    avg4: float
    coverage80: float


@dataclass(frozen=True)
class ForecastReport:
    """What the forecast page shows about the last run for one skill."""

    start: str = ""
    chosen: str = ""
    members: list[str] = field(default_factory=list)
    selection: list[SelectionRow] = field(default_factory=list)
    folds: list[FoldRow] = field(default_factory=list)
    notes: list[list[str]] = field(default_factory=list)


@dataclass(frozen=True)
class ForecastSettings:
    calendar: str = "CN"
    special_days: list[SpecialDay] = field(default_factory=list)
    reports: dict[str, ForecastReport] = field(default_factory=dict)  # by skill ("" = all)


def _shop(session: Session, shop_id: str) -> Shop:
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise not_found("店铺/shop", shop_id)
    return shop


def settings(session: Session, shop_id: str) -> ForecastSettings:
    raw: dict[str, Any] = (_shop(session, shop_id).settings or {}).get("forecast", {})
    days = [
        SpecialDay(date.fromisoformat(d["day"]), d["name"], d.get("kind", "other"), d.get("effect"))
        for d in raw.get("special_days", [])
    ]
    reports = {
        skill: ForecastReport(
            r.get("start", ""),
            r.get("chosen", ""),
            list(r.get("members", [])),
            [SelectionRow(**x) for x in r.get("selection", [])],
            [FoldRow(**x) for x in r.get("folds", [])],
            [list(x) for x in r.get("notes", [])],
        )
        for skill, r in raw.get("reports", {}).items()
    }
    return ForecastSettings(raw.get("calendar", "CN"), sorted(days, key=lambda d: d.day), reports)


def _save(session: Session, shop_id: str, value: ForecastSettings) -> ForecastSettings:
    shop = _shop(session, shop_id)
    data = {
        "calendar": value.calendar,
        "special_days": [asdict(d) | {"day": d.day.isoformat()} for d in value.special_days],
        "reports": {k: asdict(r) for k, r in value.reports.items()},
    }
    shop.settings = {**(shop.settings or {}), "forecast": data}
    session.flush()
    return value


def set_calendar(session: Session, shop_id: str, code: str) -> ForecastSettings:
    """The shop's holiday calendar: CN, none, or a country (and state) code such as AU-VIC."""
    cur = settings(session, shop_id)
    return _save(session, shop_id, ForecastSettings(normalise_code(code), cur.special_days, cur.reports))


def set_special_day(session: Session, shop_id: str, day: date, name: str, kind: str) -> ForecastSettings:
    """Add (or rename / re-kind) the special day on ``day``."""
    text = name.strip()
    if not text or len(text) > 64:
        raise bad_argument("name", "名称须为 1–64 个字符", "name must be 1–64 characters")
    if kind not in KINDS:
        raise bad_argument("kind", f"类型须为 {', '.join(KINDS)}", f"kind must be one of {', '.join(KINDS)}")
    cur = settings(session, shop_id)
    kept = [d for d in cur.special_days if d.day != day]
    if len(kept) >= MAX_SPECIAL_DAYS:
        raise bad_argument(
            "day", f"特殊日最多 {MAX_SPECIAL_DAYS} 个", f"at most {MAX_SPECIAL_DAYS} special days"
        )
    days = sorted([*kept, SpecialDay(day, text, kind)], key=lambda d: d.day)
    return _save(session, shop_id, ForecastSettings(cur.calendar, days, cur.reports))


def remove_special_day(session: Session, shop_id: str, day: date) -> ForecastSettings:
    cur = settings(session, shop_id)
    days = [d for d in cur.special_days if d.day != day]
    if len(days) == len(cur.special_days):
        raise not_found("特殊日/special day", day.isoformat())
    return _save(session, shop_id, ForecastSettings(cur.calendar, days, cur.reports))


def calendars_of(value: ForecastSettings) -> tuple[DayCalendar | None, PromotionCalendar]:
    """The shop's holiday calendar and its promotions: the platform ones (CN shops) and its special days."""
    cal = calendar_for(value.calendar)
    one_off = tuple(OneOffEvent(f"special:{d.name}", d.name, d.day, 0, 0) for d in value.special_days)
    promos = DEFAULT_PROMOTIONS if value.calendar == "CN" else ()
    return cal, PromotionCalendar(promos, one_off)


def save_report(
    session: Session, shop_id: str, skill: str, report: ForecastReport, effects: dict[str, float]
) -> None:
    """Keep the last run's choice for the page, and each special day's learned effect."""
    cur = settings(session, shop_id)
    days = [SpecialDay(d.day, d.name, d.kind, effects.get(d.name, d.effect)) for d in cur.special_days]
    _save(session, shop_id, ForecastSettings(cur.calendar, days, {**cur.reports, skill: report}))


def report_of(start: date, auto: AutoForecast, folds: list[AutoFold]) -> ForecastReport:
    """The page's view of a run: the choice, the candidates' scores and the recent backtest folds.

    Folds or candidates without a score (no actual volume) are left out: NaN is not JSON.
    """
    return ForecastReport(
        start.isoformat(),
        auto.chosen,
        list(auto.members),
        [SelectionRow(c.name, c.wape, list(c.members)) for c in auto.table if c.wape == c.wape],
        [
            FoldRow(f.fold, f.chosen, f.wape, f.baselines["snaive"], f.baselines["avg4"], f.coverage80)
            for f in folds
            if f.wape == f.wape
        ],
    )
