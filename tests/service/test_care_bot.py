"""Bot use-cases: the cached index, the evaluation contract, shop facts, learning from chats."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from kefu.care import bot_gate, bot_index
from kefu.config import get_settings
from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.care import actions as care
from kefu.service.care import actions_bot as bot
from kefu.service.care import actions_bot_mining as mining
from kefu.service.care import schemas_bot as care_schemas
from kefu.service.org import actions_privacy as privacy
from kefu.store.models.care import FaqPair
from kefu.store.models.live import Conversation, Message
from kefu.store.models.org import Agent, Shop


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(bot, "_matchers", {})  # each test starts like a fresh process
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


@pytest.fixture
def db(session: Session) -> Session:
    session.add(Shop(id="s1", name="小店", settings={}))
    session.flush()
    session.add(Agent(id="a1", shop_id="s1", name="小美"))
    session.flush()
    return session


def test_index_is_built_once_and_read_back_by_a_new_process(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = bot.bot_matcher()
    files = list((data_dir / "bot").glob("index-*.json"))
    assert len(files) == 1
    assert bot.bot_matcher() is first  # same process: kept in memory
    monkeypatch.setattr(bot, "_matchers", {})  # a new process: nothing in memory

    def no_build(*_: object) -> None:
        raise AssertionError("the index was rebuilt although the cache file exists")

    monkeypatch.setattr(bot_index, "build_state", no_build)
    again = bot.bot_matcher()
    assert again is not first
    assert again.reply("什么时候发货") == first.reply("什么时候发货")
    files[0].write_text("{not json", encoding="utf-8")  # a damaged file is rebuilt, not fatal
    monkeypatch.setattr(bot, "_matchers", {})
    monkeypatch.undo()
    monkeypatch.setenv("KEFU_DATA_DIR", str(data_dir))
    assert bot.bot_matcher().reply("什么时候发货").intent == "ship_time"


def test_new_gate_rows_or_a_new_state_version_invalidate_the_cached_index(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate is trained at index build and cached with it: rows it learns from key the cache
    like the KB does, and a state written by an older reading (no gate) is never read back."""
    first = bot.bot_matcher()
    old_key = bot._key(())
    text = bot_gate.shipped_rows_text()
    monkeypatch.setattr(bot_gate, "shipped_rows_text", lambda: text + "我要投诉你们,1,written\n")
    assert bot._key(()) != old_key
    monkeypatch.setattr(bot, "_matchers", {})
    again = bot.bot_matcher()
    assert again is not first
    assert len(list((data_dir / "bot").glob("index-*.json"))) == 2  # built anew, not read back
    monkeypatch.setattr(bot, "_matchers", {})
    path = data_dir / "bot" / f"index-{bot._key(())}.json"
    stale = {**again.state(), "version": bot_index.STATE_VERSION - 1}
    path.write_text(json.dumps(stale, ensure_ascii=False), encoding="utf-8")
    rebuilt = bot.bot_matcher()
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == bot_index.STATE_VERSION == 14
    assert "gate" in rebuilt.state()


def test_bot_eval_csv_writes_the_contract_columns(tmp_path: Path, db: Session) -> None:
    questions = tmp_path / "q.csv"
    questions.write_text("question\n什么时候发货\n转人工\n什么时候发货 发什么快递\n", encoding="utf-8")
    out = tmp_path / "a.csv"
    summary = bot.bot_eval_csv(questions, out)
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["question", "action", "intent", "confidence", "reason"]
    assert [r[:3] for r in rows[1:]] == [["什么时候发货", "answer", "ship_time"], ["转人工", "handover", ""],
                                         ["什么时候发货 发什么快递", "answer", "ship_time+courier"]]  # fmt: skip
    assert rows[2][4] == "asked_for_human" and rows[3][4] == "two_part"
    assert (summary.questions, summary.answered, summary.handed_over) == (3, 2, 1)
    care.set_care_settings(db, "s1", bot_threshold=1.0)  # the shop's own threshold applies with --shop
    assert bot.bot_eval_csv(questions, out, session=db, shop_id="s1").answered == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("text\n什么时候发货\n", encoding="utf-8")
    with pytest.raises(KefuError) as exc:
        bot.bot_eval_csv(bad, out)
    assert exc.value.code is ErrorCode.IMPORT_BAD_ROW


def test_shop_facts_fill_the_answers(db: Session) -> None:
    assert bot.get_bot_facts(db, "s1").couriers == "中通和圆通"
    saved = bot.set_bot_facts(db, "s1", care_schemas.BotFactsIn(couriers="韵达和申通", ship_within_hours=24,
                                                                  special_invoice=True))  # fmt: skip
    assert (saved.couriers, saved.ship_within_hours, saved.invoice_types) == (
        "韵达和申通",
        24,
        "电子普通发票",
    )
    assert "默认发韵达和申通" in bot.bot_answer(db, "发什么快递", "bot_first", shop_id="s1")["answer"]
    assert "24小时内发货" in bot.bot_answer(db, "什么时候发货", "bot_first", shop_id="s1")["answer"]
    assert "可以开具增值税专用发票" in bot.bot_answer(db, "能开专票吗", "bot_first", shop_id="s1")["answer"]
    assert "默认发中通和圆通" in bot.bot_answer(db, "发什么快递", "bot_first")["answer"]  # no shop: defaults
    with pytest.raises(ValidationError):
        care_schemas.BotFactsIn(same_day_cutoff="25:00")
    with pytest.raises(KefuError) as exc:
        bot.set_bot_facts(db, "nope", care_schemas.BotFactsIn())
    assert exc.value.code is ErrorCode.NOT_FOUND


def _chat(db: Session, buyer_lines: list[str], reply: str) -> None:
    t0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    for i, line in enumerate(buyer_lines):
        conv = Conversation(shop_id="s1", buyer=f"b{i}", status="closed", agent_id="a1", opened_at=t0)
        db.add(conv)
        db.flush()
        db.add_all([
            Message(conversation_id=conv.id, shop_id="s1", buyer=f"b{i}", agent_id="a1", ts=t0, direction="in", text=line),
            Message(conversation_id=conv.id, shop_id="s1", buyer=f"b{i}", agent_id="a1", ts=t0 + timedelta(seconds=5),
                    direction="out", auto=True, text="您好, 欢迎光临"),
            Message(conversation_id=conv.id, shop_id="s1", buyer=f"b{i}", agent_id="a1", ts=t0 + timedelta(seconds=30),
                    direction="out", text=reply),
        ])  # fmt: skip
    db.flush()


def test_mined_new_intent_is_proposed_approved_and_measured(db: Session) -> None:
    _chat(db, ["可以刻字吗", "能刻字吗", "可以刻字吗", "刻字可以吗"], "可以免费刻字, 下单时备注内容即可")
    _chat(db, ["什么时候发货"] * 3, "48小时内发货")  # answered by the bot already: not mined
    res = mining.mine_bot_proposals(db, "s1")
    assert (res.pairs, res.pool_answer_rate) == (7, "0.429")
    assert len(res.proposals) == 1
    p = res.proposals[0]
    assert (p.new_intent, p.question, p.answer, p.asked) == (
        True,
        "可以刻字吗",
        "可以免费刻字, 下单时备注内容即可",
        4,
    )
    assert p.intent.startswith("mined_") and set(p.paraphrases) == {"可以刻字吗", "能刻字吗", "刻字可以吗"}
    assert bot.bot_answer(db, "可以刻字吗", "bot_first", shop_id="s1")["action"] == "handover"
    done = mining.decide_bot_proposal(db, p.id, approve=True, by="sup")
    assert (done.status, done.answered_after, done.pool_before, done.pool_after) == (
        "approved",
        4,
        "0.429",
        "1.000",
    )
    r = bot.bot_answer(db, "能刻字吗", "bot_first", shop_id="s1")
    assert (r["action"], r["intent"], r["answer"]) == ("answer", p.intent, "可以免费刻字, 下单时备注内容即可")
    assert db.query(FaqPair).filter_by(shop_id="s1", intent=p.intent).count() == 3
    with pytest.raises(KefuError):
        mining.decide_bot_proposal(db, p.id, approve=False, by="sup")  # decided once only
    assert [x.status for x in mining.list_bot_proposals(db, "s1")] == ["approved"]


def test_wordings_answered_by_hand_are_proposed_and_once_approved_handed_over(db: Session) -> None:
    """Issue 21, sixth round: the bot answers 赠品是什么 with the gift policy, the shop's agents named the
    gift by hand; approved, the wordings are the shop's gift negatives and the bot hands them over there."""
    _chat(db, ["赠品是什么", "赠品是什么", "赠品是啥"], "这次送的是同款小方巾哦")
    _chat(db, ["什么时候发货"] * 3, "48小时内发货")  # the agents said the bot's answer: nothing to learn
    res = mining.mine_bot_proposals(db, "s1")
    assert (res.pairs, res.pool_answer_rate) == (6, "1.000")
    assert [(p.kind, p.intent, p.new_intent, p.question, p.answer, p.paraphrases, p.asked) for p in res.proposals] == [
        ("handover", "gift", False, "赠品是什么", "这次送的是同款小方巾哦", ["赠品是什么", "赠品是啥"], 3)
    ]  # fmt: skip
    assert bot.bot_answer(db, "赠品是啥", "bot_first", shop_id="s1")["intent"] == "gift"
    done = mining.decide_bot_proposal(db, res.proposals[0].id, approve=True, by="sup")
    assert (done.status, done.answered_after, done.pool_before, done.pool_after) == ("approved", 0, "1.000", "0.500")
    assert bot.bot_answer(db, "赠品是啥", "bot_first", shop_id="s1")["action"] == "handover"
    assert bot.bot_answer(db, "赠品是啥", "bot_first")["intent"] == "gift"  # another shop's bot: unchanged
    assert db.query(FaqPair).count() == 0  # no FAQ row: the wordings are negatives, not questions
    again = mining.mine_bot_proposals(db, "s1")  # handed over now, as the supervisor wants: no proposal of any kind
    assert (again.pool_answer_rate, again.proposals) == ("0.500", [])


def test_rejected_and_unanswerable_proposals(db: Session) -> None:
    _chat(db, ["可以刻字吗", "能刻字吗", "可以刻字吗"], "")  # no agent reply: nothing to answer with
    assert mining.mine_bot_proposals(db, "s1").proposals == []
    _chat(db, ["可以刻字吗"], "可以免费刻字")
    p = mining.mine_bot_proposals(db, "s1").proposals[0]
    with pytest.raises(KefuError):
        mining.decide_bot_proposal(db, p.id, approve=True, by="sup", answer=" ")
    rejected = mining.decide_bot_proposal(db, p.id, approve=False, by="sup")
    assert (rejected.status, rejected.answered_after, rejected.decided_by) == ("rejected", None, "sup")
    assert mining.list_bot_proposals(db, "s1", "proposed") == []
    with pytest.raises(KefuError):
        mining.list_bot_proposals(db, "s1", "maybe")
    with pytest.raises(KefuError):
        mining.mine_bot_proposals(db, "nope")
    with pytest.raises(KefuError):
        mining.decide_bot_proposal(db, 999, approve=True, by="sup")


def test_mining_proposes_masked_wordings_and_skips_erased_chats(db: Session) -> None:
    """Proposals are shown to supervisors and become FAQ rows: no buyer's phone in them (PIPL), and
    chats erased by ``kefu privacy erase`` are not mined as a question "[已删除 / erased]"."""
    _chat(db, ["可以刻字吗 电话13812341234"] * 3, "可以免费刻字")
    mined = mining.mine_bot_proposals(db, "s1")
    assert [(p.question, p.paraphrases) for p in mined.proposals] == [
        ("可以刻字吗 电话138****1234", ["可以刻字吗 电话138****1234"])
    ]
    for buyer in ("b0", "b1", "b2"):
        privacy.erase_buyer(db, buyer, shop="s1")
    again = mining.mine_bot_proposals(db, "s1")
    assert (again.pairs, again.proposals) == (0, [])
