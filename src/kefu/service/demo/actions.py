"""Load the simulated demo shop into the database, in one transaction.

``make run`` calls this (through ``kefu demo --if-empty``) so that a first-time
user sees a living floor: a month of chats and orders with a 双11 peak, a
roster, presence, follow-up tasks and accounts to log in with. Rows go in with
bulk ``insert()`` executemany statements; either all of them are stored or,
on any error, none.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import cast

import numpy as np
from sqlalchemy import Engine, Table, func, insert, select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError, bad_argument
from kefu.domain.timeutil import SHOP_TZ, from_epoch, utc_now
from kefu.service.care import actions_templates
from kefu.service.credit import actions as credit
from kefu.service.credit import actions_kpi
from kefu.service.demo import actions_accounts as demo_accounts
from kefu.service.org import passwords
from kefu.service.plan import actions as plan
from kefu.sim.arrivals import check_window, window_epochs
from kefu.sim.demo_rows import (
    care_rows,
    conversation_rows,
    handover_rows,
    lifecycle_events,
    message_rows,
    order_rows,
    task_rows,
)
from kefu.sim.shop import SHIFTS, DemoShop, build_demo_shop
from kefu.store.db import session_factory
from kefu.store.models.care import LedgerEntry, LogbookEntry, Survey, Ticket
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.duty import Task
from kefu.store.models.live import Conversation, Event, Message, PresenceInterval
from kefu.store.models.org import Agent, Shop, SkillGroup
from kefu.store.models.plan import RosterEntry, ShiftTemplate

DEMO_SHOP_ID = demo_accounts.DEMO_SHOP_ID
DEMO_SHOP_NAME = "小鹿家居旗舰店"
DEMO_SUPERVISOR = demo_accounts.DEMO_SUPERVISOR
MAX_AGENTS = 200
MAX_AGENT_DAYS = 6000  # e.g. 12 agents × 366 days, 200 agents × 30 days
ProgressFn = Callable[[str, int, int], None]  # (step, done, total)


@dataclass(frozen=True)
class DemoSummary:
    """What was stored (counts are exact) and how to log in; ``skipped`` with --if-empty on a full DB."""

    skipped: bool
    shop_id: str = DEMO_SHOP_ID
    start: date | None = None
    days: int = 0
    agents: int = 0
    users: int = 0
    roster_entries: int = 0
    presence_intervals: int = 0
    conversations: int = 0
    open_conversations: int = 0
    messages: int = 0
    orders: int = 0
    paid_orders: int = 0
    returns: int = 0
    tasks: int = 0
    tickets: int = 0
    surveys: int = 0
    ledger_entries: int = 0
    logbook_entries: int = 0
    events: int = 0
    supervisor: str = DEMO_SUPERVISOR
    supervisor_password: str = ""
    admin: str = "admin"
    admin_password: str = ""  # empty when the admin account already existed
    credentials_file: str = ""  # where the passwords above were written (0600), when asked to
    forecast_intervals: int = 0
    templates: int = 0
    credited_orders: int = 0


def default_start(days: int, today: date | None = None) -> date:
    """The window whose last day is today in the shop's zone."""
    now_local = today or utc_now().astimezone(SHOP_TZ).date()
    return now_local - timedelta(days=days - 1)


def validate(seed: int, days: int, agents: int, start: date | None) -> None:
    """All arguments checked before the database is touched."""
    if seed < 0:
        raise bad_argument("seed", f"种子不能为负数, 收到 {seed}", f"seed must not be negative, got {seed}")
    if not isinstance(agents, int) or not 1 <= agents <= MAX_AGENTS:
        raise bad_argument(
            "agents",
            f"客服人数应在 1–{MAX_AGENTS} 之间, 收到 {agents}",
            f"agents must be 1–{MAX_AGENTS}, got {agents}",
        )
    if isinstance(days, int) and days > 366:
        raise bad_argument(
            "days", f"演示最多 366 天, 收到 {days}", f"the demo covers at most 366 days, got {days}"
        )
    check_window(start or date(2026, 1, 1), days)
    if agents * days > MAX_AGENT_DAYS:  # a demo must load in seconds, not hours
        raise bad_argument(
            "agents",
            f"客服人数 × 天数不能超过 {MAX_AGENT_DAYS} (收到 {agents} × {days}); 大数据量请用 kefu sim export",
            f"agents × days must be at most {MAX_AGENT_DAYS} (got {agents} × {days}); use kefu sim export for scale",
        )


def load_demo(
    engine: Engine,
    seed: int,
    days: int,
    agents: int,
    start: date | None = None,
    progress: ProgressFn | None = None,
    *,
    if_empty: bool = False,
    now: datetime | None = None,
    credentials_dir: Path | None = None,
) -> DemoSummary:
    """Simulate and store the demo shop. Without ``start`` the window ends today and is cut at ``now``.

    The accounts get random passwords that must be changed at first sign-in
    (a well-known demo password would let anyone who reaches the server first
    claim the accounts). With ``credentials_dir`` they are also written to
    ``credentials_dir/first-run-credentials.txt`` (mode 0600) once stored.
    """
    summary = _load(engine, seed, days, agents, start, progress, if_empty=if_empty, now=now)
    if credentials_dir is None or summary.skipped:
        return summary
    lines = demo_accounts.credential_lines(summary.supervisor, summary.supervisor_password, summary.agents,
                                           summary.admin, summary.admin_password)
    return replace(summary, credentials_file=str(demo_accounts.write_credentials(credentials_dir, lines)))


def _load(engine: Engine, seed: int, days: int, agents: int, start: date | None, progress: ProgressFn | None,
          *, if_empty: bool, now: datetime | None) -> DemoSummary:
    validate(seed, days, agents, start)
    step = progress or (lambda _s, _d, _t: None)
    factory = session_factory(engine)
    with factory() as session, session.begin():
        if session.scalar(select(func.count()).select_from(Shop)):
            if if_empty:
                return DemoSummary(skipped=True)
            if session.get(Shop, DEMO_SHOP_ID) is not None:
                raise KefuError(
                    ErrorCode.CONFLICT,
                    "演示店铺已存在; 请使用空数据库或加 --if-empty",
                    "the demo shop already exists; use an empty database or --if-empty",
                )
        step("模拟 / simulating", 0, 8)
        as_of = None
        first = start
        if first is None:
            moment = now or utc_now()
            first = default_start(days, moment.astimezone(SHOP_TZ).date())
            as_of = int(moment.timestamp())
        shop = build_demo_shop(seed, days, agents, first, as_of)
        return _store(session, shop, seed, step)


def _store(session: Session, shop: DemoShop, seed: int, step: ProgressFn) -> DemoSummary:
    now = utc_now()
    as_of_dt = datetime.fromtimestamp(shop.as_of, tz=UTC)
    start_epoch, _ = window_epochs(shop.start, shop.days)
    rng = np.random.default_rng(seed + 7919)  # texts and extras: separate stream, same seed
    session.add(
        Shop(id=DEMO_SHOP_ID, name=DEMO_SHOP_NAME, platform="tmall", settings={"demo": True, "seed": seed})
    )
    session.flush()
    session.execute(insert(SkillGroup), [{"shop_id": DEMO_SHOP_ID, "name": g} for g in ("售前", "售后")])
    session.execute(insert(ShiftTemplate), [_template(code) for code in SHIFTS])

    step("客服与排班 / agents and roster", 1, 8)
    current = _current_status(shop)
    open_load = np.bincount(shop.conv_agent[shop.conv_open], minlength=len(shop.agents))
    session.execute(
        insert(Agent),
        [
            {
                "id": a.id, "shop_id": DEMO_SHOP_ID, "name": a.name, "skills": list(a.skills),
                "secondary_skills": list(a.secondary), "capacity": a.capacity, "load": int(open_load[i]),
                "status": current[i][0], "status_since": current[i][1], "probation": a.probation,
                "hired_on": a.hired_on, "team": "一组" if i % 2 == 0 else "二组", "weight": 1, "night_ok": True,
            }
            for i, a in enumerate(shop.agents)
        ],
    )  # fmt: skip
    breaks = _break_times(shop)
    roster = [
        {"shop_id": DEMO_SHOP_ID, "agent_id": a.id, "day": shop.start + timedelta(days=d), "shift_code": code,
         "skill": a.skills[0] if code else "", "breaks": breaks.get((i, d), [])}
        for i, a in enumerate(shop.agents) for d, code in enumerate(shop.roster[i])
    ]  # fmt: skip
    roster += [  # the rest of the last month: the stored month is whole from the window's first day
        {"shop_id": DEMO_SHOP_ID, "agent_id": a.id, "day": shop.start + timedelta(days=shop.days + d),
         "shift_code": code, "skill": a.skills[0] if code else "", "breaks": []}
        for i, a in enumerate(shop.agents) for d, code in enumerate(shop.roster_ahead[i] if shop.roster_ahead else [])
    ]  # fmt: skip
    session.execute(insert(RosterEntry), roster)
    presence = [
        {"agent_id": shop.agents[a].id, "status": s, "start": from_epoch(b), "end": None if e is None else from_epoch(e)}
        for a, s, b, e in shop.presence
    ]
    session.execute(insert(PresenceInterval), presence)

    step("会话 / conversations", 2, 8)
    convs = conversation_rows(shop, DEMO_SHOP_ID)
    conv_ids: list[int] = []
    conn = session.connection()  # Core executemany: no ORM bookkeeping for the big tables
    table = _table(Conversation)
    stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    for i in range(0, len(convs), 5000):
        conv_ids += list(conn.execute(stmt, convs[i : i + 5000]).scalars().all())
    step("消息 / messages", 3, 8)
    msgs = message_rows(rng, shop, DEMO_SHOP_ID, conv_ids)
    for i in range(0, len(msgs), 20000):
        conn.execute(_table(Message).insert(), msgs[i : i + 20000])
    events = _events(shop, convs, conv_ids)
    conn.execute(_table(Event).insert(), events)

    step("订单 / orders", 4, 8)
    orders = order_rows(rng, shop, DEMO_SHOP_ID)
    if orders:
        conn.execute(_table(Order).insert(), orders)
    step("任务 / tasks, tickets, surveys", 5, 8)
    tasks = task_rows(rng, shop, DEMO_SHOP_ID, orders, as_of_dt)
    tickets, surveys, ledger = care_rows(rng, shop, DEMO_SHOP_ID, orders, convs, conv_ids, now)
    handovers = handover_rows(shop, DEMO_SHOP_ID, orders)
    order_events = lifecycle_events(shop, DEMO_SHOP_ID, orders)
    events += order_events
    for model, rows in (
        (Task, tasks), (Ticket, tickets), (Survey, surveys), (LedgerEntry, ledger), (LogbookEntry, handovers),
    ):  # fmt: skip
        if rows:
            session.execute(insert(model), rows)
    if order_events:
        conn.execute(_table(Event).insert(), order_events)

    step("账号 / accounts", 6, 8)
    demo_pw = passwords.generate(DEMO_SUPERVISOR)
    users, admin_pw = demo_accounts.create(session, [a.id for a in shop.agents], [a.name for a in shop.agents],
                                           demo_pw)
    step("预测与话术 / forecast and templates", 7, 8)
    forecasts = _forecast_around(session, as_of_dt)
    templates = actions_templates.seed_templates(session)
    credited = _credit_months(session, shop)
    reviewed = _review_kpi_thresholds(session, shop)
    step("完成 / done", 8, 8)
    return DemoSummary(
        skipped=False, start=shop.start, days=shop.days, agents=len(shop.agents), users=users,
        roster_entries=len(roster), presence_intervals=len(presence), conversations=len(convs),
        open_conversations=int(shop.conv_open.sum()), messages=len(msgs), orders=len(orders),
        paid_orders=sum(1 for o in orders if o["paid_at"] is not None),
        returns=sum(1 for o in orders if o["returned_at"] is not None), tasks=len(tasks), tickets=len(tickets),
        surveys=len(surveys), ledger_entries=len(ledger), logbook_entries=len(handovers),
        # + the order.credited event of each order credited on a fresh load, + the reviewed KPI scheme's saved event
        events=len(events) + credited + reviewed,
        supervisor_password=demo_pw, admin_password=admin_pw, forecast_intervals=forecasts,
        templates=templates, credited_orders=credited,
    )  # fmt: skip


def _credit_months(session: Session, shop: DemoShop) -> int:
    """Run the credit engine over each month of the window so leaderboards show who earned what."""
    months = sorted({(shop.start + timedelta(days=d)).strftime("%Y-%m") for d in range(shop.days)})
    for month in months:
        credit.run_month(session, month, DEMO_SHOP_ID)
    return int(session.scalar(select(func.count()).select_from(OrderCredit)) or 0)


def _review_kpi_thresholds(session: Session, shop: DemoShop) -> int:
    """What the demo's supervisor did first: reviewed the standard scheme's thresholds (another shop's
    100/90/70, which grade this team 不合格 to a person) against the demo's busiest month, and accepted
    the suggestion (seed 004's few 优秀, some 良好, most 合格, a few 不合格) as version 1 — visible, with
    its audit event, in the KPI editor, where it can be changed back. Returns the events written (0 or 1:
    a window too short for anyone to be graded has nothing to review)."""
    days = Counter((shop.start + timedelta(days=d)).strftime("%Y-%m") for d in range(shop.days))
    busiest = max(sorted(days), key=lambda m: days[m])
    saved = actions_kpi.adopt_suggestion(session, "standard", busiest, by=DEMO_SUPERVISOR, valid_from=min(days))
    return 0 if saved is None else 1


def _forecast_around(session: Session, as_of: datetime) -> int:
    """Forecast the week before and after ``as_of`` from the history before that week.

    The dashboard's forecast-vs-actual charts then have a forecast line for
    today and the recent past; the forecast sees no data from its own window.
    A demo window shorter than a week has too little history and gets none.
    """
    today = as_of.astimezone(SHOP_TZ).date()
    start = today - timedelta(days=7)
    try:
        return len(plan.forecast_shop(session, DEMO_SHOP_ID, start, days=14))
    except KefuError as exc:
        if exc.code is ErrorCode.FORECAST_NO_HISTORY:
            return 0
        raise


def _table(model: type) -> Table:
    """The Core table of a model, for executemany without ORM bookkeeping."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]



def _template(code: str) -> dict[str, object]:
    spec = SHIFTS[code]
    win = spec["break"]
    assert isinstance(win, tuple)
    return {
        "shop_id": DEMO_SHOP_ID, "code": code, "start": spec["start"], "end": spec["end"],
        "evening": spec["evening"], "night": False, "color": "#4caf50" if code == "白班" else "#3f51b5",
        "breaks": [{"kind": "meal", "minutes": 30, "window": list(win)}],
    }  # fmt: skip


def _current_status(shop: DemoShop) -> list[tuple[str, datetime | None]]:
    """Each agent's status at as_of: the presence interval without an end."""
    out: list[tuple[str, datetime | None]] = [("offline", None)] * len(shop.agents)
    for a, status, s, e in shop.presence:
        if e is None:
            out[a] = (status, from_epoch(s))
    return out


def _break_times(shop: DemoShop) -> dict[tuple[int, int], list[dict[str, str]]]:
    start_epoch, _ = window_epochs(shop.start, shop.days)
    out: dict[tuple[int, int], list[dict[str, str]]] = {}
    for a, status, s, _e in shop.presence:
        if status != "break":
            continue
        day = (s - start_epoch) // 86400
        local = from_epoch(s).astimezone(SHOP_TZ)
        end = local + timedelta(minutes=30)
        out.setdefault((a, day), []).append(
            {"kind": "meal", "start": f"{local:%H:%M}", "end": f"{end:%H:%M}"}
        )
    return out


def _events(shop: DemoShop, convs: list[dict[str, object]], ids: list[int]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for row, cid, agent in zip(convs, ids, shop.conv_agent, strict=True):
        aid = shop.agents[int(agent)].id
        base = {"shop_id": DEMO_SHOP_ID, "agent_id": aid, "subject": f"conversation:{cid}", "actor": "demo"}
        rows.append(
            {
                **base,
                "ts": row["assigned_at"],
                "kind": "conversation.assigned",
                "data": {"group": row["group"]},
            }
        )
        if row["closed_at"] is not None:
            rows.append({**base, "ts": row["closed_at"], "kind": "conversation.closed", "data": {}})
    return rows
