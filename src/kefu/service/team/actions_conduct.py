"""Fines and rewards (seed 001 七 / 十一 / 十二) feeding pay, and the published activity-fund statement.

A violation takes the next step of the shop's ladder (``settings["team"]["ladder"]``,
the seed's 10 → 30 元 → dismissal warning otherwise), counted over the last
``ladder.WINDOW_DAYS``; a fine or a reward is one pay-ledger row (pay reads it),
linked from the conduct entry with its evidence. Fines go to the team activity
fund; spends come out of it and never below zero. The agent sees its entries on
its page, and the supervisor's decision is an event row.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kefu.domain.errors import bad_argument, not_found
from kefu.domain.timeutil import utc_now
from kefu.service.care import actions_books as care_books
from kefu.service.team import events, store
from kefu.service.team.actions_common import Actor, agent_names, manager, near, own
from kefu.service.team.schemas import ConductIn, ConductOut, FundLineOut, FundSpendIn, FundStatementOut
from kefu.service.team.schemas_growth import LadderOut, LadderStepOut
from kefu.store.models.org import Agent, Shop
from kefu.store.models.team import ConductEntry, FundSpend
from kefu.team import ladder

OUTCOME_TEXT = {"fine": "罚款", "dismissal_warning": "辞退警告", "reward": "奖励"}


def _view(r: ConductEntry, name: str) -> ConductOut:
    return ConductOut(id=r.id, agent_id=r.agent_id, agent_name=name, day=r.day, kind=r.kind, rule=r.rule,
                      outcome=r.outcome, step=r.step, amount_fen=r.amount_fen, evidence=r.evidence,
                      ledger_entry_id=r.ledger_entry_id, created_by=r.created_by)  # fmt: skip


def _outcome(session: Session, agent: Agent, body: ConductIn) -> tuple[str, int, int]:
    """(outcome, step, signed fen) of a new entry: the ladder's next step, or the reward of its kind."""
    settings = store.team_settings(session, agent.shop_id)
    if body.kind != "violation":
        default = int((settings.get("rewards") or {}).get(body.kind, ladder.REWARDS[body.kind][2]))
        return "reward", 0, body.amount_fen or default
    since = body.day - timedelta(days=ladder.WINDOW_DAYS)
    earlier = session.scalar(select(func.count(ConductEntry.id)).where(
        ConductEntry.agent_id == agent.id, ConductEntry.kind == "violation", ConductEntry.day > since,
        ConductEntry.day <= body.day)) or 0  # fmt: skip
    step = ladder.next_step(ladder.parse_ladder(settings.get("ladder")), int(earlier))
    return step.outcome, int(earlier) + 1, -step.amount_fen


def record_conduct(session: Session, actor: Actor, body: ConductIn, *, now: datetime | None = None) -> ConductOut:
    """Record a violation or a reward: the ladder step, the pay-ledger row, the event; the agent is told."""
    now = now or utc_now()
    manager(actor)
    agent = own(session, actor, body.agent_id)
    near("day", body.day, now=now)
    store.lock_agent(session, agent.id)  # two violations at once still take two steps
    outcome, step, fen = _outcome(session, agent, body)
    what = ladder.REWARDS[body.kind][0] if outcome == "reward" else f"第 {step} 次违规"
    ledger_id = None
    if fen:
        entry = care_books.add_ledger_entry(session, agent_id=agent.id, day=body.day,
                                            kind="reward" if fen > 0 else "fine", amount_fen=fen,
                                            reason=f"{what}: {body.rule.strip()}", evidence=body.evidence, by=actor.name,
                                            now=now)  # fmt: skip
        ledger_id = int(entry["id"])
    row = ConductEntry(agent_id=agent.id, day=body.day, kind=body.kind, rule=body.rule.strip(), outcome=outcome,
                       step=step, amount_fen=fen, evidence=body.evidence.strip(), ledger_entry_id=ledger_id,
                       created_by=actor.name, created_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    money = f" {abs(fen) / 100:g} 元" if fen else ""
    events.conduct_recorded(session, entry_id=row.id, agent_id=agent.id, shop_id=agent.shop_id, actor=actor.name,
                            now=now, outcome=outcome, step=step, amount_fen=fen, evidence=row.evidence,
                            tell=f"{agent.name} {body.day} {what}, {OUTCOME_TEXT[outcome]}{money}: {row.rule}")  # fmt: skip
    return _view(row, agent.name)


def conduct_ladder(session: Session, actor: Actor, shop_id: str) -> LadderOut:
    """The shop's ladder and rewards as the data that decides them (published with the fund statement)."""
    if session.get(Shop, shop_id) is None:
        raise not_found("店铺 / shop", shop_id)
    settings = store.team_settings(session, shop_id)
    steps = [LadderStepOut(count=s.count, outcome=s.outcome, label=OUTCOME_TEXT[s.outcome], amount_fen=s.amount_fen)
             for s in ladder.parse_ladder(settings.get("ladder"))]  # fmt: skip
    rewards = [LadderStepOut(count=0, outcome=kind, label=zh, amount_fen=int((settings.get("rewards") or {}).get(kind, fen)))
               for kind, (zh, _en, fen) in ladder.REWARDS.items()]  # fmt: skip
    return LadderOut(shop_id=shop_id, window_days=ladder.WINDOW_DAYS, steps=steps, rewards=rewards)


def list_conduct(session: Session, actor: Actor, agent_id: str | None, *, limit: int = 100) -> list[ConductOut]:
    """An agent's entries newest first (agents: their own)."""
    agent = own(session, actor, agent_id)
    rows = session.scalars(select(ConductEntry).where(ConductEntry.agent_id == agent.id)
                           .order_by(ConductEntry.day.desc(), ConductEntry.id.desc()).limit(limit))  # fmt: skip
    return [_view(r, agent.name) for r in rows]


Rows = list[tuple[date, int, str]]


def _fund_rows(session: Session, shop_id: str, first: date | None, last: date | None) -> tuple[Rows, Rows]:
    """Fines of the shop's agents and spends of the shop between two days (None = no bound)."""
    fines = select(ConductEntry.day, ConductEntry.amount_fen, ConductEntry.agent_id, ConductEntry.rule).join(
        Agent, Agent.id == ConductEntry.agent_id).where(Agent.shop_id == shop_id, ConductEntry.outcome == "fine")  # fmt: skip
    spends = select(FundSpend.day, FundSpend.amount_fen, FundSpend.purpose).where(FundSpend.shop_id == shop_id)
    if first is not None:
        fines, spends = fines.where(ConductEntry.day >= first), spends.where(FundSpend.day >= first)
    if last is not None:
        fines, spends = fines.where(ConductEntry.day <= last), spends.where(FundSpend.day <= last)
    found = session.execute(fines).all()
    names = agent_names(session, {a for _, _, a, _ in found})
    return ([(d, a, f"{names[who]}: {rule}") for d, a, who, rule in found],
            [(d, a, p) for d, a, p in session.execute(spends)])  # fmt: skip


def _balance(rows: tuple[Rows, Rows]) -> int:
    fines, spends = rows
    return sum(-a for _, a, _ in fines) - sum(a for _, a, _ in spends)


def fund_statement(session: Session, actor: Actor, shop_id: str, first: date, last: date) -> FundStatementOut:
    """The published statement of a period (at most a year): opening balance, every fine and spend, closing.

    Open to every signed-in role: the seed wants it published to the team.
    """
    if session.get(Shop, shop_id) is None:
        raise not_found("店铺 / shop", shop_id)
    if not first <= last <= first + timedelta(days=366):
        raise bad_argument("to", "期间应为一年以内且结束不早于开始", "the period must run forward and span at most a year")
    opening = _balance(_fund_rows(session, shop_id, None, first - timedelta(days=1)))
    fines, spends = _fund_rows(session, shop_id, first, last)
    lines = ladder.fund_statement(fines, spends, opening_fen=opening)
    return FundStatementOut(shop_id=shop_id, first_day=first, last_day=last, opening_fen=opening,
                            lines=[FundLineOut(day=x.day, kind=x.kind, amount_fen=x.amount_fen, text=x.text,
                                               balance_fen=x.balance_fen) for x in lines],
                            closing_fen=lines[-1].balance_fen if lines else opening)  # fmt: skip


def spend_fund(session: Session, actor: Actor, body: FundSpendIn, *, now: datetime | None = None) -> FundStatementOut:
    """Spend from the fund (team activity, fruit…); refused beyond what the fund holds."""
    now = now or utc_now()
    manager(actor)
    near("day", body.day, now=now)
    if session.get(Shop, body.shop_id) is None:
        raise not_found("店铺 / shop", body.shop_id)
    store.lock_shop(session, body.shop_id)  # two spends at once cannot both take the last yuan
    balance = _balance(_fund_rows(session, body.shop_id, None, None))
    if body.amount_fen > balance:
        raise store.conflict(f"活动经费不足: 余额 {balance / 100:g} 元", f"the fund holds only {balance / 100:g} yuan",
                             balance_fen=balance, amount_fen=body.amount_fen)  # fmt: skip
    row = FundSpend(shop_id=body.shop_id, day=body.day, amount_fen=body.amount_fen, purpose=body.purpose.strip(),
                    created_by=actor.name, created_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    events.fund_spent(session, spend_id=row.id, shop_id=body.shop_id, actor=actor.name, now=now,
                      amount_fen=row.amount_fen, purpose=row.purpose)  # fmt: skip
    return fund_statement(session, actor, body.shop_id, body.day.replace(day=1), body.day)
