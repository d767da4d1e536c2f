"""Product briefings: publish, a failed and a passed quiz, who has not acknowledged (before and at launch)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from team_world import NOW, World

from kefu.domain.errors import KefuError
from kefu.service.care.actions_bot import bot_answer
from kefu.service.care.actions_faq import add_faq_entries
from kefu.service.team import actions, schemas
from kefu.store.models.care import FaqPair
from kefu.store.models.live import Event
from kefu.store.models.org import Shop

LAUNCH = date(2026, 3, 10)


def publish(w: World, by: actions.Actor | None = None, **over: object) -> schemas.BriefingOut:
    body = {"shop_id": "s1", "product": "保温杯 500ml", "launch_on": LAUNCH,
            "attributes": [{"name": "容量", "value": "500ml"}, {"name": "材质", "value": "316 不锈钢"}],
            "faq": [{"question": "能装碳酸饮料吗", "answer": "不建议"}],
            "quiz": [{"question": "容量?", "options": ["350ml", "500ml"], "answer": 1},
                     {"question": "材质?", "options": ["304", "316"], "answer": 1}], **over}  # fmt: skip
    return actions.publish_briefing(w.session, by or w.sup, schemas.BriefingIn.model_validate(body), now=NOW)


def answer(w: World, who: actions.Actor, briefing: int, answers: list[int], at: datetime = NOW) -> schemas.GradeOut:
    return actions.acknowledge_briefing(w.session, who, briefing, schemas.AnswersIn(answers=answers), now=at)


def test_acknowledged_by_passing_the_quiz(world: World) -> None:
    w = world
    b = publish(w)
    assert [q.model_dump() for q in b.quiz] == [{"question": "容量?", "options": ["350ml", "500ml"]},
                                                 {"question": "材质?", "options": ["304", "316"]}]  # no answers sent
    failed = answer(w, w.a1, b.id, [1, 0])
    assert (failed.right, failed.total, failed.passed, failed.wrong, failed.acknowledged_at) == (1, 2, False, [1], None)
    passed = answer(w, w.a1, b.id, [1, 1])
    assert (passed.passed, passed.acknowledged_at) == (True, NOW)
    again = answer(w, w.a1, b.id, [1, 1], NOW + timedelta(days=1))
    assert again.acknowledged_at == NOW  # the first pass is kept
    late = answer(w, w.a2, b.id, [1, 1], datetime(2026, 3, 11, 9, tzinfo=NOW.tzinfo))
    assert late.passed
    status = actions.briefing_status(w.session, w.sup, b.id, now=NOW)
    assert (status.missing, [(r.agent_id, r.state) for r in status.rows]) == (
        2, [("a3", "missing"), ("a4", "missing"), ("a1", "acknowledged"), ("a2", "acknowledged_late")])
    at_launch = actions.briefing_status(w.session, w.sup, b.id, now=datetime(2026, 3, 10, 8, tzinfo=NOW.tzinfo))
    assert [r.state for r in at_launch.rows][:2] == ["missing_at_launch", "missing_at_launch"]
    mine = actions.list_briefings(w.session, w.a1, now=NOW)
    assert [(x.id, x.acknowledged_at) for x in mine] == [(b.id, NOW)]
    kinds = w.session.execute(select(Event.kind, Event.agent_id).where(Event.kind.startswith("briefing."))
                              .order_by(Event.id)).all()  # fmt: skip
    assert [tuple(k) for k in kinds] == [("briefing.published", None), ("briefing.acknowledged", "a1"),
                                         ("briefing.acknowledged", "a2")]


def test_refusals(world: World) -> None:
    w = world
    with pytest.raises(KefuError) as exc:
        publish(w, by=w.a1)
    assert exc.value.code == "FORBIDDEN"
    with pytest.raises(KefuError) as exc:
        publish(w, quiz=[{"question": "?", "options": ["a", "b"], "answer": 2}])
    assert (exc.value.code, exc.value.details["argument"]) == ("BAD_ARGUMENT", "quiz[1].answer")
    b = publish(w)
    with pytest.raises(KefuError) as exc:
        answer(w, w.a1, b.id, [1])
    assert exc.value.code == "BAD_ARGUMENT"
    with pytest.raises(KefuError) as exc:
        answer(w, w.sup, b.id, [1, 1])  # supervisors publish; agents answer
    assert exc.value.code == "FORBIDDEN"
    with pytest.raises(KefuError) as exc:
        actions.briefing_status(w.session, w.a1, b.id, now=NOW)
    assert exc.value.code == "FORBIDDEN"
    with pytest.raises(KefuError) as exc:
        answer(w, w.a1, 99, [1, 1])
    assert exc.value.code == "NOT_FOUND"


def test_publishing_teaches_the_shops_bot_the_faq_additions(world: World) -> None:
    """Issue 22 item 5: the FAQ additions reach the bot of the briefing's shop (and no other shop's)."""
    w = world
    w.session.add(Shop(id="s2", name="别的店", settings={}))
    w.session.flush()
    asked = "这款保温杯能装开水吗"
    assert not str(bot_answer(w.session, asked, shop_id="s1")["intent"] or "").startswith("briefing:")
    b = publish(w, faq=[{"question": "能装开水吗", "answer": "可以, 316 不锈钢内胆耐 100℃ 开水"},
                        {"question": "杯盖可以拆洗吗", "answer": "杯盖硅胶圈可拆, 可以清洗"}])
    learned = w.session.execute(select(FaqPair.intent, FaqPair.question).where(FaqPair.shop_id == "s1")
                                .order_by(FaqPair.id)).all()  # fmt: skip
    assert [tuple(r) for r in learned] == [
        (f"briefing:{b.id}#1", "能装开水吗"), (f"briefing:{b.id}#1", "保温杯 500ml 能装开水吗"),
        (f"briefing:{b.id}#2", "杯盖可以拆洗吗"), (f"briefing:{b.id}#2", "保温杯 500ml 杯盖可以拆洗吗")]
    for question, n, text in ((asked, 1, "可以, 316 不锈钢内胆耐 100℃ 开水"), ("杯盖能拆下来洗吗", 2, "杯盖硅胶圈可拆, 可以清洗")):
        reply = bot_answer(w.session, question, shop_id="s1")
        assert (reply["action"], reply["intent"], reply["answer"]) == ("answer", f"briefing:{b.id}#{n}", text)
    assert not str(bot_answer(w.session, asked, shop_id="s2")["intent"] or "").startswith("briefing:")
    data = w.session.scalars(select(Event.data).where(Event.kind == "briefing.published")).one()
    assert (data["faq_rows"], data["bot_rows"]) == (2, 4)
    assert add_faq_entries(w.session, "s1", [(["能装开水吗"], "再来一次")], source=f"briefing:{b.id}") == 0  # once only
