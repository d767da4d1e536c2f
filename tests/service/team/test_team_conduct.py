"""Fines and rewards: the ladder step by step, the pay-ledger row each one feeds, the published fund."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from team_world import NOW, World

from kefu.domain.errors import KefuError
from kefu.service.team import actions, schemas
from kefu.store.models.care import LedgerEntry
from kefu.store.models.live import Event
from kefu.store.models.org import Shop

D2, D3, D4, D5 = date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)


def record(w: World, kind: str = "violation", day: date = D2, who: str = "a1", by: actions.Actor | None = None,
           amount: int | None = None) -> schemas.ConductOut:  # fmt: skip
    body = schemas.ConductIn(agent_id=who, day=day, kind=kind, rule="上班迟到" if kind == "violation" else "主图价格错",
                             evidence="conversation:9", amount_fen=amount)  # fmt: skip
    return actions.record_conduct(w.session, by or w.sup, body, now=NOW)


def ledger(w: World) -> list[tuple[str, str, int, str, str]]:
    rows = w.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))
    return [(e.agent_id, e.kind, e.amount_fen, e.reason, e.evidence) for e in rows]


def test_the_ladder_fines_10_then_30_then_warns(world: World) -> None:
    w = world
    steps = [record(w, day=d) for d in (D2, D3, D4, D5)]
    assert [(s.step, s.outcome, s.amount_fen) for s in steps] == [
        (1, "fine", -1000), (2, "fine", -3000), (3, "dismissal_warning", 0), (4, "dismissal_warning", 0)]
    assert ledger(w) == [("a1", "fine", -1000, "第 1 次违规: 上班迟到", "conversation:9"),
                         ("a1", "fine", -3000, "第 2 次违规: 上班迟到", "conversation:9")]  # pay reads these rows
    assert [s.ledger_entry_id is not None for s in steps] == [True, True, False, False]
    assert record(w, who="a2").step == 1  # each agent has its own count
    kinds = w.session.execute(select(Event.kind, Event.subject, Event.data).where(Event.kind == "conduct.recorded")
                              .order_by(Event.id)).all()  # fmt: skip
    assert [(k, s, d["outcome"], d["amount_fen"]) for k, s, d in kinds][:3] == [
        ("conduct.recorded", f"conduct:{steps[0].id}", "fine", -1000),
        ("conduct.recorded", f"conduct:{steps[1].id}", "fine", -3000),
        ("conduct.recorded", f"conduct:{steps[2].id}", "dismissal_warning", 0)]


def test_a_shop_ladder_and_rewards(world: World) -> None:
    w = world
    w.session.get(Shop, "s1").settings = {"team": {"ladder": [{"outcome": "fine", "amount_fen": 500},
                                                              {"outcome": "dismissal_warning", "amount_fen": 0}],
                                                   "rewards": {"suggestion": 5000}}}  # fmt: skip
    assert [(s.step, s.outcome, s.amount_fen) for s in (record(w, day=D2), record(w, day=D3))] == [
        (1, "fine", -500), (2, "dismissal_warning", 0)]
    found = record(w, "listing_error", D4)
    adopted = record(w, "suggestion", D4)
    given = record(w, "listing_error", D5, amount=2500)
    assert [(r.outcome, r.step, r.amount_fen) for r in (found, adopted, given)] == [
        ("reward", 0, 1000), ("reward", 0, 5000), ("reward", 0, 2500)]
    assert [row[1:3] for row in ledger(w)] == [("fine", -500), ("reward", 1000), ("reward", 5000), ("reward", 2500)]
    assert [c.id for c in actions.list_conduct(w.session, w.a1, "a1")] == [given.id, adopted.id, found.id, 2, 1]


def test_refusals(world: World) -> None:
    w = world
    for actor, who, code in ((w.a1, "a1", "FORBIDDEN"), (w.other_sup, "a1", "FORBIDDEN"), (w.sup, "zz", "AGENT_UNKNOWN")):
        with pytest.raises(KefuError) as exc:
            record(w, who=who, by=actor)
        assert exc.value.code == code
    with pytest.raises(KefuError) as exc:
        actions.list_conduct(w.session, w.a2, "a1")
    assert exc.value.code == "FORBIDDEN"
    with pytest.raises(ValueError):
        schemas.ConductIn(agent_id="a1", day=D2, kind="bonus", rule="x", evidence="y")
    assert ledger(w) == [] and w.session.scalars(select(Event)).all() == []


def test_the_fund_statement_and_spends(world: World) -> None:
    w = world
    record(w, day=D2)
    record(w, day=D3)
    record(w, who="a2", day=D4)
    spent = actions.spend_fund(w.session, w.sup, schemas.FundSpendIn(shop_id="s1", day=D5, amount_fen=4500,
                                                                      purpose="团队水果"), now=NOW)  # fmt: skip
    assert [(x.day, x.kind, x.amount_fen, x.text, x.balance_fen) for x in spent.lines] == [
        (D2, "fine", 1000, "A1: 上班迟到", 1000), (D3, "fine", 3000, "A1: 上班迟到", 4000),
        (D4, "fine", 1000, "A2: 上班迟到", 5000), (D5, "spend", -4500, "团队水果", 500)]
    later = actions.fund_statement(w.session, w.a1, "s1", D4, D5)  # agents read it too: it is published
    assert (later.opening_fen, [x.balance_fen for x in later.lines], later.closing_fen) == (4000, [5000, 500], 500)
    with pytest.raises(KefuError) as exc:
        actions.spend_fund(w.session, w.sup, schemas.FundSpendIn(shop_id="s1", day=D5, amount_fen=501, purpose="聚餐"),
                           now=NOW)  # fmt: skip
    assert (exc.value.code, exc.value.details) == ("CONFLICT", {"balance_fen": 500, "amount_fen": 501})
    with pytest.raises(KefuError) as exc:
        actions.spend_fund(w.session, w.a1, schemas.FundSpendIn(shop_id="s1", day=D5, amount_fen=1, purpose="x"), now=NOW)
    assert exc.value.code == "FORBIDDEN"
    with pytest.raises(KefuError) as exc:
        actions.fund_statement(w.session, w.a1, "s1", D5, D4)
    assert exc.value.code == "BAD_ARGUMENT"
