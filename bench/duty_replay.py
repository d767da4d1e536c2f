"""Benchmark ``kefu duty replay`` on a simulated month: orders and chats from the shop simulator,
a 20-agent roster (白班 / 晚班 / rest), returns and reviews for a share of paid orders.

    .venv/bin/python bench/duty_replay.py --orders 20000 --messages 200000

Last line: key=value figures (seconds for the replay alone, tasks and messages written).
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path


def roster(path: Path, start: date, days: int, agents: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["agent", "date", "shift"])
        for d in range(days):
            day = start + timedelta(days=d)
            for a in range(1, agents + 1):
                cycle = (a + d) % 7
                shift = "休" if cycle in (0, 1) else ("晚班" if a % 3 == 0 else "白班")
                w.writerow([f"shop01:kf{a:03d}", day.isoformat(), shift])


def returns_and_reviews(orders: Path, out: Path, seed: int) -> None:
    rng = random.Random(seed)
    with orders.open(encoding="utf-8") as fh, (out / "T.csv").open("w", newline="", encoding="utf-8") as t, \
            (out / "V.csv").open("w", newline="", encoding="utf-8") as v:
        tw, vw = csv.writer(t), csv.writer(v)
        tw.writerow(["order_id", "received_at"])
        vw.writerow(["order_id", "buyer", "posted_at", "rating"])
        for row in csv.DictReader(fh):
            if not row["paid_at"]:
                continue
            paid = datetime.fromisoformat(row["paid_at"])
            if rng.random() < 0.05:
                tw.writerow([row["order_id"], (paid + timedelta(days=4, minutes=rng.randrange(1440))).isoformat()])
            if rng.random() < 0.3:
                rating = rng.choices(["good", "neutral", "bad"], [90, 6, 4])[0]
                vw.writerow([row["order_id"], row["buyer"],
                             (paid + timedelta(days=5, minutes=rng.randrange(4320))).isoformat(), rating])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--messages", type=int, default=200000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    kefu = [sys.executable, "-m", "kefu"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        subprocess.run([*kefu, "sim", "export", "--orders", str(args.orders), "--messages", str(args.messages),
                        "--out", str(folder), "--format", "csv", "--seed", str(args.seed)], check=True,
                       capture_output=True)
        roster(folder / "R.csv", date(2026, 11, 1), 40, 20)
        returns_and_reviews(folder / "orders.csv", folder, args.seed)
        started = time.perf_counter()
        result = subprocess.run([*kefu, "duty", "replay", "--orders", str(folder / "orders.csv"),
                                 "--messages", str(folder / "messages.csv"), "--roster", str(folder / "R.csv"),
                                 "--returns", str(folder / "T.csv"), "--reviews", str(folder / "V.csv"),
                                 "--until", "2026-12-10T00:00:00+08:00", "--out", str(folder / "out")],
                                check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        print(result.stdout.strip())
        tasks = sum(1 for _ in (folder / "out" / "tasks.csv").open(encoding="utf-8")) - 1
        sms = sum(1 for _ in (folder / "out" / "messages.csv").open(encoding="utf-8")) - 1
    print(f"orders={args.orders} messages={args.messages} replay_s={seconds:.2f} tasks={tasks} sms={sms}")


if __name__ == "__main__":
    main()
