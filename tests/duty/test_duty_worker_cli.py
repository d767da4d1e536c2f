"""`kefu duty worker --once` migrates, sweeps stored orders, fires due timers and queues the SMS."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from kefu.store.db import make_engine, session_factory
from kefu.store.migrate import upgrade
from kefu.store.models.commerce import Order
from kefu.store.models.duty import DueTimer, OutboxMessage
from kefu.store.models.org import Shop


def test_worker_once_fires_the_due_sms(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    upgrade(url)
    engine = make_engine(url)
    clock = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # the worker's clock (KEFU_CLOCK_START), not the wall clock
    created = clock - timedelta(minutes=20)  # SMS due 5 minutes ago, task in 10
    with session_factory(engine)() as s, s.begin():
        s.add(Shop(id="s1", name="店"))
        s.flush()
        s.add(Order(id="o1", shop_id="s1", buyer="b", created_at=created, amount_fen=900, status="等待买家付款",
                    phone="13800000000"))
    env = {**os.environ, "KEFU_DATABASE_URL": url, "KEFU_CLOCK_START": clock.isoformat()}
    result = subprocess.run([sys.executable, "-m", "kefu", "duty", "worker", "--once"], env=env, cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "passes=1"
    with session_factory(engine)() as s:
        states = {t.rule: t.status for t in s.scalars(select(DueTimer))}
        (msg,) = s.scalars(select(OutboxMessage)).all()
    engine.dispose()
    assert states == {"pay_sms": "fired", "pay_task": "pending"}
    # no SMS gateway configured for the shop: the message is kept as failed for a person to see
    assert (msg.dedupe_key, msg.status, msg.last_error) == ("pay_sms:o1", "failed", "no adapter configured for sms")
