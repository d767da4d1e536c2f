"""The served process's background work, in one place: duty timers, the outbox, the live sweep, attendance.

``kefu serve`` starts :class:`Background` with the app's lifespan and stops it with it, so
an imported unpaid order gets its 催付 without anyone typing ``kefu duty worker`` (issue 20,
item 4). :func:`tick` is one pass; ``kefu duty worker`` (the same pass in a loop, for an
API-only deployment) calls it too. Each step is its own transaction: a failing gateway or
a lost race ("database is locked", a dropped connection) rolls back that step only and the
next pass retries it. The due rows in the database make a pass safe to repeat and safe to
run beside another worker (see :mod:`kefu.service.duty.actions`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from kefu.domain.timeutil import utc_now
from kefu.service.duty.actions import run_due_timers, schedule_new_orders
from kefu.service.duty.actions_outbox import dispatch_outbox
from kefu.service.duty.actions_tasks import escalate_overdue
from kefu.service.live import actions as live
from kefu.service.org import actions_privacy as privacy
from kefu.service.team import actions_attendance as attendance
from kefu.store.db import transaction

log = logging.getLogger("kefu.worker")


@dataclass
class TickOut:
    """What one pass did (a step that failed this pass counts 0 and is retried on the next)."""

    scheduled: int = 0  # timers added for new, paid or returned orders
    fired: int = 0  # due timers fired (a task, an outbox message or a skip each)
    escalated: int = 0  # overdue tasks handed to a supervisor
    sent: int = 0  # outbox messages sent
    assigned: int = 0  # queued chats routed by the sweep
    reassigned: int = 0  # chats moved off an agent who left the buyer waiting
    marked: int = 0  # late and absent marks written from presence against the roster


def tick(engine: Engine, now: datetime | None = None, *, batch: int = 200) -> TickOut:
    """One pass at ``now`` (kefu's clock by default): schedule, fire, escalate, retention, sweep, attendance, send."""
    when = now or utc_now()
    out = TickOut()

    def step(work: Callable[[Session], object]) -> None:
        with contextlib.suppress(OperationalError), transaction(engine) as session:
            work(session)

    def timers(s: Session) -> None:
        out.scheduled = schedule_new_orders(s, when)
        out.fired = len(run_due_timers(s, when, batch=batch))

    def escalate(s: Session) -> None:
        out.escalated = escalate_overdue(s, when)

    def sweep(s: Session) -> None:
        done = live.sweep(s, when)
        out.assigned, out.reassigned = done.assigned, done.reassigned

    def marks(s: Session) -> None:
        out.marked = attendance.sweep_attendance(s, when)

    for work in (timers, escalate, lambda s: privacy.sweep_if_due(s, when), sweep, marks):
        step(work)
    with contextlib.suppress(OperationalError):
        out.sent = dispatch_outbox(engine, now=when, batch=batch).sent
    return out


class Background:
    """:func:`tick` every ``interval`` seconds on a thread, from :meth:`start` until :meth:`stop`.

    ``passes`` counts finished passes (a test waits for the next one after moving kefu's
    clock, instead of sleeping a guessed time). An unexpected error in a pass is logged and
    the loop goes on: the due rows are still there for the next pass.
    """

    def __init__(self, engine: Engine, interval: float = 5.0) -> None:
        self.engine = engine
        self.interval = interval
        self.passes = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="kefu-background")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.to_thread(tick, self.engine)
            except Exception:
                log.exception("background pass failed; the next pass retries")
            self.passes += 1
            await asyncio.sleep(self.interval)
