"""Product briefings: publish, a failed and a passed quiz, who has not acknowledged (before and at launch)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from team_world import NOW, World

from kefu.domain.errors import KefuError
from kefu.service.team import actions, schemas
from kefu.store.models.live import Event

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
