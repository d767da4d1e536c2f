"""Several real API processes on one PostgreSQL: the invariants hold, also when a worker is killed.

Three Uvicorn processes share a private schema. Threads open and close
conversations against all three while one process is SIGKILLed mid-load and
restarted. Afterwards the rows must show: no agent above capacity, load equal
to the open assignments, no conversation assigned twice, every conversation the
API acknowledged present, and (after a sweep) no queued chat beside a free agent.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from kefu.config import normalise_database_url
from kefu.service.org import actions as auth
from kefu.store.base import Base
from kefu.store.db import make_engine, session_factory
from kefu.store.models.live import Conversation, Event
from kefu.store.models.org import Agent

PG_URL = os.environ.get("KEFU_TEST_POSTGRES_URL", "")
pytestmark = [pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.skipif(not PG_URL, reason="KEFU_TEST_POSTGRES_URL not set")]
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KEFU_DATABASE_URL": url}
    return subprocess.Popen([sys.executable, "-m", "uvicorn", "kefu.api.asgi:api_app", "--factory", "--port",
                             str(port), "--log-level", "warning", "--no-access-log"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _wait_up(port: int) -> None:
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"API on {port} did not start")


@pytest.fixture
def schema_url() -> str:
    base = normalise_database_url(PG_URL)
    schema = f"kefu_live_mp_{os.getpid()}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    yield url
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def test_processes_and_a_killed_worker_keep_the_invariants(schema_url: str) -> None:
    engine = make_engine(schema_url)
    Base.metadata.create_all(engine)
    with session_factory(engine)() as s, s.begin():
        token = auth.create_token(s, "load")
    ports = [_free_port() for _ in range(3)]
    procs = [_start(schema_url, p) for p in ports]
    try:
        for p in ports:
            _wait_up(p)
        headers = {"Authorization": f"Bearer {token}"}
        base = f"http://127.0.0.1:{ports[0]}/api/v1"
        for i in range(6):
            assert httpx.post(f"{base}/agents", headers=headers, json={
                "id": f"a{i}", "name": f"a{i}", "skills": ["售前", "售后"] if i % 2 else ["售前"],
                "capacity": 2}).status_code == 201
            assert httpx.post(f"{base}/agents/a{i}/status", headers=headers, json={"status": "online"}).status_code == 200

        acknowledged: list[int] = []
        after_restart: list[int] = []
        lock = threading.Lock()
        restarted = threading.Event()

        def worker(seed: int) -> None:
            rnd = random.Random(seed)
            with httpx.Client(headers=headers, timeout=10) as client:
                for n in range(4000):  # until the restarted process has served its share (a slow restart
                    if restarted.is_set() and len(after_restart) > 60:  # on a busy machine takes longer)
                        return
                    if n >= 400 and not restarted.is_set():
                        time.sleep(0.05)  # the quota before the kill is met: wait for the restart, do not spin
                    port = rnd.choice(ports)
                    try:
                        r = client.post(f"http://127.0.0.1:{port}/api/v1/conversations",
                                        json={"shop": "s", "buyer": f"b{seed}-{n % 7}", "group": rnd.choice(["售前", "售后"])})
                        if r.status_code == 201:
                            with lock:
                                acknowledged.append(r.json()["id"])
                                if restarted.is_set():
                                    after_restart.append(r.json()["id"])
                        with lock:
                            pick = rnd.choice(acknowledged) if acknowledged and rnd.random() < 0.7 else None
                        if pick is not None:
                            client.post(f"http://127.0.0.1:{rnd.choice(ports)}/api/v1/conversations/{pick}/close")
                    except httpx.HTTPError:
                        continue  # the killed process: the client sees an error, the database rolls back

        def killer() -> None:
            time.sleep(1.5)
            os.killpg(procs[0].pid, signal.SIGKILL)
            procs[0].wait()
            time.sleep(0.5)
            procs[0] = _start(schema_url, ports[0])
            _wait_up(ports[0])
            restarted.set()

        with ThreadPoolExecutor(max_workers=9) as pool:
            futures = [pool.submit(worker, seed) for seed in range(8)] + [pool.submit(killer)]
            for f in futures:
                f.result(timeout=300)
        assert procs[0].poll() is None  # restarted and serving
        r = httpx.post(f"http://127.0.0.1:{ports[1]}/api/v1/live/sweep", headers=headers)
        assert r.status_code == 200
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=30)

    with session_factory(engine)() as s:
        convs = {c.id: c for c in s.scalars(select(Conversation))}
        agents = list(s.scalars(select(Agent)))
        assigned_events = Counter(subject for (subject,) in s.execute(
            select(Event.subject).where(Event.kind == "conversation.assigned")))
        open_by_agent = Counter(c.agent_id for c in convs.values() if c.status == "assigned")
        assert len(acknowledged) > 100 and len(after_restart) > 60  # load ran on both sides of the kill
        assert set(acknowledged) <= set(convs)  # nothing acknowledged was lost
        assert all(n == 1 for n in assigned_events.values())  # never assigned twice
        for a in agents:
            assert a.load == open_by_agent[a.id] <= a.capacity, a.id
        queued = [c for c in convs.values() if c.status == "queued"]
        for c in queued:  # a waiting chat only when no agent of its group has room
            assert all(a.load >= a.capacity for a in agents if c.group in a.skills), c.id
        assert s.scalar(select(func.count()).select_from(Conversation).where(
            Conversation.status.not_in(("queued", "assigned", "closed")))) == 0
    engine.dispose()
