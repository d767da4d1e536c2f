"""Care use-cases against a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.domain.timeutil import SHOP_TZ
from kefu.service.care import actions as care
from kefu.service.care import actions_books as books
from kefu.service.care import actions_bot as bot
from kefu.service.care import actions_surveys as surveys
from kefu.service.care import actions_templates as templates
from kefu.service.care import actions_tickets as tickets
from kefu.store.models.care import FaqPair, ReplyTemplate
from kefu.store.models.commerce import Order, OrderCredit
from kefu.store.models.live import Conversation, Event, Handover
from kefu.store.models.org import Agent, Shop


def sh(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHOP_TZ)  # type: ignore[misc]


@pytest.fixture
def db(session: Session) -> Session:
    session.add(Shop(id="s1", name="小店", settings={}))
    session.flush()
    session.add_all([Agent(id="a1", shop_id="s1", name="小美"), Agent(id="a2", shop_id="s1", name="小王")])
    session.flush()
    return session


def test_ticket_lifecycle_with_sla_events_and_callback(db: Session) -> None:
    t = tickets.create_ticket(db, shop_id="s1", buyer="b1", category="物流", severity="high", summary="快递三天不动",
                           order_id="o1", owner="a1", by="a1", now=sh(2026, 11, 18, 21, 0))  # fmt: skip
    assert t["status"] == "open"
    assert t["sla"]["first_response_due"] == sh(2026, 11, 18, 22, 0).isoformat()
    tid = t["id"]
    t = tickets.respond_ticket(db, tid, text="已联系快递", by="a1", now=sh(2026, 11, 18, 21, 20))
    assert t["sla"]["first_response"] == "met" and t["sla"]["first_response_minutes"] == 20
    t = tickets.escalate_ticket(
        db, tid, department="logistics", note="请物流部查中转站", by="a1", now=sh(2026, 11, 19, 9)
    )
    assert (t["status"], t["department"]) == ("escalated", "logistics")
    assert t["notes"][-1]["kind"] == "escalation" and t["notes"][-1]["department"] == "logistics"
    t = tickets.resolve_ticket(db, tid, root_cause="快递中转延误", by="a1", now=sh(2026, 11, 19, 10))
    assert t["status"] == "resolved" and t["sla"]["resolution"] == "met"
    t = tickets.schedule_callback(db, tid, at=sh(2026, 11, 20, 10), by="a1", now=sh(2026, 11, 19, 10))
    assert t["callback_at"] == sh(2026, 11, 20, 10).isoformat()
    t = tickets.record_callback(
        db, tid, outcome="satisfied", note="买家满意", by="a1", now=sh(2026, 11, 20, 10, 5)
    )
    assert t["callback_outcome"] == "satisfied" and t["status"] == "resolved"
    t = tickets.close_ticket(db, tid, by="a1", now=sh(2026, 11, 21))
    kinds = list(db.scalars(select(Event.kind).where(Event.subject == f"ticket:{tid}").order_by(Event.id)))
    assert kinds == ["ticket.created", "ticket.responded", "ticket.escalated", "ticket.resolved",
                     "ticket.callback_scheduled", "ticket.callback_done", "ticket.closed"]  # fmt: skip
    with pytest.raises(KefuError) as exc:
        tickets.escalate_ticket(db, tid, department="tech", note="x", by="a1")
    assert exc.value.code is ErrorCode.TICKET_BAD_TRANSITION


def test_ticket_unhappy_paths(db: Session) -> None:
    with pytest.raises(KefuError):
        tickets.create_ticket(db, shop_id="s1", buyer="b", category="火星")
    for bad in ({"buyer": " "}, {"buyer": "b" * 129}, {"shop_id": ""}, {"order_id": "9" * 65}):
        with pytest.raises(KefuError):
            tickets.create_ticket(db, **{"shop_id": "s1", "buyer": "b", "category": "质量", **bad})
    with pytest.raises(KefuError) as exc:
        tickets.create_ticket(db, shop_id="s1", buyer="b", category="质量", owner="ghost")
    assert exc.value.code is ErrorCode.AGENT_UNKNOWN
    tid = tickets.create_ticket(db, shop_id="s1", buyer="b", category="质量", now=sh(2026, 11, 18, 10))["id"]
    with pytest.raises(KefuError):
        tickets.escalate_ticket(db, tid, department="hr", note="x", by="a1")
    with pytest.raises(KefuError):
        tickets.escalate_ticket(db, tid, department="tech", note="  ", by="a1")
    with pytest.raises(KefuError) as cb:
        tickets.schedule_callback(db, tid, at=sh(2026, 11, 19), by="a1")
    assert cb.value.code is ErrorCode.TICKET_BAD_TRANSITION
    with pytest.raises(KefuError):
        tickets.resolve_ticket(db, tid, root_cause=" ", by="a1")
    tickets.resolve_ticket(db, tid, root_cause="面料瑕疵", by="a1", now=sh(2026, 11, 18, 11))
    with pytest.raises(KefuError):
        tickets.record_callback(db, tid, outcome="satisfied", by="a1")  # none scheduled
    with pytest.raises(KefuError):
        tickets.schedule_callback(db, tid, at=sh(2026, 11, 18, 10, 30), by="a1")  # before resolution
    tickets.schedule_callback(db, tid, at=sh(2026, 11, 19, 10), by="a1")
    t = tickets.record_callback(db, tid, outcome="reopened", note="还是有问题", by="a1")
    assert (t["status"], t["resolved_at"]) == ("open", None)
    with pytest.raises(KefuError) as nf:
        tickets.get_ticket(db, 9999)
    assert nf.value.code is ErrorCode.NOT_FOUND


def test_business_hours_come_from_shop_settings(db: Session) -> None:
    care.set_care_settings(db, "s1", open="10:00", close="18:00")
    t = tickets.create_ticket(
        db, shop_id="s1", buyer="b", category="物流", severity="critical", now=sh(2026, 11, 18, 17, 50)
    )
    assert t["sla"]["first_response_due"] == sh(2026, 11, 19, 10, 20).isoformat()
    # the shop closes on Thursday 2026-11-19: the clock jumps to Friday
    care.set_care_settings(db, "s1", calendar_overrides={"2026-11-19": "rest"}, open_on_rest_days=False)
    t = tickets.create_ticket(
        db, shop_id="s1", buyer="b", category="物流", severity="critical", now=sh(2026, 11, 18, 17, 50)
    )
    assert t["sla"]["first_response_due"] == sh(2026, 11, 20, 10, 20).isoformat()
    care.set_care_settings(db, "s1", sla={"critical": [5, 60]})
    t = tickets.create_ticket(
        db, shop_id="s1", buyer="b", category="物流", severity="critical", now=sh(2026, 11, 18, 11, 0)
    )
    assert t["sla"]["first_response_due"] == sh(2026, 11, 18, 11, 5).isoformat()
    with pytest.raises(KefuError):
        care.set_care_settings(db, "s1", sla={"critical": [60, 5]})
    with pytest.raises(KefuError):
        care.set_care_settings(db, "s1", calendar_overrides={"2026-11-19": "holiday"})
    with pytest.raises(KefuError):
        care.set_care_settings(db, "s1", calendar_overrides={"19 Nov": "rest"})
    with pytest.raises(KefuError):
        care.set_care_settings(db, "s1", open="25:00")
    with pytest.raises(KefuError):
        care.set_care_settings(db, "s1", bot_mode="robot")
    with pytest.raises(KefuError):
        care.set_care_settings(db, "nope", open="09:00")


def test_root_cause_summary_for_one_month(db: Session) -> None:
    for day, cause in ((3, "快递延误"), (5, "快递延误"), (9, "尺码表错误")):
        tid = tickets.create_ticket(db, shop_id="s1", buyer="b", category="物流", now=sh(2026, 11, day, 10))[
            "id"
        ]
        tickets.resolve_ticket(db, tid, root_cause=cause, by="a1", now=sh(2026, 11, day, 11))
    tickets.create_ticket(db, shop_id="s1", buyer="b", category="质量", now=sh(2026, 12, 1, 0, 0))  # next month
    s = tickets.root_cause_summary(db, "2026-11", shop_id="s1", now=sh(2026, 12, 1))
    assert s["tickets"] == 3
    assert s["by_root_cause"] == {"快递延误": 2, "尺码表错误": 1}
    assert s["avg_resolution_business_hours"] == "1.00"


def _closed_chats(db: Session, n: int, agent: str = "a1") -> list[int]:
    convs = [Conversation(shop_id="s1", buyer=f"b{i}", agent_id=agent, status="closed", opened_at=sh(2026, 11, 18, 11))
             for i in range(n)]
    db.add_all(convs)
    db.flush()
    return [c.id for c in convs]


def test_surveys_response_rate_and_single_answer(db: Session) -> None:
    sent = [surveys.send_survey(db, conversation_id=c, by="boss", now=sh(2026, 11, 18, 12)) for c in _closed_chats(db, 4)]
    assert [s["agent_id"] for s in sent] == ["a1"] * 4  # the conversation's agent, never the caller's choice
    assert sent[0]["link"] == f"/survey?t={sent[0]['token']}" and sent[0]["created_by"] == "boss"
    tokens = [s["token"] for s in sent]
    assert surveys.answer_survey(db, tokens[0], "非常满意") == {"answered": True, "score": 5, "level": "非常满意"}
    surveys.answer_survey(db, tokens[1], 2, "发货慢")
    with pytest.raises(KefuError) as exc:
        surveys.answer_survey(db, tokens[0], 1)  # a used link
    assert exc.value.code is ErrorCode.SURVEY_ALREADY_ANSWERED
    with pytest.raises(KefuError):
        surveys.answer_survey(db, tokens[2], 9)
    with pytest.raises(KefuError) as exc:
        surveys.send_survey(db, conversation_id=sent[0]["conversation_id"])  # one per conversation
    assert exc.value.code is ErrorCode.SURVEY_EXISTS
    with pytest.raises(KefuError) as exc:
        surveys.send_survey(db)
    assert exc.value.code is ErrorCode.BAD_ARGUMENT
    s = surveys.survey_stats(db, date(2026, 11, 18), date(2026, 11, 18), shop_id="s1")
    assert (s["sent"], s["answered"], s["response_rate"], s["satisfied_rate"]) == (4, 2, "0.5000", "0.5000")
    assert s["distribution"]["不满意"] == 1
    assert surveys.survey_stats(db, date(2026, 11, 19), date(2026, 11, 30))["sent"] == 0


@pytest.mark.parametrize("token", ["", "x", "MQ.bad-signature", "1", "eyJhIjoxfQ.AAAA"])
def test_a_wrong_survey_token_is_refused_and_nothing_is_stored(db: Session, token: str) -> None:
    sent = surveys.send_survey(db, conversation_id=_closed_chats(db, 1)[0])
    with pytest.raises(KefuError) as exc:
        surveys.answer_survey(db, token, 5)
    assert (exc.value.code, exc.value.http_status) == (ErrorCode.SURVEY_TOKEN_INVALID, 403)
    # change a whole signature character: the last base64 character also carries padding bits, and with some
    # keys changing it leaves the decoded signature (and so the token) valid
    forged = sent["token"][:-2] + ("A" if sent["token"][-2] != "A" else "B") + sent["token"][-1]
    with pytest.raises(KefuError):
        surveys.answer_survey(db, forged, 5)
    assert surveys.survey_stats(db, date(2000, 1, 1), date(2099, 12, 31))["answered"] == 0


def test_a_ticket_survey_credits_the_owner_and_a_link_is_found_again(db: Session) -> None:
    t = tickets.create_ticket(db, shop_id="s1", buyer="b1", category="质量", owner="a2")
    made = surveys.send_survey(db, ticket_id=t["id"])
    assert (made["agent_id"], made["shop_id"]) == ("a2", "s1")
    assert surveys.survey_link(db, ticket_id=t["id"])["token"] == made["token"]
    with pytest.raises(KefuError) as exc:
        surveys.survey_link(db, conversation_id=424242)
    assert exc.value.code is ErrorCode.NOT_FOUND
    with pytest.raises(KefuError) as exc:
        surveys.send_survey(db, ticket_id=t["id"])
    assert exc.value.code is ErrorCode.SURVEY_EXISTS


def test_templates_seed_search_render_and_count(db: Session) -> None:
    added = templates.seed_templates(db)
    assert added >= 12
    assert templates.seed_templates(db) == 0  # idempotent
    hits = templates.search_templates(db, "wl")
    assert hits and all(h["category"] == "物流" for h in hits)
    tid = next(h["id"] for h in templates.search_templates(db, "物流进度"))
    vals = {"买家": "小李", "订单号": "123", "物流单号": "ZT9", "预计天数": 2}
    out = templates.render_template(db, tid, vals)
    assert "小李" in out["text"] and "{" not in out["text"] and out["usage_count"] == 1
    assert templates.render_template(db, tid, vals)["usage_count"] == 2
    with pytest.raises(KefuError) as exc:
        templates.render_template(db, tid, {"买家": "小李"})
    assert exc.value.code is ErrorCode.TEMPLATE_VARIABLE_MISSING
    assert db.get(ReplyTemplate, tid).usage_count == 2  # type: ignore[union-attr]  # failed render not counted
    own = templates.create_template(db, category="售前", title="店铺专属", body="{买家}好", shop_id="s1")
    assert [h["id"] for h in templates.search_templates(db, "店铺专属", shop_id="s1")] == [own["id"]]
    assert templates.search_templates(db, "店铺专属", shop_id="s2") == []
    with pytest.raises(KefuError):
        templates.render_template(db, 99999, {})


def test_bot_answer_modes_and_shop_faq(db: Session) -> None:
    r = bot.bot_answer(db, "可以开发票吗?", "bot_first")
    assert (r["action"], r["intent"]) == ("answer", "invoice")
    assert bot.bot_answer(db, "转人工")["reason"] == "asked_for_human"
    care.set_care_settings(db, "s1", bot_mode="human_first")
    assert bot.bot_answer(db, "可以开发票吗?", shop_id="s1")["action"] == "suggest"
    db.add(
        FaqPair(
            shop_id="s1", intent="live_room", question="直播间专属价怎么拿", answer="从直播间链接下单即可"
        )
    )
    db.flush()
    r = bot.bot_answer(db, "直播间专属价怎么拿", "bot_first", shop_id="s1")
    assert (r["intent"], r["answer"]) == ("live_room", "从直播间链接下单即可")
    assert bot.bot_answer(db, "直播间专属价怎么拿", "bot_first")["intent"] != "live_room"


def test_logbooks_weekly_summary_and_handover(db: Session) -> None:
    books.add_logbook_entry(
        db, shop_id="s1", book="issues", author="a1", kind="problem", text="尺码表错", day=date(2026, 11, 16)
    )
    books.add_logbook_entry(
        db, shop_id="s1", book="issues", author="a2", kind="idea", text="加催发货短语", day=date(2026, 11, 20)
    )
    books.add_logbook_entry(
        db, shop_id="s1", book="handover", author="a1", text="买家b3等回电", day=date(2026, 11, 18)
    )
    with pytest.raises(KefuError):
        books.add_logbook_entry(db, shop_id="s1", book="diary", author="a1", text="x")
    s = books.weekly_issue_summary(db, shop_id="s1", day=date(2026, 11, 19))
    assert s["week_start"] == "2026-11-16" and s["total"] == 2
    db.add(Handover(shop_id="s1", at=sh(2026, 11, 18, 16), from_agent="a1", to_agent="a2",
                    items=[{"kind": "conversation", "id": 1}], note="白班交晚班"))  # fmt: skip
    db.flush()
    log = books.handover_log(db, shop_id="s1", day=date(2026, 11, 18))
    assert [n["text"] for n in log["notes"]] == ["买家b3等回电"]
    assert log["handovers"][0]["to_agent"] == "a2"


def test_service_stats_are_computed_from_conversations_and_credits(db: Session) -> None:
    def conv(agent: str, buyer: str, at: datetime) -> Conversation:
        return Conversation(shop_id="s1", buyer=buyer, agent_id=agent, status="closed", opened_at=at)

    db.add_all([conv("a1", "b1", sh(2026, 11, 18, 10)), conv("a1", "b2", sh(2026, 11, 18, 11)),
                conv("a1", "b1", sh(2026, 11, 18, 15)), conv("a2", "b3", sh(2026, 11, 18, 12)),
                conv("a1", "b4", sh(2026, 11, 17, 23, 59))])  # fmt: skip
    db.add_all([Order(id="o1", shop_id="s1", buyer="b1", created_at=sh(2026, 11, 18, 10, 5), paid_at=sh(2026, 11, 18, 10, 6),
                      amount_fen=9900, status="已付款"),
                Order(id="o2", shop_id="s1", buyer="b4", created_at=sh(2026, 11, 18, 9), paid_at=sh(2026, 11, 18, 9, 1),
                      amount_fen=500, status="已付款")])  # fmt: skip
    db.flush()
    now = datetime(2026, 11, 19, tzinfo=UTC)
    db.add_all([OrderCredit(order_id="o1", credited_agent="a1", computed_at=now),
                OrderCredit(order_id="o2", credited_agent="a1", computed_at=now)])  # fmt: skip
    db.flush()
    rows = {r["agent_id"]: r for r in books.service_stats(db, date(2026, 11, 18), shop_id="s1")}
    assert (rows["a1"]["served"], rows["a1"]["converted"], rows["a1"]["conversion_rate"]) == (2, 1, "0.5000")
    assert (rows["a1"]["orders"], rows["a1"]["amount_fen"]) == (2, 10400)
    assert (rows["a2"]["served"], rows["a2"]["converted"], rows["a2"]["conversion_rate"]) == (1, 0, "0.0000")


def test_ledger_entries_and_totals(db: Session) -> None:
    books.add_ledger_entry(db, agent_id="a1", day=date(2026, 11, 3), kind="fine", amount_fen=-1000, reason="上班玩游戏",
                          evidence="conversation:9", by="sup")  # fmt: skip
    books.add_ledger_entry(
        db, agent_id="a1", day=date(2026, 11, 9), kind="reward", amount_fen=2000, reason="发现宝贝数据错误"
    )
    books.add_ledger_entry(
        db, agent_id="a2", day=date(2026, 11, 9), kind="reward", amount_fen=500, reason="建议被采纳"
    )
    with pytest.raises(KefuError):
        books.add_ledger_entry(
            db, agent_id="a1", day=date(2026, 11, 9), kind="fine", amount_fen=1000, reason="x"
        )
    with pytest.raises(KefuError) as exc:
        books.add_ledger_entry(
            db, agent_id="ghost", day=date(2026, 11, 9), kind="reward", amount_fen=1, reason="x"
        )
    assert exc.value.code is ErrorCode.AGENT_UNKNOWN
    mine = books.list_ledger(db, agent_id="a1")
    assert (mine["fines_fen"], mine["rewards_fen"], mine["total_fen"]) == (-1000, 2000, 1000)
    assert mine["entries"][0]["evidence"] == "conversation:9"
    assert books.list_ledger(db, start=date(2026, 11, 5))["total_fen"] == 2500
