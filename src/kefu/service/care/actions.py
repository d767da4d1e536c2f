"""Care use-cases of a shop's settings: the business hours in which ticket SLA clocks run, the bot's mode.

The other care use-cases are in ``actions_<topic>`` (tickets, surveys, books, templates, bot,
bot_mining); tickets and the bot read the settings through this module.
Per-shop settings live in ``Shop.settings["care"]``:
``{"open": "09:00", "close": "22:30", "open_on_rest_days": true,
"open_on_statutory": false, "calendar_overrides": {"2027-02-16": "rest"},
"sla": {"high": [60, 480]}, "bot_mode": "bot_first", "bot_threshold": 0.45, "bot_share_percent": 50}``
(SLA pairs are business minutes to first response and to resolution). ``bot_mode`` and
``bot_share_percent`` (mixed: the share of new chats the bot takes first) are also what the
buyer chat is routed by (:meth:`kefu.live.model.Policy.from_shop_settings`); unset, chats go to people.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.care import bot as botlib
from kefu.care import tickets as tk
from kefu.domain.errors import bad_argument, not_found
from kefu.store.models.org import Shop


def shop_ids(session: Session) -> list[str]:
    """Shops to pick from in the dashboard."""
    return [str(s) for s in session.scalars(select(Shop.id).order_by(Shop.id))]


def care_settings(session: Session, shop_id: str | None) -> dict[str, Any]:
    shop = session.get(Shop, shop_id) if shop_id else None
    raw = (shop.settings or {}).get("care", {}) if shop is not None else {}
    return dict(raw) if isinstance(raw, dict) else {}


def _hhmm(value: Any, default: time) -> time:
    try:
        return time.fromisoformat(str(value)) if value else default
    except ValueError as exc:
        raise bad_argument(
            "business_hours", f"时间格式应为 HH:MM: {value}", f"time must be HH:MM: {value}"
        ) from exc


def _hours_from(s: dict[str, Any]) -> tk.BusinessHours:
    overrides = s.get("calendar_overrides") or {}
    if not isinstance(overrides, dict):
        raise bad_argument("calendar_overrides", "应为 日期: 类型 的映射", "must map dates to day kinds")
    return tk.BusinessHours(
        open=_hhmm(s.get("open"), time(9, 0)),
        close=_hhmm(s.get("close"), time(22, 30)),
        open_on_rest_days=bool(s.get("open_on_rest_days", True)),
        open_on_statutory=bool(s.get("open_on_statutory", False)),
        calendar=tk.calendar_with_overrides(overrides),
    )


def business_hours(session: Session, shop_id: str | None) -> tk.BusinessHours:
    """The shop's service window and calendar, in which ticket SLA clocks run."""
    return _hours_from(care_settings(session, shop_id))


def set_care_settings(session: Session, shop_id: str, **values: Any) -> dict[str, Any]:
    """Merge care settings into the shop (business hours, bot mode/threshold); validated first."""
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise not_found("店铺 / shop", shop_id)
    merged = {**care_settings(session, shop_id), **{k: v for k, v in values.items() if v is not None}}
    if "bot_mode" in merged and merged["bot_mode"] not in {m.value for m in botlib.BotMode}:
        allowed = [m.value for m in botlib.BotMode]
        raise bad_argument(
            "bot_mode",
            f"未知模式 {merged['bot_mode']}",
            f"unknown mode {merged['bot_mode']}",
            allowed=allowed,
        )
    if "bot_threshold" in merged and not 0.0 <= float(merged["bot_threshold"]) <= 1.0:
        raise bad_argument("bot_threshold", "阈值应在 0 到 1 之间", "threshold must be between 0 and 1")
    if "bot_share_percent" in merged and not 0 <= int(merged["bot_share_percent"]) <= 100:
        raise bad_argument("bot_share_percent", "应在 0–100 之间", "must be within 0–100")
    _hours_from(merged)  # raises on a bad window or calendar override before anything is stored
    tk.SlaPolicy.from_settings(merged.get("sla"))
    shop.settings = {**(shop.settings or {}), "care": merged}
    session.flush()
    return merged


