"""FAQ bot benchmark on the labelled set ``kefu/care/data/bot_eval.csv``.

Default: the held-out ``test`` half in bot_first mode at the shipped threshold.
``--split train --sweep`` is the only tuning loop (never tune on test).
Last line: ``answer_rate=… precision=… handover_rate=…`` (definitions in docs/bench/bot.md).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from importlib import resources

from kefu.care.bot import DEFAULT_THRESHOLD, FaqMatcher, evaluate, load_knowledge_base


def load_rows(split: str) -> list[tuple[str, str]]:
    raw = resources.files("kefu.care").joinpath("data/bot_eval.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(raw)))
    return [(r["question"], r["intent"]) for r in rows if split == "all" or r["split"] == split]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--split", choices=["train", "test", "all"], default="test")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--sweep", action="store_true", help="print figures for thresholds 0.30…0.90")
    ap.add_argument("--errors", action="store_true", help="list wrong answers")
    args = ap.parse_args()
    rows = load_rows(args.split)
    t0 = time.perf_counter()
    matcher = FaqMatcher(load_knowledge_base())
    if args.sweep:
        for i in range(30, 91, 5):
            r = evaluate(matcher, rows, i / 100)
            print(
                f"threshold={i / 100:.2f} answer_rate={r.answer_rate:.3f} precision={r.precision:.3f} handover_rate={r.handover_rate:.3f}"
            )
    res = evaluate(matcher, rows, args.threshold)
    if args.errors:
        for q, label, got in res.errors:
            print(f"WRONG {q!r} label={label} got={got}", file=sys.stderr)
    ms = (time.perf_counter() - t0) * 1000 / max(1, len(rows))
    print(
        f"split={args.split} questions={res.questions} threshold={args.threshold:.2f} ms_per_question={ms:.1f} "
        f"answer_rate={res.answer_rate:.3f} precision={res.precision:.3f} handover_rate={res.handover_rate:.3f}"
    )


if __name__ == "__main__":
    main()
