"""The FAQ bot's "needs a person" gate (issue 21, fifth round): its training rows and its rule.

``--write-data`` assembles ``src/kefu/care/data/bot_gate.csv`` from the labelled rows of the
*tuning* halves only (dev, dev2, dev3, dev5, the fourth set, the first set's train half) and the
hand-over examples written from the seeds' situations (``bench/data/bot_gate_written.txt``); a row
that equals a held-out question (heldout, heldout3, heldout5, test6, test7, test8, test9, test) is dropped and only
their count is printed.

``--cv`` chooses the rule by 5-fold cross-validation on those rows (folds by hash of the
question; the KB's own examples are in every training fold): for every row the matcher answers
(gate off), the gate trained without the row's fold scores it; the rule hands over when
g ≥ cut + slope·(confidence − threshold). The chosen (cut, slope) maximises
stopped wrong answers − COST × stopped right answers. Prints the grid's best rows, then one line.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import sys
import tempfile
from pathlib import Path

from bot_eval import load_rows
from kefu.care import bot_gate
from kefu.care.bot import DEFAULT_THRESHOLD, OUT_OF_SCOPE, BotMode
from kefu.care.bot_eval import MUST_HAND_OVER

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "src" / "kefu" / "care" / "data" / "bot_gate.csv"
TUNING = ("dev", "dev2", "dev3", "dev5", "fresh4", "train")
HELD_OUT = ("heldout", "heldout3", "heldout5", "test6", "test7", "test8", "test9", "test")
FOLDS = 5
# out-of-fold false alarms allowed on the answerable rows (share): the first buyers' held-out answer rate
# sits at the 0.80 bar, and 0.5 % of its 165 answerable rows is under one row
BUDGET = 0.005
CUTS = [i / 100 for i in range(30, 100, 2)]
# The slope is fixed at 0: the matcher's confidence on the tuning rows is in-sample (KB paraphrases were
# written from their misses), so a slope fitted there (the grid 0–4 chose 2.0, which leaves every answer
# above confidence 0.97 ungated) would trust exactly the confident look-alikes the gate is for.
SLOPES = (0.0,)


def training_rows() -> tuple[list[tuple[str, str, str]], int]:
    """(question, label, source) of the tuning halves and the written examples (label ``handover``),
    without any row equal to a held-out question; and how many were dropped."""
    held = {q for s in HELD_OUT for q, _ in load_rows(s)}
    rows = [(q, label, split) for split in TUNING for q, label in load_rows(split)]
    written = (HERE / "data" / "bot_gate_written.txt").read_text(encoding="utf-8").splitlines()
    rows += [(q.strip(), "handover", "written") for q in written if q.strip() and not q.startswith("#")]
    kept = [r for r in rows if r[0] not in held]
    return kept, len(rows) - len(kept)


def write_data() -> None:
    rows, dropped = training_rows()
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["question", "needs_person", "source"])
    w.writerows((q, int(label in MUST_HAND_OVER), source) for q, label, source in rows)
    OUT.write_text(out.getvalue(), encoding="utf-8")
    print(f"rows={len(rows)} dropped_equal_to_held_out={dropped}")


def fold(question: str) -> int:
    return hashlib.sha256(question.encode("utf-8")).digest()[0] % FOLDS


def cross_validate() -> None:
    from kefu.service.care.actions_bot import bot_matcher

    matcher = bot_matcher()
    matcher.gate_rule = None  # the matcher's own decision, gate off
    kb = bot_gate.kb_examples(matcher.kb.to_data(), OUT_OF_SCOPE)
    labelled = [(q, label) for q, label, _ in training_rows()[0]]
    rows = []  # (question, must hand over, confidence of the matcher's top intent, fold)
    for q, label in labelled:
        r = matcher.reply(q, BotMode.BOT_FIRST)
        rows.append((q, label in MUST_HAND_OVER, r.confidence, fold(q)))
    scores: dict[str, float] = {}
    for k in range(FOLDS):
        train = kb + bot_gate.label_rows((q, lb) for q, lb in labelled if fold(q) != k)
        gate = bot_gate.Gate(bot_gate.train(train))
        scores.update({q: gate.score(q) for q, _, _, f in rows if f == k})
    n_person = sum(1 for r in rows if r[1])
    n_answerable = len(rows) - n_person
    results = []
    for cut in CUTS:
        for slope in SLOPES:
            stop = [r for r in rows if scores[r[0]] >= cut + slope * (max(r[2], DEFAULT_THRESHOLD) - DEFAULT_THRESHOLD)]
            caught = sum(1 for r in stop if r[1])
            false = len(stop) - caught
            if false <= BUDGET * n_answerable:
                results.append((caught, -false, cut, slope))
    results.sort(key=lambda r: (-r[0], -r[1], -r[2], r[3]))
    for caught, false, cut, slope in results[:8]:
        print(f"cut={cut:.2f} slope={slope:.1f} caught={caught}/{n_person} "
              f"false_alarms={-false}/{n_answerable}", file=sys.stderr)  # fmt: skip
    caught, false, cut, slope = results[0]
    print(f"rows={len(rows)} GATE_RULE=({cut:.2f}, {slope:.1f}) caught={caught}/{n_person} "
          f"false_alarms={-false}/{n_answerable}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--write-data", action="store_true")
    ap.add_argument("--cv", action="store_true")
    args = ap.parse_args()
    if args.write_data:
        write_data()
    if args.cv:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ.setdefault("KEFU_DATA_DIR", tmp)
            cross_validate()


if __name__ == "__main__":
    main()
