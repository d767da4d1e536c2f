"""The roster page's contract and fairness controls, and how they reach the month's plan.

Contracts are per agent and per calendar month (working days and paid hours, min and max;
no days set = the seeds' full-timer, the month's days less the shop's rest days). Fairness
tolerances and the 白/晚 rotation are one versioned document per shop
(:mod:`kefu.service.versions`, kind ``roster_fairness``), so a supervisor sees which version
planned a month and who changed it. :func:`apply_policy` is the one place the month's problem
takes them: the page's button, the API and ``kefu roster plan-month`` plan alike.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.calendar import BusinessCalendar, DayKind
from kefu.domain.errors import bad_argument, not_found
from kefu.domain.timeutil import utc_now
from kefu.plan.roster.types import Fairness, RosterProblem, Weights
from kefu.service import versions
from kefu.service.plan import events
from kefu.service.plan.schemas_board import ContractIn, ContractOut, FairnessIn, FairnessOut
from kefu.store.models.org import Agent, Shop

KIND = "roster_fairness"
M = TypeVar("M", ContractIn, FairnessIn)
CALENDAR = BusinessCalendar()
_FIELDS = {"hours": ("工时差", "0–200"), "nights": ("晚班/夜班差", "0–31"), "weekends": ("周末差", "0–31"),
           "holidays": ("法定节假日差", "0–31"), "rotation": ("轮换", "weekly | blocks | free"),
           "min_days": ("最少天数", "0–31"), "max_days": ("最多天数", "0–31"), "min_hours": ("最少工时", "0–744"),
           "max_hours": ("最多工时", "0–744")}  # fmt: skip


def _validated(model: type[M], values: dict[str, object]) -> M:
    """The model, or BAD_ARGUMENT naming the first bad field in both languages."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        field = str(loc[0]) if loc else "values"
        zh, allowed = _FIELDS.get(field, (field, ""))
        raise bad_argument(field, f"{zh} 应在 {allowed} 之间", f"{field} must be within {allowed}") from exc


def _shop(session: Session, shop_id: str) -> str:
    if not shop_id or session.get(Shop, shop_id) is None:
        raise not_found("店铺 / shop", shop_id)
    return shop_id


def shop_fairness(session: Session, shop_id: str) -> FairnessIn:
    """The tolerances and rotation the shop's months are planned with (nothing saved: the defaults)."""
    row = versions.latest(session, KIND, shop_id)
    return FairnessIn.model_validate(row.doc) if row is not None else FairnessIn()


def fairness(session: Session, shop_id: str) -> FairnessOut:
    row = versions.latest(session, KIND, _shop(session, shop_id))
    return FairnessOut(shop_id=shop_id, **shop_fairness(session, shop_id).model_dump(), **versions.version_out(row))


def save_fairness(session: Session, shop_id: str, values: dict[str, object], *, by: str,
                  now: datetime | None = None) -> FairnessOut:  # fmt: skip
    """Validate the tolerances whole, store them as the shop's next version with the audit event."""
    _shop(session, shop_id)
    doc = _validated(FairnessIn, values).model_dump()
    when = now or utc_now()
    row = versions.add(session, KIND, shop_id, doc, by=by, at=when)
    events.roster_fairness_saved(session, shop_id=shop_id, by=by, at=when, version=row.version, doc=doc)
    return FairnessOut(shop_id=shop_id, **doc, **versions.version_out(row))


def apply_policy(session: Session, shop_id: str, problem: RosterProblem) -> None:
    """The shop's fairness tolerances, rotation and the month's 法定节假日 onto a month's problem."""
    f = shop_fairness(session, shop_id)
    problem.fairness = Fairness(hours=f.hours, nights=f.nights, weekends=f.weekends, holidays=f.holidays)
    base = Weights()
    problem.weights = replace(base, switch=0 if f.rotation == "free" else base.switch,
                              rotate=base.rotate if f.rotation == "weekly" else 0)  # fmt: skip
    problem.holidays = statutory_days(problem)


def statutory_days(problem: RosterProblem) -> frozenset[date]:
    """法定节假日 inside the problem's horizon (balanced like weekends, counted in the totals)."""
    return frozenset(d for d in problem.dates() if CALENDAR.kind(d) is DayKind.STATUTORY)


def contract_out(a: Agent) -> ContractOut:
    return ContractOut(agent=a.id, min_days=a.min_days_month, max_days=a.max_days_month, min_hours=a.min_hours_month,
                       max_hours=a.max_hours_month, full_time=a.min_days_month is None and a.max_days_month is None)


def contracts(session: Session, shop_id: str) -> list[ContractOut]:
    """Every active agent's contract in the shop, by id."""
    rows = session.scalars(select(Agent).where(Agent.shop_id == _shop(session, shop_id), Agent.active).order_by(Agent.id))
    return [contract_out(a) for a in rows]


def save_contract(session: Session, shop_id: str, agent_id: str, values: dict[str, object], *, by: str,
                  now: datetime | None = None) -> ContractOut:  # fmt: skip
    """An agent's days and hours per month, min ≤ max checked; written with its audit event."""
    agent = session.get(Agent, agent_id)
    if agent is None or agent.shop_id != _shop(session, shop_id):
        raise not_found("客服 / agent", agent_id)
    c = _validated(ContractIn, values)
    for lo, hi, zh, en in ((c.min_days, c.max_days, "天数", "days"), (c.min_hours, c.max_hours, "工时", "hours")):
        if lo is not None and hi is not None and lo > hi:
            raise bad_argument(f"min_{en}", f"最少{zh} {lo} 大于最多{zh} {hi}", f"min {en} {lo} exceeds max {en} {hi}")
    agent.min_days_month, agent.max_days_month = c.min_days, c.max_days
    agent.min_hours_month, agent.max_hours_month = c.min_hours, c.max_hours
    session.flush()
    events.roster_contract_saved(session, shop_id=shop_id, agent_id=agent_id, by=by, at=now or utc_now(),
                                 doc=c.model_dump())  # fmt: skip
    return contract_out(agent)
