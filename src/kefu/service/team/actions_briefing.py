"""Product briefings (seed 001 三): the supervisor publishes, agents acknowledge by passing the quiz.

Publishing also teaches the shop's bot the briefing's FAQ additions (each an intent of
the shop's own knowledge, through :func:`kefu.service.care.actions_faq.add_faq_entries`),
so buyers asking about the new product are answered from launch on.

A briefing blocks nobody; it shows the supervisor who has not acknowledged, and
who was still missing at launch. Agents read the briefings of their shop without
the quiz's answers; a pass is recorded once (the first one), every attempt is
counted. Publishing and each acknowledgement are event rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import not_found
from kefu.domain.timeutil import SHOP_TZ, utc_now
from kefu.service import access
from kefu.service.care import actions_faq as faq_entries
from kefu.service.team import events
from kefu.service.team.actions_common import Actor, agent_names, manager, near, today
from kefu.service.team.schemas import (
    AckRowOut,
    AnswersIn,
    BriefingIn,
    BriefingOut,
    BriefingStatusOut,
    GradeOut,
    QuestionOut,
)
from kefu.store.models.org import Agent, Shop
from kefu.store.models.team import Briefing, BriefingAck
from kefu.team import briefing as rules


def _view(r: Briefing, acked: datetime | None = None) -> BriefingOut:
    return BriefingOut(id=r.id, shop_id=r.shop_id, product=r.product, launch_on=r.launch_on,
                       attributes=list(r.attributes or []), faq=list(r.faq or []),
                       quiz=[QuestionOut(question=q["question"], options=q["options"]) for q in r.quiz or []],
                       created_by=r.created_by, acknowledged_at=acked)  # fmt: skip


def _wordings(product: str, faq: list[tuple[str, str]]) -> list[tuple[list[str], str]]:
    """Each FAQ addition as the bot learns it: the question as written and, when it does not name the
    product, also with the product's name in front (buyers ask "这款XX能…")."""
    return [([q] if product in q else [q, f"{product} {q}"], a) for q, a in faq]


def publish_briefing(session: Session, actor: Actor, body: BriefingIn, *, now: datetime | None = None) -> BriefingOut:
    """Publish a briefing to the shop's agents (posted to the team robots)."""
    now = now or utc_now()
    manager(actor)
    near("launch_on", body.launch_on, now=now)
    if session.get(Shop, body.shop_id) is None:
        raise not_found("店铺 / shop", body.shop_id)
    attributes = rules.check_pairs([a.model_dump() for a in body.attributes], "name", "value", "attributes")
    faq = rules.check_pairs([f.model_dump() for f in body.faq], "question", "answer", "faq")
    quiz = rules.check_quiz([q.model_dump() for q in body.quiz])
    row = Briefing(shop_id=body.shop_id, product=body.product.strip(), launch_on=body.launch_on,
                   attributes=[{"name": n, "value": v} for n, v in attributes],
                   faq=[{"question": q, "answer": a} for q, a in faq],
                   quiz=[{"question": q.text, "options": list(q.options), "answer": q.answer} for q in quiz],
                   created_by=actor.name, created_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    bot_rows = faq_entries.add_faq_entries(session, row.shop_id, _wordings(row.product, faq), source=f"briefing:{row.id}")
    events.briefing_published(session, briefing_id=row.id, shop_id=row.shop_id, actor=actor.name, now=now,
                              product=row.product, launch_on=row.launch_on.isoformat(), faq_rows=len(faq),
                              bot_rows=bot_rows,
                              tell=f"新品培训: {row.product} ({row.launch_on} 上架), 请在「我的」页面学习并完成小测验")  # fmt: skip
    return _view(row)


def _briefing(session: Session, actor: Actor, briefing_id: int) -> Briefing:
    row = session.get(Briefing, briefing_id)
    if row is None:
        raise not_found("产品培训 / briefing", briefing_id)
    access.require_shop(session, actor, row.shop_id)
    return row


def acknowledge_briefing(session: Session, actor: Actor, briefing_id: int, body: AnswersIn, *,
                         now: datetime | None = None) -> GradeOut:  # fmt: skip
    """The agent answers the quiz; a pass acknowledges the briefing (the first pass is kept)."""
    now = now or utc_now()
    agent_id = access.agent_of(actor)
    row = _briefing(session, actor, briefing_id)
    quiz = [rules.Question(q["question"], tuple(q["options"]), int(q["answer"])) for q in row.quiz]
    grade = rules.grade(quiz, body.answers)
    ack = session.scalar(select(BriefingAck).where(BriefingAck.briefing_id == row.id, BriefingAck.agent_id == agent_id))
    if ack is None:
        ack = BriefingAck(briefing_id=row.id, agent_id=agent_id, attempts=0, last_at=now)
        session.add(ack)
    ack.attempts, ack.right, ack.total, ack.last_at = (ack.attempts or 0) + 1, grade.right, grade.total, now
    if grade.passed and ack.acknowledged_at is None:
        ack.acknowledged_at = now
        events.briefing_acknowledged(session, briefing_id=row.id, agent_id=agent_id, shop_id=row.shop_id,
                                     actor=actor.name, now=now, right=grade.right, total=grade.total)  # fmt: skip
    session.flush()
    return GradeOut(briefing_id=row.id, right=grade.right, total=grade.total, passed=grade.passed,
                    wrong=list(grade.wrong), acknowledged_at=ack.acknowledged_at)  # fmt: skip


def list_briefings(session: Session, actor: Actor, *, shop_id: str | None = None,
                   now: datetime | None = None) -> list[BriefingOut]:  # fmt: skip
    """Briefings launching from a month ago on; an agent sees its shop's, each with its own acknowledgement."""
    stmt = select(Briefing).where(Briefing.launch_on >= today(now).replace(day=1))
    mine: dict[int, datetime | None] = {}
    if access.is_agent(actor):
        shop = access.agent_shop(session, actor)
        shop_id = shop if shop is not None else shop_id
        mine = dict(session.execute(select(BriefingAck.briefing_id, BriefingAck.acknowledged_at).where(
            BriefingAck.agent_id == access.agent_of(actor))).tuples().all())  # fmt: skip
    if shop_id:
        stmt = stmt.where(Briefing.shop_id == shop_id)
    return [_view(r, mine.get(r.id)) for r in session.scalars(stmt.order_by(Briefing.launch_on, Briefing.id))]


def briefing_status(session: Session, actor: Actor, briefing_id: int, *, now: datetime | None = None) -> BriefingStatusOut:
    """Every active agent of the shop: acknowledged (late when after launch), missing, missing at launch."""
    manager(actor)
    row = _briefing(session, actor, briefing_id)
    agents = list(session.scalars(select(Agent.id).where(Agent.shop_id == row.shop_id, Agent.active)))
    acked = {a: t.astimezone(SHOP_TZ).date() for a, t in session.execute(select(
        BriefingAck.agent_id, BriefingAck.acknowledged_at).where(BriefingAck.briefing_id == row.id,
                                                                  BriefingAck.acknowledged_at.is_not(None))) if t is not None}  # fmt: skip
    rows = rules.ack_rows(agents, acked, row.launch_on, today(now))
    names = agent_names(session, set(agents))
    out = [AckRowOut(agent_id=r.agent, agent_name=names[r.agent], acknowledged_on=r.acknowledged_on, state=r.state)
           for r in rows]  # fmt: skip
    return BriefingStatusOut(briefing=_view(row), missing=sum(r.acknowledged_on is None for r in rows), rows=out)
