"""Live-floor load: N Uvicorn workers on PostgreSQL, buyers and agents driven over HTTP.

    bench/live_load.py --workers 4 --conversations 20000

Creates a fresh database (``kefu_bench`` on the local server unless
``--url`` says otherwise), starts ``kefu serve --api-only --workers N``,
registers agents and sets them online, then a bounded asyncio loop (httpx)
opens conversations, waits for the assignment (immediate, or polled when
queued) and closes them, which frees capacity for the queue. Afterwards the
rows are checked:

* over_capacity: the highest concurrent load per agent, replayed from the
  event log in commit order of each agent's row lock, above its capacity;
* double: conversations with more than one ``conversation.assigned`` event;
* lost: acknowledged conversations missing or not closed at the end.

The last line is ``assign_per_s=… p99_ms=… over_capacity=0 double=0 lost=0``.
``--kill-worker`` SIGKILLs one Uvicorn worker mid-load (Uvicorn restarts it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kefu.service.org import actions as auth  # noqa: E402
from kefu.store.db import make_engine, session_factory  # noqa: E402
from kefu.store.migrate import upgrade  # noqa: E402
from kefu.store.models.live import Conversation, Event  # noqa: E402
from kefu.store.models.org import Agent  # noqa: E402


def fresh_database(server: str, name: str) -> str:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_up(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            try:
                if (await client.get(f"{base}/health", timeout=1)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("API did not start")


class Http:
    """A minimal HTTP/1.1 keep-alive client on one connection (the driver shares the 2 cores with the server).

    httpx spends ~4 ms of CPU per request, as much as the server; this spends a
    fraction of that. Any connection error drops the connection (reconnect on the
    next call) and is raised as ``OSError``.
    """

    def __init__(self, host: str, port: int, prefix: str, token: str) -> None:
        self.host, self.port, self.prefix = host, port, prefix
        self.head = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def call(self, method: str, path: str, body: dict[str, object] | None = None) -> tuple[int, dict[str, Any]]:
        try:
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            assert self.reader is not None
            data = json.dumps(body).encode() if body is not None else b""
            self.writer.write(f"{method} {self.prefix}{path} HTTP/1.1\r\n{self.head}Content-Type: application/json"
                              f"\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            close = False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"connection" and value.strip().lower() == b"close":
                    close = True
            payload = await self.reader.readexactly(length) if length else b"{}"
            if close:
                self.drop()
            return status, json.loads(payload)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            self.drop()
            raise OSError(str(exc)) from exc

    def drop(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Driver:
    def __init__(self, base: str, token: str, total: int, concurrency: int, max_seconds: float) -> None:
        self.base, self.token, self.total, self.concurrency = base, token, total, concurrency
        self.max_seconds = max_seconds
        self.next = 0
        self.latencies: list[float] = []
        self.acknowledged: list[int] = []
        self.assigned = self.queued = self.errors = 0

    async def one(self, client: Http, n: int) -> None:
        started = time.perf_counter()
        code, body = await client.call("POST", "/conversations",
                                       {"shop": "bench", "buyer": f"buyer{n}", "group": "售前" if n % 3 else "售后"})
        if code != 201:
            self.errors += 1
            return
        self.acknowledged.append(body["id"])
        if body["status"] == "assigned":
            self.latencies.append(time.perf_counter() - started)
        else:
            self.queued += 1
            while True:  # queued: capacity frees as other buyers finish
                await asyncio.sleep(0.05)
                with contextlib.suppress(OSError):
                    if (await client.call("GET", f"/conversations/{body['id']}"))[1].get("status") == "assigned":
                        break
        self.assigned += 1
        for _ in range(20):  # a killed worker drops the request: retry until the close is acknowledged
            try:
                if (await client.call("POST", f"/conversations/{body['id']}/close"))[0] in (200, 409):
                    return
            except OSError:
                await asyncio.sleep(0.2)

    async def loop(self) -> None:
        url = httpx.URL(self.base)
        client = Http(url.host, url.port or 80, url.path.rstrip("/"), self.token)
        try:
            while self.next < self.total and time.perf_counter() < self.deadline:
                n, self.next = self.next, self.next + 1
                try:
                    await self.one(client, n)
                except OSError:
                    self.errors += 1
        finally:
            client.drop()

    async def run(self) -> float:
        started = time.perf_counter()
        self.deadline = started + self.max_seconds
        await asyncio.gather(*(self.loop() for _ in range(self.concurrency)))
        return time.perf_counter() - started


def check(url: str, acknowledged: list[int]) -> dict[str, int]:
    engine = make_engine(url)
    with session_factory(engine)() as s:
        capacity = {a.id: a.capacity for a in s.scalars(select(Agent))}
        load: Counter[str] = Counter()
        peak: Counter[str] = Counter()
        assigned_events: Counter[str] = Counter()
        for kind, agent, subject, data in s.execute(select(Event.kind, Event.agent_id, Event.subject, Event.data)
                                                    .where(Event.kind.like("conversation.%")).order_by(Event.id)):
            if kind in ("conversation.assigned", "conversation.transferred") and agent:
                load[agent] += 1
                peak[agent] = max(peak[agent], load[agent])
                assigned_events[subject] += kind == "conversation.assigned"
            elif kind == "conversation.closed" and agent and data.get("was") == "assigned":
                load[agent] -= 1
        status = {cid: st for cid, st in s.execute(select(Conversation.id, Conversation.status))}
        known = set(acknowledged)
        orphans = sum(1 for cid, st in status.items() if cid not in known and st != "closed")
    engine.dispose()
    return {
        "over_capacity": sum(1 for a, p in peak.items() if p > capacity.get(a, 0)),
        "double": sum(1 for n in assigned_events.values() if n > 1),
        "lost": sum(1 for cid in acknowledged if status.get(cid) != "closed"),
        "orphans": orphans,  # committed but the response died with a killed worker
    }


def cpu_by_side(server: subprocess.Popen[bytes]) -> dict[str, float]:
    """CPU seconds so far of the API workers, of all PostgreSQL processes, and of this driver.

    Divided by the assignments, these say where the two cores go (PostgreSQL's
    figure includes anything else the server runs meanwhile).
    """
    def cpu(p: psutil.Process) -> float:
        with contextlib.suppress(psutil.Error):
            t = p.cpu_times()
            return float(t.user + t.system)
        return 0.0

    workers = sum(cpu(c) for c in psutil.Process(server.pid).children(recursive=True))
    postgres = sum(cpu(p) for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("postgres"))
    return {"api": workers, "pg": postgres, "driver": cpu(psutil.Process())}


def kill_one_worker(server: subprocess.Popen[bytes], after: float) -> None:
    time.sleep(after)
    children = psutil.Process(server.pid).children(recursive=True)
    workers = [c for c in children if "spawn_main" in " ".join(c.cmdline())]  # not the resource tracker
    if workers:
        os.kill(workers[-1].pid, signal.SIGKILL)
        print(f"killed worker {workers[-1].pid}", file=sys.stderr)


def _run(coro: Coroutine[Any, Any, float]) -> float:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--conversations", type=int, default=20000)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--capacity", type=int, default=5)
    # Closed loop: latency = in-flight calls ÷ throughput (Little's law). 12 in flight (3 per worker)
    # keeps all 4 workers and PostgreSQL busy; more only lengthens queues (48: same rate, p99 ~4x).
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--server", default=os.environ.get("KEFU_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432"))
    parser.add_argument("--database", default="kefu_bench")
    parser.add_argument("--kill-worker", action="store_true", help="SIGKILL one worker mid-load")
    parser.add_argument("--max-seconds", type=float, default=1800, help="stop opening new conversations after this")
    parser.add_argument("--server-cmd", choices=["kefu", "uvicorn"], default="kefu",
                        help="kefu serve --api-only (default) or uvicorn with a 60 s worker healthcheck")
    args = parser.parse_args()

    url = fresh_database(args.server, args.database)
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as s, s.begin():
        token = auth.create_token(s, "bench")
    engine.dispose()
    port = free_port()
    env = {**os.environ, "KEFU_DATABASE_URL": url}
    if args.server_cmd == "kefu":
        cmd = [str(Path(sys.executable).parent / "kefu"), "serve", "--api-only", "--workers", str(args.workers),
               "--port", str(port)]
    else:  # same app factory; Uvicorn's 5 s healthcheck kills busy workers on an overloaded machine
        cmd = [str(Path(sys.executable).parent / "uvicorn"), "kefu.api.asgi:api_app", "--factory", "--workers",
               str(args.workers), "--port", str(port), "--log-level", "warning", "--no-access-log",
               "--timeout-worker-healthcheck", "60"]
    server = subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        asyncio.run(wait_up(base))
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(headers=headers, timeout=30) as client:
            for i in range(args.agents):
                skills = ["售前", "售后"] if i % 4 == 0 else (["售后"] if i % 4 == 1 else ["售前"])
                client.post(f"{base}/agents", json={"id": f"a{i}", "name": f"a{i}", "skills": skills,
                                                    "capacity": args.capacity}).raise_for_status()
                client.post(f"{base}/agents/a{i}/status", json={"status": "online"}).raise_for_status()
        driver = Driver(base, token, args.conversations, args.concurrency, args.max_seconds)
        workers_seen: set[int] = set()

        def watch() -> None:
            while server.poll() is None:
                with contextlib.suppress(psutil.Error):
                    workers_seen.update(c.pid for c in psutil.Process(server.pid).children(recursive=True))
                time.sleep(0.5)

        import threading

        threading.Thread(target=watch, daemon=True).start()
        if args.kill_worker:
            threading.Thread(target=kill_one_worker, args=(server, 3.0), daemon=True).start()
        cpu_before = cpu_by_side(server)
        elapsed = _run(driver.run())
        cpu_after = cpu_by_side(server)
        with httpx.Client(headers=headers, timeout=30) as client:
            client.post(f"{base}/live/sweep")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    figures = check(url, driver.acknowledged)
    lat = sorted(driver.latencies)
    p50 = lat[len(lat) // 2] * 1000 if lat else 0.0
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0.0
    by_kind = defaultdict(int, {"queued": driver.queued, "errors": driver.errors})
    print(f"workers={args.workers} conversations={args.conversations} agents={args.agents} capacity={args.capacity} "
          f"concurrency={args.concurrency} seconds={elapsed:.1f} queued={by_kind['queued']} errors={by_kind['errors']} "
          f"p50_ms={p50:.1f} orphans={figures['orphans']} done={driver.next} "
          f"worker_pids_seen={len(workers_seen)} " + " ".join(
              f"cpu_ms_per_assign_{side}={(cpu_after[side] - cpu_before[side]) * 1000 / max(driver.assigned, 1):.2f}"
              for side in cpu_before), file=sys.stderr)
    print(f"assign_per_s={driver.assigned / elapsed:.0f} p99_ms={p99:.1f} over_capacity={figures['over_capacity']} "
          f"double={figures['double']} lost={figures['lost']}")


if __name__ == "__main__":
    main()
