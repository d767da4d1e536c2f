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
    tenth = list(csv.DictReader(io.StringIO(_SET3.with_name("bot_set10.csv").read_text(encoding="utf-8"))))
    held |= {r["question"] for r in [*sixth, *seventh, *eighth, *ninth, *tenth]}
    gate_rows = [q for q, _ in bot_gate.shipped_rows()]
    # 1,144 in the eighth round; the 11 rows equal to a set-10 question were dropped before its first run
    assert (len(gate_rows), sum(q in held for q in gate_rows)) == (1133, 0)


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


def test_tenth_set_is_the_file_recorded_before_any_run_and_stays_out_of_the_kb() -> None:
    """Set 10 (issue 21, ninth round) is never tuned on: the voices of sets 6-9, 88 of its 333 rows a
    story before the question, the file of the hash in the doc, 104 rows hand-over (24 situation
    look-alikes), every label known, and no KB question added since equals one of its rows (28 short
    ones were KB questions before it was written)."""
    raw = _SET3.with_name("bot_set10.csv").read_bytes()
    assert hashlib.sha256(raw).hexdigest() in _DOC.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    assert (len(rows), sum(r["intent"] == "handover" for r in rows)) == (333, 104)
    assert sum(r["kind"] == "lookalike" for r in rows) == 24 and sum(r["kind"] == "ramble" for r in rows) == 88
    assert sum("+" in r["intent"] for r in rows) == 9 and {r["split"] for r in rows} == {"test10"}
    assert _labels_known(rows) and _kb_repeats(r["question"] for r in rows) == 28


def _bench() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("bot_eval_bench", _SET3.parents[1] / "bot_eval.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_sets_seven_to_nine_are_halved_by_hash_after_their_one_look() -> None:
    """Sets 7, 8 and 9 became tuning material after their one look (seventh to ninth rounds): dev7 / dev8 /
    dev9 (even first byte of the question's SHA-256) may be tuned on, heldout7-9 stay held out; the
    halves are a function of the question alone."""
    bench = _bench()
    dev7, held7, whole = bench.load_rows("dev7"), bench.load_rows("heldout7"), bench.load_rows("test7")
    assert (len(dev7), len(held7)) == (133, 137) and sorted(dev7 + held7) == sorted(whole)
    assert all(hashlib.sha256(q.encode()).digest()[0] % 2 == 0 for q, _ in dev7)
    dev8, held8, whole8 = bench.load_rows("dev8"), bench.load_rows("heldout8"), bench.load_rows("test8")
    assert (len(dev8), len(held8)) == (162, 154) and sorted(dev8 + held8) == sorted(whole8)
    assert all(hashlib.sha256(q.encode()).digest()[0] % 2 == 1 for q, _ in held8)
    dev9, held9, whole9 = bench.load_rows("dev9"), bench.load_rows("heldout9"), bench.load_rows("test9")
    assert (len(dev9), len(held9)) == (146, 150) and sorted(dev9 + held9) == sorted(whole9)


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


def _questions(name: str, split: str | None = None, odd_half: bool = False) -> list[tuple[str, str]]:
    """(question, label) of an evaluation file: the shipped data's ``bot_*`` files, else ``bench/data``; a split
    by its column, or a set's held-out half (the odd first byte of the question's SHA-256, as bench/bot_eval.py)."""
    if name.startswith("bot_set"):
        rows = list(csv.DictReader(io.StringIO(_SET3.with_name(name).read_text(encoding="utf-8"))))
    else:
        rows = _rows(name)
    if split is not None:
        rows = [r for r in rows if r["split"] == split]
    if odd_half:
        rows = [r for r in rows if hashlib.sha256(r["question"].encode()).digest()[0] % 2 == 1]
    return [(r["question"], r["intent"]) for r in rows]


# Floors under the figures recorded in docs/bench/bot.md (not targets; never tuned to): where, then precision ≥,
# answer rate ≥, unanswerable answered ≤ (None: not floored). The history of each figure is in that file; a
# held-out half or an unseen set is read for pass/fail only — its rows are never printed.
FLOORS: list[tuple[str, tuple[str, str | None, bool], float, float, float | None]] = [
    ("first-test", ("bot_eval.csv", "test", False), 0.95, 0.70, None),  # sixth round 0.754 / 0.957 / 0.025
    ("buyers-dev", ("bot_buyers_dev.csv", None, False), 0.95, 0.85, 0.03),
    ("buyers-dev2", ("bot_buyers_dev2.csv", None, False), 0.95, 0.83, 0.03),
    # held-out, another author: 0.703 / 0.942 / 0.068 (first round) … 0.806 / 0.956 / 0.041 (eighth round)
    ("buyers-heldout", ("bot_buyers_heldout.csv", None, False), 0.95, 0.80, 0.05),
    ("third-dev", ("bot_set3.csv", "dev", False), 0.95, 0.88, 0.06),
    ("third-heldout", ("bot_set3.csv", "heldout", False), 0.97, 0.84, 0.04),  # sixth round 0.852 / 0.974 / 0.039
    ("fourth", ("bot_set4.csv", None, False), 0.95, 0.80, 0.05),
    ("fifth-dev", ("bot_set5.csv", "dev", False), 0.94, 0.86, 0.03),
    ("fifth-heldout", ("bot_set5.csv", "heldout", False), 0.95, 0.89, 0.05),  # sixth round 0.913 / 0.959 / 0.048
    ("sixth", ("bot_set6.csv", None, False), 0.97, 0.93, 0.05),  # sixth round 0.953 / 0.976 / 0.043
    ("seventh", ("bot_set7.csv", None, False), 0.95, 0.94, 0.05),  # dev7 tuned on since the seventh round
    ("seventh-heldout", ("bot_set7.csv", None, True), 0.94, 0.93, 0.08),  # 0.938 / 0.946 / 0.073
    ("eighth", ("bot_set8.csv", None, False), 0.95, 0.80, 0.07),  # dev8 tuned on since the eighth round
    ("eighth-heldout", ("bot_set8.csv", None, True), 0.94, 0.77, 0.07),  # 0.773 / 0.943 / 0.068
    ("ninth", ("bot_set9.csv", None, False), 0.94, 0.78, 0.08),  # its look: 0.788 / 0.947 / 0.080
    ("ninth-heldout", ("bot_set9.csv", None, True), 0.93, 0.76, 0.061),  # 0.760 / 0.937 / 0.060
    ("tenth", ("bot_set10.csv", None, False), 0.91, 0.79, 0.116),  # its look: 0.795 / 0.918 / 0.115
]


@pytest.mark.parametrize(("where", "source", "precision", "answer_rate", "unanswerable"), FLOORS,
                         ids=[f[0] for f in FLOORS])  # fmt: skip
def test_figures_do_not_regress(matcher: FaqMatcher, where: str, source: tuple[str, str | None, bool],
                                precision: float, answer_rate: float, unanswerable: float | None) -> None:  # fmt: skip
    res = evaluate(matcher, _questions(*source))
    figures = (where, res.answer_rate, res.precision, res.unanswerable_answered)  # aggregates only, never rows
    assert res.precision >= precision and res.answer_rate >= answer_rate, figures
    assert unanswerable is None or res.unanswerable_answered <= unanswerable, figures


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
