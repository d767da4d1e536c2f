"""FAQ bot benchmark on the labelled set ``kefu/care/data/bot_eval.csv``.

Default: the held-out ``test`` half in bot_first mode at the shipped threshold and margin.
``--split train --sweep`` and ``--loo`` (KB leave-one-out, no eval rows at all) are the only
tuning loops (never tune on test).
Last line: ``answer_rate=… precision=… handover_rate=…`` (definitions in docs/bench/bot.md).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from importlib import resources

from kefu.care.bot import DEFAULT_MARGIN, DEFAULT_THRESHOLD, FaqMatcher, load_knowledge_base
from kefu.care.bot_eval import EvalResult, evaluate, kb_leave_one_out


def load_rows(split: str) -> list[tuple[str, str]]:
    raw = resources.files("kefu.care").joinpath("data/bot_eval.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(raw)))
    return [(r["question"], r["intent"]) for r in rows if split == "all" or r["split"] == split]


def _figures(r: EvalResult) -> str:
    return f"answer_rate={r.answer_rate:.3f} precision={r.precision:.3f} handover_rate={r.handover_rate:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", choices=["train", "test", "all"], default="test")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--margin", type=float, default=DEFAULT_MARGIN)
    ap.add_argument("--sweep", action="store_true", help="print figures for thresholds 0.30…0.90")
    ap.add_argument("--loo", action="store_true", help="KB leave-one-out instead of the eval set")
    ap.add_argument("--errors", action="store_true", help="list wrong answers")
    args = ap.parse_args()
    t0 = time.perf_counter()
    matcher = FaqMatcher(load_knowledge_base())
    rows = [] if args.loo else load_rows(args.split)

    def run(threshold: float) -> EvalResult:
        if args.loo:
            return kb_leave_one_out(matcher, threshold, args.margin)
        return evaluate(matcher, rows, threshold, args.margin)

    if args.sweep:
        for i in range(30, 91, 5):
            print(f"threshold={i / 100:.2f} margin={args.margin:.2f} {_figures(run(i / 100))}")
    res = run(args.threshold)
    if args.errors:
        for q, label, got in res.errors:
            print(f"WRONG {q!r} label={label} got={got}", file=sys.stderr)
    ms = (time.perf_counter() - t0) * 1000 / max(1, res.questions)
    where = "kb_leave_one_out" if args.loo else args.split
    print(
        f"split={where} questions={res.questions} threshold={args.threshold:.2f} margin={args.margin:.2f} "
        f"ms_per_question={ms:.1f} {_figures(res)}"
    )


if __name__ == "__main__":
    main()
