"""The bot's evaluation sets and figures: honesty rules of the sets, exact counting, floors."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from kefu.care import bot_text as bt
from kefu.care.bot import FaqMatcher, load_knowledge_base
from kefu.care.bot_eval import evaluate, fit_logistic, kb_leave_one_out, same_intents, score

_DOC = Path(__file__).resolve().parents[2] / "docs" / "bench" / "bot.md"


def _rows(name: str) -> list[dict[str, str]]:
    raw = resources.files("kefu.care").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(raw)))


def test_held_out_half_is_the_file_whose_hash_was_recorded_before_tuning() -> None:
    raw = resources.files("kefu.care").joinpath("data/bot_buyers_heldout.csv").read_bytes()
    assert hashlib.sha256(raw).hexdigest() in _DOC.read_text(encoding="utf-8")


def test_buyers_set_shape_and_no_held_out_question_in_the_kb() -> None:
    dev, held = _rows("bot_buyers_dev.csv"), _rows("bot_buyers_heldout.csv")
    rows = dev + held
    kb = load_knowledge_base()
    intents = {i.intent for i in kb.intents}
    assert len(rows) >= 400 and len(dev) == len(held)
    assert all(part in intents or r["intent"] == "handover" for r in rows for part in r["intent"].split("+"))
    assert 0.28 <= sum(r["intent"] == "handover" for r in rows) / len(rows) <= 0.35
    kinds = {r["kind"] for r in rows}
    assert {"traditional", "typo", "emoji", "order", "two", "slot", "colloquial"} <= kinds

    def key(q: str) -> str:
        return bt.prepare(q).text.replace(" ", "")

    # 27 short held-out questions (能验货吗 …) were already word for word in the shipped KB when the set
    # was written; none may join them (the KB must not learn from the held-out half)
    kb_questions = {key(q) for i in kb.intents for q in (i.question, *i.paraphrases, *i.negatives)}
    assert sum(key(r["question"]) in kb_questions for r in held) == 27


_SET3 = Path(__file__).resolve().parents[2] / "bench" / "data" / "bot_set3.csv"


def test_third_set_is_the_file_recorded_before_tuning_and_split_by_hash() -> None:
    assert hashlib.sha256(_SET3.read_bytes()).hexdigest() in _DOC.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(_SET3.read_text(encoding="utf-8"))))
    assert len(rows) == 526 and sum(r["intent"] == "handover" for r in rows) == 161
    # the half is a function of the question alone: even first byte of its SHA-256 → dev
    assert all(
        r["split"] == ("dev" if hashlib.sha256(r["question"].encode()).digest()[0] % 2 == 0 else "heldout")
        for r in rows
    )
    assert (sum(r["split"] == "dev" for r in rows), sum(r["split"] == "heldout" for r in rows)) == (273, 253)
    assert _labels_known(rows)


def test_fourth_set_is_the_file_recorded_before_its_first_run() -> None:
    raw = _SET3.with_name("bot_set4.csv").read_bytes()
    assert hashlib.sha256(raw).hexdigest() in _DOC.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert (len(rows), sum(r["intent"] == "handover" for r in rows)) == (204, 62)


def test_fifth_set_is_the_file_recorded_before_tuning_and_split_by_hash() -> None:
    raw = _SET3.with_name("bot_set5.csv").read_bytes()
    assert hashlib.sha256(raw).hexdigest() in _DOC.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert (len(rows), sum(r["intent"] == "handover" for r in rows)) == (270, 80)
    assert all(
        r["split"] == ("dev" if hashlib.sha256(r["question"].encode()).digest()[0] % 2 == 0 else "heldout")
        for r in rows
    )
    assert (sum(r["split"] == "dev" for r in rows), sum(r["split"] == "heldout" for r in rows)) == (124, 146)
    assert _labels_known(rows)
    # 10 short, common held-out ones (是正品吗 …) were in the KB before the set was written; none may join them
    assert _kb_repeats(r["question"] for r in rows if r["split"] == "heldout") == 10


def test_no_held_out_question_trains_the_needs_a_person_gate() -> None:
    """The gate's shipped rows (``care/data/bot_gate.csv``) come from tuning halves and written examples
    only: none equals a question of a held-out half, set 6 or the first set's test half."""
    from kefu.care import bot_gate

    third = list(csv.DictReader(io.StringIO(_SET3.read_text(encoding="utf-8"))))
    fifth = list(csv.DictReader(io.StringIO(_SET3.with_name("bot_set5.csv").read_text(encoding="utf-8"))))
    sixth = list(csv.DictReader(io.StringIO(_SET3.with_name("bot_set6.csv").read_text(encoding="utf-8"))))
    seventh = list(csv.DictReader(io.StringIO(_SET3.with_name("bot_set7.csv").read_text(encoding="utf-8"))))
    eighth = list(csv.DictReader(io.StringIO(_SET3.with_name("bot_set8.csv").read_text(encoding="utf-8"))))
    held = {r["question"] for r in _rows("bot_buyers_heldout.csv")}
    held |= {r["question"] for r in _rows("bot_eval.csv") if r["split"] == "test"}
    held |= {r["question"] for r in [*third, *fifth] if r["split"] == "heldout"}
    ninth = list(csv.DictReader(io.StringIO(_SET3.with_name("bot_set9.csv").read_text(encoding="utf-8"))))
    held |= {r["question"] for r in [*sixth, *seventh, *eighth, *ninth]}
    gate_rows = [q for q, _ in bot_gate.shipped_rows()]
    assert (len(gate_rows), sum(q in held for q in gate_rows)) == (1144, 0)


def test_sixth_set_is_the_file_recorded_before_any_run_and_stays_out_of_the_kb() -> None:
    """Set 6 (issue 21, fourth round) is never tuned on: the file of the hash in the doc, every label
    an intent of the shipped KB or ``handover``, and no KB question added since equals one of its rows
    (33 short, common ones such as 是正品吗 were KB questions before the set was written)."""
    raw = _SET3.with_name("bot_set6.csv").read_bytes()
    assert hashlib.sha256(raw).hexdigest() in _DOC.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert (len(rows), sum(r["intent"] == "handover" for r in rows)) == (305, 94)
    assert sum("+" in r["intent"] for r in rows) == 8 and {r["split"] for r in rows} == {"test6"}
    assert _labels_known(rows)
    assert _kb_repeats(r["question"] for r in rows) == 33


def test_seventh_set_is_the_file_recorded_before_any_run_and_stays_out_of_the_kb() -> None:
    """Set 7 (issue 21, fifth round) is never tuned on, like set 6: the file of the hash in the doc, 84 of
    its 270 rows hand-over (57 of them situation look-alikes of answerable intents), every label known,
    and no KB question added since equals one of its rows (35 short ones were KB questions before)."""
    raw = _SET3.with_name("bot_set7.csv").read_bytes()
    assert hashlib.sha256(raw).hexdigest() in _DOC.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert (len(rows), sum(r["intent"] == "handover" for r in rows)) == (270, 84)
    assert sum(r["kind"] == "lookalike" for r in rows) == 57 and sum("+" in r["intent"] for r in rows) == 8
    assert {r["split"] for r in rows} == {"test7"} and _labels_known(rows)
    # 35 before the seventh round; since then its dev7 half is tuning material (a bulk-bargaining coupon
    # negative reads like one dev7 row), while the held-out half keeps its 18
    assert _kb_repeats(r["question"] for r in rows) == 36
    held7 = [r["question"] for r in rows if hashlib.sha256(r["question"].encode()).digest()[0] % 2 == 1]
    assert _kb_repeats(held7) == 18


def test_eighth_set_is_the_file_recorded_before_any_run_and_stays_out_of_the_kb() -> None:
    """Set 8 (issue 21, seventh round) is never tuned on: written in another voice (other seeds'
    situations, rambling, dialect, links), the file of the hash in the doc, 96 of its 316 rows hand-over
    (32 situation look-alikes), every label known, and no KB question added since equals one of its rows
    (13 short ones such as 保真吗 were KB questions before it was written)."""
    raw = _SET3.with_name("bot_set8.csv").read_bytes()
    assert hashlib.sha256(raw).hexdigest() in _DOC.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert (len(rows), sum(r["intent"] == "handover" for r in rows)) == (316, 96)
    assert sum(r["kind"] == "lookalike" for r in rows) == 32 and sum("+" in r["intent"] for r in rows) == 14
    assert {r["split"] for r in rows} == {"test8"} and _labels_known(rows)
    # 13 before the eighth round; reading dialect as standard text (冇货 → 没货) makes 2 more rows read
    # like a KB question that was there before — no KB row was added
    assert _kb_repeats(r["question"] for r in rows) == 15


def test_ninth_set_is_the_file_recorded_before_any_run_and_stays_out_of_the_kb() -> None:
    """Set 9 (issue 21, eighth round) is never tuned on: set 8's voice on other situations, the file of
    the hash in the doc, 88 of its 296 rows hand-over (27 situation look-alikes), every label known, and
    no KB question added since equals one of its rows (7 short ones were KB questions before)."""
    raw = _SET3.with_name("bot_set9.csv").read_bytes()
    assert hashlib.sha256(raw).hexdigest() in _DOC.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert (len(rows), sum(r["intent"] == "handover" for r in rows)) == (296, 88)
    assert sum(r["kind"] == "lookalike" for r in rows) == 27 and sum("+" in r["intent"] for r in rows) == 8
    assert {r["split"] for r in rows} == {"test9"} and _labels_known(rows)
    assert _kb_repeats(r["question"] for r in rows) == 7


def _bench() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bot_eval_bench", _SET3.parents[1] / "bot_eval.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_seventh_and_eighth_sets_are_halved_by_hash_after_their_one_look() -> None:
    """Sets 7 and 8 became tuning material after their one look (seventh and eighth rounds): dev7 / dev8
    (even first byte of the question's SHA-256) may be tuned on, heldout7 / heldout8 stay held out; the
    halves are a function of the question alone."""
    bench = _bench()
    dev7, held7, whole = bench.load_rows("dev7"), bench.load_rows("heldout7"), bench.load_rows("test7")
    assert (len(dev7), len(held7)) == (133, 137) and sorted(dev7 + held7) == sorted(whole)
    assert all(hashlib.sha256(q.encode()).digest()[0] % 2 == 0 for q, _ in dev7)
    dev8, held8, whole8 = bench.load_rows("dev8"), bench.load_rows("heldout8"), bench.load_rows("test8")
    assert (len(dev8), len(held8)) == (162, 154) and sorted(dev8 + held8) == sorted(whole8)
    assert all(hashlib.sha256(q.encode()).digest()[0] % 2 == 1 for q, _ in held8)


def test_third_set_held_out_half_stays_out_of_the_kb() -> None:
    def key(q: str) -> str:
        return bt.prepare(q).text.replace(" ", "")

    held = [
        r for r in csv.DictReader(io.StringIO(_SET3.read_text(encoding="utf-8"))) if r["split"] == "heldout"
    ]
    kb = load_knowledge_base()
    kb_questions = {key(q) for i in kb.intents for q in (i.question, *i.paraphrases, *i.negatives)}
    # 25 short, common ones were in the KB before the set was written; none may join them
    assert sum(key(r["question"]) in kb_questions for r in held) == 25


def test_scoring_counts_exactly() -> None:
    res = score([
        ("a", "invoice", "invoice"),  # right
        ("b", "coupon", "invoice"),  # wrong intent
        ("c", "handover", None),  # handed over, as it should
        ("d", "handover", "gift"),  # answered an unanswerable one
        ("e", "ship_time+courier", "courier+ship_time"),  # both parts, any order
        ("f", "ship_time+courier", "ship_time"),  # half an answer is wrong
        ("g", "gift", None),  # missed
    ])  # fmt: skip
    assert (res.questions, res.with_intent, res.answered, res.correct, res.handed_over) == (7, 5, 5, 2, 2)
    assert res.answer_rate == pytest.approx(4 / 5)
    assert res.precision == pytest.approx(2 / 5)
    assert res.unanswerable_answered == pytest.approx(1 / 2)
    assert same_intents("a+b", "b+a") and not same_intents("handover", "handover")


def test_logistic_fit_recovers_a_separable_direction() -> None:
    samples = [((x / 10,), int(x >= 5)) for x in range(10)] + [((0.45,), 1), ((0.55,), 0)]
    a, c = fit_logistic(samples)
    assert a > 0 and -a * 0.6 < c < -a * 0.4  # the boundary lies near 0.5


def test_kb_leave_one_out_counts_every_paraphrase(matcher: FaqMatcher) -> None:
    res = kb_leave_one_out(matcher, threshold=0.0)
    assert res.questions == sum(len(i.paraphrases) for i in matcher.kb.intents)
    assert res.correct + len(res.errors) == res.answered


def test_figures_do_not_regress(matcher: FaqMatcher) -> None:
    """Floors under the figures recorded in docs/bench/bot.md (not targets; never tuned to)."""
    first = evaluate(
        matcher, [(r["question"], r["intent"]) for r in _rows("bot_eval.csv") if r["split"] == "test"]
    )
    assert first.precision >= 0.95 and first.answer_rate >= 0.70  # sixth round: 0.754 / 0.957 / 0.025
    dev = evaluate(matcher, [(r["question"], r["intent"]) for r in _rows("bot_buyers_dev.csv")])
    assert dev.precision >= 0.95 and dev.answer_rate >= 0.85 and dev.unanswerable_answered <= 0.03
    dev2 = evaluate(matcher, [(r["question"], r["intent"]) for r in _rows("bot_buyers_dev2.csv")])
    assert dev2.precision >= 0.95 and dev2.answer_rate >= 0.83 and dev2.unanswerable_answered <= 0.03
    # held-out: pass/fail against floors under the recorded figures only (first round 0.703 / 0.942 /
    # 0.068, second round 0.776 / 0.933 / 0.082, third round 0.800 / 0.935 / 0.082, sixth round's situation
    # rule 0.800 / 0.949 / 0.055, seventh round 0.800 / 0.956 / 0.041, eighth round 0.806 / 0.956 / 0.041)
    held = evaluate(matcher, [(r["question"], r["intent"]) for r in _rows("bot_buyers_heldout.csv")])
    assert held.precision >= 0.95 and held.answer_rate >= 0.80 and held.unanswerable_answered <= 0.05
    third = list(csv.DictReader(io.StringIO(_SET3.read_text(encoding="utf-8"))))
    dev3 = evaluate(matcher, [(r["question"], r["intent"]) for r in third if r["split"] == "dev"])
    assert dev3.precision >= 0.95 and dev3.answer_rate >= 0.88 and dev3.unanswerable_answered <= 0.06
    # third set's held-out half: recorded 0.847 / 0.987 / 0.026 (2 of 77) in the second round, 0.864 /
    # 0.962 / 0.065 (5 of 77) in the third (a loss of precision, see docs/bench/bot.md), 0.852 / 0.974 / 0.039
    # (3 of 77) in the sixth
    held3 = evaluate(matcher, [(r["question"], r["intent"]) for r in third if r["split"] == "heldout"])
    assert held3.precision >= 0.97 and held3.answer_rate >= 0.84 and held3.unanswerable_answered <= 0.04
    fourth = list(csv.DictReader(io.StringIO(_SET3.with_name("bot_set4.csv").read_text(encoding="utf-8"))))
    dev4 = evaluate(matcher, [(r["question"], r["intent"]) for r in fourth])
    assert dev4.precision >= 0.95 and dev4.answer_rate >= 0.80 and dev4.unanswerable_answered <= 0.05
    fifth = list(csv.DictReader(io.StringIO(_SET3.with_name("bot_set5.csv").read_text(encoding="utf-8"))))
    dev5 = evaluate(matcher, [(r["question"], r["intent"]) for r in fifth if r["split"] == "dev"])
    assert dev5.precision >= 0.94 and dev5.answer_rate >= 0.86 and dev5.unanswerable_answered <= 0.03
    # fifth set's held-out half: untuned 0.904 / 0.939 / 0.095, recorded 0.913 / 0.949 / 0.071 (3 of 42), with
    # the sixth round's situation rule 0.913 / 0.959 / 0.048 (2 of 42)
    held5 = evaluate(matcher, [(r["question"], r["intent"]) for r in fifth if r["split"] == "heldout"])
    assert held5.precision >= 0.95 and held5.answer_rate >= 0.89 and held5.unanswerable_answered <= 0.05
    # sixth set (never tuned on): before the fourth round 0.953 / 0.966 / 0.064, the same after it; with the
    # fifth round's "needs a person" gate 0.953 / 0.971 / 0.053 (third set's held-out half 0.852 / 0.968 / 0.052);
    # with the sixth round's situation rule 0.953 / 0.976 / 0.043 (4 of 94)
    sixth = list(csv.DictReader(io.StringIO(_SET3.with_name("bot_set6.csv").read_text(encoding="utf-8"))))
    test6 = evaluate(matcher, [(r["question"], r["intent"]) for r in sixth])
    figures = (test6.answer_rate, test6.precision, test6.unanswerable_answered)  # figures only, never rows
    assert test6.precision >= 0.97 and test6.answer_rate >= 0.93 and test6.unanswerable_answered <= 0.05, figures
    # seventh set: 0.946 / 0.940 / 0.083 (7 of 84) at its one look (sixth round); its dev7 half tuned on in the
    # seventh round → whole set 0.946 / 0.956 / 0.048, held-out half (heldout7) 0.938 / 0.946 / 0.073 (3 of 41)
    seventh = list(csv.DictReader(io.StringIO(_SET3.with_name("bot_set7.csv").read_text(encoding="utf-8"))))
    test7 = evaluate(matcher, [(r["question"], r["intent"]) for r in seventh])
    figures = (test7.answer_rate, test7.precision, test7.unanswerable_answered)
    assert test7.precision >= 0.95 and test7.answer_rate >= 0.94 and test7.unanswerable_answered <= 0.05, figures
    odd = [r for r in seventh if hashlib.sha256(r["question"].encode()).digest()[0] % 2 == 1]
    held7 = evaluate(matcher, [(r["question"], r["intent"]) for r in odd])
    figures = (held7.answer_rate, held7.precision, held7.unanswerable_answered)
    assert held7.precision >= 0.94 and held7.answer_rate >= 0.93 and held7.unanswerable_answered <= 0.08, figures
    # eighth set (never tuned on, another voice): 0.759 / 0.943 / 0.073 before the seventh round's changes,
    # 0.759 / 0.948 / 0.062 (6 of 96) after — under the 0.80 answer-rate bar; its dev8 half tuned on in the
    # eighth round → whole set 0.800 / 0.951 / 0.062, held-out half (heldout8) 0.773 / 0.943 / 0.068 (3 of 44)
    eighth = list(csv.DictReader(io.StringIO(_SET3.with_name("bot_set8.csv").read_text(encoding="utf-8"))))
    test8 = evaluate(matcher, [(r["question"], r["intent"]) for r in eighth])
    figures = (test8.answer_rate, test8.precision, test8.unanswerable_answered)
    assert test8.precision >= 0.95 and test8.answer_rate >= 0.80 and test8.unanswerable_answered <= 0.07, figures
    odd8 = [r for r in eighth if hashlib.sha256(r["question"].encode()).digest()[0] % 2 == 1]
    held8 = evaluate(matcher, [(r["question"], r["intent"]) for r in odd8])
    figures = (held8.answer_rate, held8.precision, held8.unanswerable_answered)
    assert held8.precision >= 0.94 and held8.answer_rate >= 0.77 and held8.unanswerable_answered <= 0.07, figures
    # ninth set (never tuned on, set 8's voice): 0.721 / 0.937 / 0.091 (8 of 88) before the eighth round's
    # changes, 0.788 / 0.947 / 0.080 (7 of 88) after — under the 0.80 answer-rate bar
    ninth = list(csv.DictReader(io.StringIO(_SET3.with_name("bot_set9.csv").read_text(encoding="utf-8"))))
    test9 = evaluate(matcher, [(r["question"], r["intent"]) for r in ninth])
    figures = (test9.answer_rate, test9.precision, test9.unanswerable_answered)
    assert test9.precision >= 0.94 and test9.answer_rate >= 0.78 and test9.unanswerable_answered <= 0.08, figures


def _labels_known(rows: list[dict[str, str]]) -> bool:
    """Every label is an intent of the shipped KB (a two-part one, each part) or ``handover``."""
    intents = {i.intent for i in load_knowledge_base().intents}
    return all(part in intents or r["intent"] == "handover" for r in rows for part in r["intent"].split("+"))


def _kb_repeats(questions: Iterable[str]) -> int:
    """How many ``questions`` equal a KB question, paraphrase or negative as the bot reads them."""

    def key(q: str) -> str:
        return bt.prepare(q).text.replace(" ", "")

    kb = load_knowledge_base()
    known = {key(q) for i in kb.intents for q in (i.question, *i.paraphrases, *i.negatives)}
    return sum(key(q) in known for q in questions)
