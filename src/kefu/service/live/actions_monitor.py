"""The real-time monitor's figures, computed from rows (never from in-process state).

Reading the database rather than a worker's memory is what makes the monitor
right under any number of API workers; the dashboard pushes this snapshot.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from kefu.domain.timeutil import SHOP_TZ, local_midnight
from kefu.store.models.live import Conversation, Message
from kefu.store.models.org import Agent
from kefu.store.models.plan import Forecast

C = cast(Table, Conversation.__table__)
A = cast(Table, Agent.__table__)
M = cast(Table, Message.__table__)
RESPONSE_LIMIT_S = 180  # 3 分钟响应率


def _service_level(session: Session, now: datetime, since: datetime, sl_seconds: int) -> tuple[int, int]:
    """Conversations opened in the window that got an agent within ``sl_seconds`` (waiting ones count once late)."""
    rows = session.execute(select(C.c.opened_at, C.c.assigned_at, C.c.status)
                           .where(C.c.opened_at >= since, C.c.opened_at <= now, C.c.status != "bot")).all()
    offered = ok = 0
    for r in rows:
        waited = ((r.assigned_at or now) - r.opened_at).total_seconds()
        if r.assigned_at is None and waited < sl_seconds and r.status == "queued":
            continue  # still inside the target: not yet judged
        offered += 1
        ok += int(r.assigned_at is not None and waited <= sl_seconds)
    return ok, offered


def _response_rate(session: Session, now: datetime, since: datetime) -> tuple[int, int]:
    """Buyer turns in the window answered by an agent within 3 minutes (unanswered ones count when late)."""
    rows = session.execute(select(M.c.conversation_id, M.c.ts, M.c.direction)
                           .where(M.c.ts >= since, M.c.ts <= now, M.c.conversation_id.is_not(None), M.c.bot.is_(False))
                           .order_by(M.c.conversation_id, M.c.ts, M.c.id)).all()
    judged = ok = 0
    waiting: dict[int, datetime] = {}
    for r in rows:
        if r.direction == "in":
            waiting.setdefault(r.conversation_id, r.ts)
        elif r.conversation_id in waiting:
            asked = waiting.pop(r.conversation_id)
            judged += 1
            ok += int((r.ts - asked).total_seconds() <= RESPONSE_LIMIT_S)
    judged += sum(1 for asked in waiting.values() if (now - asked).total_seconds() > RESPONSE_LIMIT_S)
    return ok, judged


def _forecast_vs_actual(session: Session, now: datetime) -> list[dict[str, Any]]:
    start = local_midnight(now.astimezone(SHOP_TZ).date())
    end = start + timedelta(days=1)
    forecast: Counter[datetime] = Counter()
    for f in session.execute(select(Forecast.interval_start, Forecast.forecast)
                             .where(Forecast.interval_start >= start, Forecast.interval_start < end)).all():
        forecast[f.interval_start] += f.forecast
    actual: Counter[datetime] = Counter()
    for (opened,) in session.execute(select(C.c.opened_at).where(C.c.opened_at >= start, C.c.opened_at < end)).all():
        slot = start + timedelta(minutes=30 * int((opened - start).total_seconds() // 1800))
        actual[slot] += 1
    return [{"interval_start": slot.isoformat(), "forecast": round(forecast.get(slot, 0.0), 2),
             "actual": actual.get(slot, 0)} for slot in sorted(set(forecast) | set(actual))]


def snapshot(session: Session, now: datetime, *, sl_seconds: int, window: timedelta) -> dict[str, Any]:
    since = now - window
    queue = session.execute(select(func.count(), func.min(C.c.opened_at)).where(C.c.status == "queued")).one()
    agents = session.execute(select(A.c.id, A.c.name, A.c.status, A.c.load, A.c.capacity, A.c.status_since)
                             .where(A.c.active.is_(True)).order_by(A.c.id)).all()
    by_status = Counter(a.status for a in agents)
    working = [a for a in agents if a.status != "offline"]
    # a closed floor has no live service level: the last answers before everyone left are no measure of now
    sl_ok, sl_all = _service_level(session, now, since, sl_seconds) if working else (0, 0)
    rr_ok, rr_all = _response_rate(session, now, since) if working else (0, 0)
    return {
        "at": now.isoformat(),
        "queue_length": int(queue[0]),
        "longest_wait_s": int((now - queue[1]).total_seconds()) if queue[1] is not None else 0,
        "agents_by_status": {s: by_status.get(s, 0) for s in ("online", "away", "break", "offline")},
        "load": sum(a.load for a in working),
        "capacity": sum(a.capacity for a in working if a.status == "online"),
        "agents": [{"id": a.id, "name": a.name, "status": a.status, "load": a.load, "capacity": a.capacity,
                    "since": a.status_since.isoformat() if a.status_since else None} for a in agents],
        "service_level": None if sl_all == 0 else round(sl_ok / sl_all, 4),
        "service_level_target_s": sl_seconds,
        "offered": sl_all,
        "response_3min_rate": None if rr_all == 0 else round(rr_ok / rr_all, 4),
        "window_minutes": int(window.total_seconds() // 60),
        # why a figure above is None: nobody working, or nothing to judge in the window
        "no_data": "" if sl_all and rr_all else "no_agent_working" if not working else "nothing_in_window",
        "forecast_vs_actual": _forecast_vs_actual(session, now),
    }
