"""The promotion track (seed 004: "指标按照120%或130%来定义, 做得到就进行提拔"): 初级 → 中级 → 高级 → 组长.

An agent's level is the latest :class:`AgentLevel` row (初级 from the hire day
when never promoted). The criteria of the next step are data
(:func:`kefu.team.growth.parse_track`, the shop's ``settings["team"]["track"]`` or
the seed's) and are read from the KPI results of the completed months — the same
monthly score the performance and pay pages show (:func:`kefu.service.credit.
actions_pay.month_pay`) — and from the agent's six-month goals: a goal counts as
met when the latest completed month inside its period reached its target.
kefu evaluates and shows the progress (the agent sees its own, the supervisor
the team); a supervisor promotes, only when every criterion is met, and the
promotion is an event row the agent is told about.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.credit.kpi import figure
from kefu.domain.errors import bad_argument
from kefu.domain.timeutil import utc_now
from kefu.service.team import events, store
from kefu.service.team.actions_common import Actor, approver, manager, near, own, today
from kefu.service.team.schemas_growth import CriterionOut, MonthScoreOut, NormOut, PromoteIn, PromotionOut
from kefu.store.models.org import Agent
from kefu.store.models.team import AgentGoal, AgentLevel
from kefu.team import growth, people

KPI_TOTAL = "kpi_total"  # a goal on the monthly KPI score itself

# month -> agent -> metric -> value (``kpi_total``: the score, None for probation)
Figures = dict[str, dict[str, dict[str, Decimal | None]]]


def completed_months(base: date, count: int) -> list[str]:
    """The ``count`` months before ``base``'s month, latest first (``YYYY-MM``)."""
    first = base.replace(day=1)
    return [f"{people.add_months(first, -i):%Y-%m}" for i in range(1, count + 1)]


def _load(session: Session, shop_id: str | None, months: Iterable[str], into: Figures) -> Figures:
    """Each month's KPI results for a shop, computed once per month (one credit run each)."""
    from kefu.service.credit import actions_pay as pay

    for month in months:
        if month in into:
            continue
        result = pay.month_pay(session, month, shop_id=shop_id)
        per: dict[str, dict[str, Decimal | None]] = {}
        for row in result.monthly.to_dict("records"):
            per[str(row["agent"])] = {str(k): _number(v) for k, v in row.items() if k != "agent"}
        for s in result.scores:
            per.setdefault(s.agent, {})[KPI_TOTAL] = None if s.excluded else s.total
        into[month] = per
    return into


def _number(raw: object) -> Decimal | None:
    """A monthly figure a goal can compare (flags, text and timestamps are not)."""
    if isinstance(raw, bool | str):
        return None
    try:
        return figure(raw)
    except (ArithmeticError, ValueError, TypeError):
        return None


def _goal_month(goal: AgentGoal, last: str) -> str | None:
    """The latest completed month (≤ ``last``) inside the goal's period, if any has ended yet."""
    month = min(f"{goal.end - timedelta(days=1):%Y-%m}", last)
    return month if month >= f"{goal.start:%Y-%m}" else None


def _evaluate(session: Session, agents: list[Agent], base: date, cache: Figures | None = None) -> list[PromotionOut]:
    """Progress of agents of one shop: their levels, the shop's track, the months' KPI results loaded once
    (into ``cache`` when given, so a second look in the same call runs no credit again)."""
    if not agents:
        return []
    shop_id = agents[0].shop_id
    track = growth.parse_track(store.team_settings(session, shop_id).get("track"))
    months = completed_months(base, max((c.score_months for c in track), default=1) or 1)
    figures = _load(session, shop_id, months, {} if cache is None else cache)
    goals: dict[str, list[AgentGoal]] = {}
    for g in session.scalars(select(AgentGoal).where(AgentGoal.agent_id.in_([a.id for a in agents]))):
        goals.setdefault(g.agent_id, []).append(g)
    wanted = {m for gs in goals.values() for g in gs if (m := _goal_month(g, months[0])) is not None}
    _load(session, shop_id, sorted(wanted), figures)
    steps = store.levels(session, [a.id for a in agents])
    out = []
    for agent in agents:
        level, since = steps.get(agent.id, (growth.LEVELS[0], agent.hired_on))
        scores = [figures[m].get(agent.id, {}).get(KPI_TOTAL) for m in months]
        met = 0
        for g in goals.get(agent.id, []):
            month = _goal_month(g, months[0])
            value = figures[month].get(agent.id, {}).get(g.metric) if month else None
            met += growth.goal_met(value, Decimal(g.target), g.lower_is_better)
        held = growth.months_between(since, base) if since else 0
        result = growth.promotion(level, held, scores, met, track)
        out.append(PromotionOut(
            agent_id=agent.id, agent_name=agent.name, level=level, level_en=growth.LEVEL_EN[level], since=since,
            months_at_level=held, next_level=result.next_level,
            next_level_en=growth.LEVEL_EN.get(result.next_level or "", ""), eligible=result.eligible,
            criteria=[CriterionOut(key=c.key, label=c.label[0], label_en=c.label[1], have=c.have, need=c.need, met=c.met)
                      for c in result.checks],
            scores=[MonthScoreOut(month=m, score=None if s is None else str(s)) for m, s in zip(months, scores, strict=True)],
            goals_met=met, track=list(growth.LEVELS)))  # fmt: skip
    return out


def goal_norm(session: Session, actor: Actor, shop_id: str, metric: str, *, now: datetime | None = None) -> NormOut:
    """A metric's team norm for a goal: the mean over the shop's graded agents in the last completed month."""
    manager(actor)
    store.shop(session, shop_id)
    month = completed_months(today(now), 1)[0]
    rows = _load(session, shop_id, [month], {})[month].values()
    values = [x for v in rows if v.get(KPI_TOTAL) is not None and (x := v.get(metric)) is not None]
    norm = (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.0001")) if values else None
    return NormOut(shop_id=shop_id, metric=metric, month=month, norm=None if norm is None else str(norm), agents=len(values))


def promotion_progress(session: Session, actor: Actor, agent_id: str | None = None, *,
                       now: datetime | None = None) -> PromotionOut:  # fmt: skip
    """One agent's level and progress (agents: their own)."""
    agent = own(session, actor, agent_id)
    return _evaluate(session, [agent], today(now))[0]


def team_promotions(session: Session, actor: Actor, shop_id: str, *, now: datetime | None = None) -> list[PromotionOut]:
    """Every active agent of a shop (a supervisor with a team: that team), eligible first."""
    manager(actor)
    stmt = select(Agent).where(Agent.shop_id == shop_id, Agent.active)
    if actor.role == "supervisor" and actor.team:
        stmt = stmt.where(Agent.team == actor.team)
    rows = _evaluate(session, list(session.scalars(stmt.order_by(Agent.id))), today(now))
    return sorted(rows, key=lambda r: (not r.eligible, r.agent_id))


def promote_agent(session: Session, actor: Actor, agent_id: str, body: PromoteIn, *,
                  now: datetime | None = None) -> PromotionOut:  # fmt: skip
    """Move an agent to the next level from ``body.day``; refused, with the unmet criteria named, when not eligible."""
    now = now or utc_now()
    agent = store.agent(session, agent_id)
    approver(actor, agent)
    near("day", body.day, now=now)
    store.lock_agent(session, agent.id)  # two clicks at once promote once
    cache: Figures = {}
    progress = _evaluate(session, [agent], today(now), cache)[0]
    if progress.next_level is None:
        raise store.conflict("已是最高职级", "already at the top level", level=progress.level)
    if not progress.eligible:
        unmet = [c for c in progress.criteria if not c.met]
        raise store.conflict("尚未达到晋升条件: " + "; ".join(f"{c.label} ({c.have}/{c.need})" for c in unmet),
                             "the criteria are not met yet: " + "; ".join(f"{c.label_en} ({c.have}/{c.need})" for c in unmet),
                             level=progress.level, unmet=[c.key for c in unmet])  # fmt: skip
    if progress.since is not None and body.day < progress.since:
        raise bad_argument("day", f"晋升日不能早于现职级起始日 {progress.since}", f"cannot be before {progress.since}")
    session.add(AgentLevel(agent_id=agent.id, level=progress.next_level, since=body.day, note=body.note.strip(),
                           created_by=actor.name, created_at=now))  # fmt: skip
    session.flush()
    events.promoted(session, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name, now=now,
                    level=progress.next_level, before=progress.level, since=body.day.isoformat(),
                    tell=f"恭喜 {agent.name} 晋升为{progress.next_level}客服 ({body.day} 起)")  # fmt: skip
    return _evaluate(session, [agent], today(now), cache)[0]
