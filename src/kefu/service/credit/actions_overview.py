"""Today at a glance: the numbers and charts of the dashboard's overview page.

Days are shop business days (``Asia/Shanghai`` by default): a day's window is
turned into a UTC range once and every query filters on indexed timestamp
columns, so the same SQL runs on SQLite and PostgreSQL. Hourly buckets are made
in Python from one day's timestamps (a day is at most tens of thousands of rows).

Scope: an agent sees only their own figures (``agent_id``), a supervisor their
team (``team``; "" = all), an admin everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from kefu.domain.timeutil import SHOP_TZ, business_day, local_midnight, utc_now
from kefu.service import access
from kefu.service.credit.schemas import OverviewOut
from kefu.service.live.actions_reads import team_agent_ids
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.live import Conversation, Message
from kefu.store.models.org import Agent

STATUSES = ("online", "away", "break", "offline")


@dataclass(frozen=True)
class Overview:
    day: date
    contacts: int  # distinct buyers who wrote that day
    conversations: int  # conversations opened that day
    orders: int  # orders created that day
    paid_orders: int  # orders paid that day
    paid_fen: int  # amount paid that day, integer fen
    agents_online: int  # online or away (still chatting)
    agents_total: int
    by_status: dict[str, int]
    queue: int  # conversations waiting now
    longest_wait_s: int
    hourly_contacts: list[int] = field(default_factory=list)  # 24 buckets, shop time
    hourly_orders: list[int] = field(default_factory=list)
    trend_days: list[date] = field(default_factory=list)
    trend_contacts: list[int] = field(default_factory=list)
    trend_orders: list[int] = field(default_factory=list)
    trend_paid_fen: list[int] = field(default_factory=list)


def day_range(day: date, tz: ZoneInfo = SHOP_TZ) -> tuple[datetime, datetime]:
    start = local_midnight(day, tz=tz)
    return start, local_midnight(day + timedelta(days=1), tz=tz)


def latest_day_with_data(session: Session, tz: ZoneInfo = SHOP_TZ) -> date | None:
    """The most recent business day with an order or a message (the demo may end before today)."""
    stamps = [session.scalar(select(func.max(Order.created_at))), session.scalar(select(func.max(Message.ts)))]
    present = [s for s in stamps if s is not None]
    return business_day(max(present), tz=tz) if present else None


def default_day(session: Session, now: datetime | None = None, tz: ZoneInfo = SHOP_TZ) -> date:
    """Today, unless today has no data yet and an earlier day has: then that day."""
    today = business_day(now or utc_now(), tz=tz)
    start, end = day_range(today, tz)
    has_today = session.scalar(select(func.count()).select_from(Order).where(
        Order.created_at >= start, Order.created_at < end)) or session.scalar(
        select(func.count()).select_from(Message).where(Message.ts >= start, Message.ts < end))
    if has_today:
        return today
    latest = latest_day_with_data(session, tz)
    return latest if latest is not None and latest < today else today


def _agent_ids(session: Session, team: str | None, agent_id: str | None) -> list[str] | None:
    """None means no filter (admin or all-teams supervisor)."""
    if agent_id is not None:
        return [agent_id]
    if team:
        return team_agent_ids(session, team)
    return None


def _scope_orders(stmt: Select, agents: list[str] | None) -> Select:  # type: ignore[type-arg]
    if agents is None:
        return stmt
    credited = select(OrderCredit.order_id).where(OrderCredit.credited_agent.in_(agents))
    return stmt.where(Order.id.in_(credited))


def _hourly(stamps: list[datetime], tz: ZoneInfo) -> list[int]:
    buckets = [0] * 24
    for ts in stamps:
        buckets[ts.astimezone(tz).hour] += 1
    return buckets


def overview(session: Session, day: date, *, team: str | None = None, agent_id: str | None = None,
             trend_days: int = 14, now: datetime | None = None, tz: ZoneInfo = SHOP_TZ) -> Overview:
    """Counts for ``day`` plus live figures (queue, presence) as of ``now``."""
    now = now or utc_now()
    agents = _agent_ids(session, team, agent_id)
    start, end = day_range(day, tz)

    def contacts_between(a: datetime, b: datetime) -> int:
        stmt = select(func.count(func.distinct(Message.buyer))).where(
            Message.direction == "in", Message.ts >= a, Message.ts < b)
        if agents is not None:
            stmt = stmt.where(Message.agent_id.in_(agents))
        return int(session.scalar(stmt) or 0)

    def orders_between(a: datetime, b: datetime) -> int:
        stmt = _scope_orders(select(func.count()).select_from(Order).where(
            Order.created_at >= a, Order.created_at < b), agents)
        return int(session.scalar(stmt) or 0)

    def paid_between(a: datetime, b: datetime) -> tuple[int, int]:
        stmt = _scope_orders(select(func.count(), func.coalesce(func.sum(Order.amount_fen), 0)).where(
            Order.paid_at >= a, Order.paid_at < b), agents)
        count, total = session.execute(stmt).one()
        return int(count), int(total)

    conv_stmt = select(func.count()).select_from(Conversation).where(
        Conversation.opened_at >= start, Conversation.opened_at < end)
    msg_stmt = select(Message.buyer, func.min(Message.ts)).where(
        Message.direction == "in", Message.ts >= start, Message.ts < end).group_by(Message.buyer)
    order_ts = _scope_orders(select(Order.created_at).where(Order.created_at >= start, Order.created_at < end),
                             agents)
    agent_stmt = select(Agent.status, func.count()).where(Agent.active.is_(True)).group_by(Agent.status)
    queue_stmt = select(func.count(), func.min(Conversation.opened_at)).where(Conversation.status == "queued")
    if agents is not None:
        conv_stmt = conv_stmt.where(Conversation.agent_id.in_(agents))
        msg_stmt = msg_stmt.where(Message.agent_id.in_(agents))
        agent_stmt = agent_stmt.where(Agent.id.in_(agents))

    by_status = dict.fromkeys(STATUSES, 0)
    for status, count in session.execute(agent_stmt):
        by_status[status] = by_status.get(status, 0) + int(count)
    queued, oldest_row = session.execute(queue_stmt).one()
    oldest: datetime | None = oldest_row
    if agent_id is not None:  # an agent's queue is not theirs to see; their open load is
        queued, oldest = 0, None
    first_contacts = [ts for _, ts in session.execute(msg_stmt)]
    paid_count, paid_fen = paid_between(start, end)

    days = [day - timedelta(days=i) for i in range(trend_days - 1, -1, -1)]
    trend_contacts, trend_orders, trend_paid = [], [], []
    for d in days:
        a, b = day_range(d, tz)
        trend_contacts.append(contacts_between(a, b))
        trend_orders.append(orders_between(a, b))
        trend_paid.append(paid_between(a, b)[1])

    return Overview(
        day=day,
        contacts=len(first_contacts),
        conversations=int(session.scalar(conv_stmt) or 0),
        orders=orders_between(start, end),
        paid_orders=paid_count,
        paid_fen=paid_fen,
        agents_online=by_status.get("online", 0) + by_status.get("away", 0),
        agents_total=sum(by_status.values()),
        by_status=by_status,
        queue=int(queued or 0),
        longest_wait_s=max(0, int((now - oldest).total_seconds())) if oldest is not None else 0,
        hourly_contacts=_hourly(first_contacts, tz),
        hourly_orders=_hourly(list(session.scalars(order_ts)), tz),
        trend_days=days,
        trend_contacts=trend_contacts,
        trend_orders=trend_orders,
        trend_paid_fen=trend_paid,
    )


RESPONSE_BUCKETS = ((30, "≤30秒", "≤30 s"), (60, "30–60秒", "30–60 s"), (180, "1–3分钟", "1–3 min"),
                    (300, "3–5分钟", "3–5 min"), (None, ">5分钟", "> 5 min"))


@dataclass
class LeaderRow:
    agent: str
    name: str
    conversations: int = 0  # conversations of the day assigned to the agent
    orders: int = 0  # orders of the day credited to the agent
    paid_fen: int = 0  # their amount


@dataclass(frozen=True)
class DayDetails:
    """The overview's second row: funnel, first-response times, leaderboard."""

    funnel: tuple[int, int, int]  # buyers who wrote → of them ordered that day → of them paid that day
    response_buckets: list[int]  # conversations by first agent response time (RESPONSE_BUCKETS)
    unanswered: int  # conversations of the day with a buyer message and no agent reply
    leaderboard: list[LeaderRow]  # most credited orders first


def day_details(session: Session, day: date, *, team: str | None = None, agent_id: str | None = None,
                tz: ZoneInfo = SHOP_TZ) -> DayDetails:
    """Conversion funnel, first-response distribution and per-agent leaderboard for one business day."""
    agents = _agent_ids(session, team, agent_id)
    start, end = day_range(day, tz)
    wrote_stmt = select(Message.buyer).where(Message.direction == "in", Message.ts >= start,
                                             Message.ts < end).distinct()
    conv_stmt = select(Conversation.id, Conversation.agent_id).where(
        Conversation.opened_at >= start, Conversation.opened_at < end)
    if agents is not None:
        wrote_stmt = wrote_stmt.where(Message.agent_id.in_(agents))
        conv_stmt = conv_stmt.where(Conversation.agent_id.in_(agents))
    wrote = set(session.scalars(wrote_stmt))
    ordered: set[str] = set()
    paid: set[str] = set()
    for buyer, paid_at in session.execute(select(Order.buyer, Order.paid_at).where(
            Order.created_at >= start, Order.created_at < end)):
        if buyer in wrote:
            ordered.add(buyer)
            if paid_at is not None:
                paid.add(buyer)

    convs: dict[int, str | None] = {cid: aid for cid, aid in session.execute(conv_stmt)}
    first_in: dict[int, datetime] = {}
    first_out: dict[int, datetime] = {}
    if convs:
        rows = session.execute(select(Message.conversation_id, Message.direction, Message.ts).where(
            Message.conversation_id.in_(list(convs)), Message.bot.is_(False), Message.auto.is_(False))
            .order_by(Message.ts, Message.id))
        for cid, direction, ts in rows:
            if cid is None:
                continue
            if direction == "in":
                first_in.setdefault(cid, ts)
            elif cid in first_in:
                first_out.setdefault(cid, ts)
    buckets = [0] * len(RESPONSE_BUCKETS)
    for cid, asked in first_in.items():
        if cid not in first_out:
            continue
        waited = (first_out[cid] - asked).total_seconds()
        index = next(i for i, (limit, _, _) in enumerate(RESPONSE_BUCKETS) if limit is None or waited <= limit)
        buckets[index] += 1

    names: dict[str, str] = {aid: name for aid, name in session.execute(select(Agent.id, Agent.name))}
    board: dict[str, LeaderRow] = {}
    for aid in convs.values():
        if aid:
            board.setdefault(aid, LeaderRow(aid, names.get(aid, aid))).conversations += 1
    credit_stmt = select(OrderCredit.credited_agent, func.count(), func.coalesce(func.sum(Order.amount_fen), 0)).join(
        Order, Order.id == OrderCredit.order_id).where(
        Order.created_at >= start, Order.created_at < end, OrderCredit.credited_agent != "").group_by(
        OrderCredit.credited_agent)
    if agents is not None:
        credit_stmt = credit_stmt.where(OrderCredit.credited_agent.in_(agents))
    for aid, count, fen in session.execute(credit_stmt):
        row = board.setdefault(aid, LeaderRow(aid, names.get(aid, aid)))
        row.orders, row.paid_fen = int(count), int(fen)
    leaderboard = sorted(board.values(), key=lambda r: (-r.orders, -r.conversations, r.agent))
    return DayDetails((len(wrote), len(ordered), len(paid)), buckets,
                      sum(1 for cid in first_in if cid not in first_out), leaderboard)


def scope(viewer: access.Viewer, team: str | None) -> tuple[str | None, str | None]:
    """(team, agent_id) filters: agents see their own figures, supervisors their team, others everything."""
    if viewer.role == "agent":
        return None, viewer.agent_id or "-"
    if viewer.role == "supervisor":
        return team or None, None
    return None, None


def overview_today(session: Session, viewer: access.Viewer, team: str | None, day: date | None) -> OverviewOut:
    """``GET /overview``: the day's figures (default: the latest day with data) in the viewer's scope."""
    team_f, agent_id = scope(viewer, team)
    data = overview(session, day or default_day(session), team=team_f, agent_id=agent_id, trend_days=1)
    return OverviewOut(**{k: getattr(data, k) for k in OverviewOut.model_fields})
