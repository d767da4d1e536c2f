"""``kefu serve --api-only --workers N``: each worker accepts on its own SO_REUSEPORT socket.

Real processes on a temporary SQLite file: both workers listen, a burst of
keep-alive connections is spread over both (Uvicorn's shared socket let one
worker take them all), a killed worker is replaced, SIGTERM stops everything,
and a port that is already taken is a start-up failure, not a restart loop.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from kefu.api.workers import STARTUP_FAILURE, can_share_port

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not can_share_port(), reason="no SO_REUSEPORT here")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KEFU_DATABASE_URL": f"sqlite:///{tmp_path / 'kefu.db'}"}
    return subprocess.Popen([sys.executable, "-m", "kefu", "serve", "--api-only", "--workers", "2", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def _workers_listening(server: subprocess.Popen[bytes], port: int) -> set[int]:
    found = set()
    for child in psutil.Process(server.pid).children(recursive=True):
        try:
            if any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in child.net_connections("tcp")):
                found.add(child.pid)
        except psutil.Error:
            continue
    return found


def _until(check: object, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def _health(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = _free_port()
    server = _serve(tmp_path, port)
    try:
        _until(lambda: len(_workers_listening(server, port)) == 2 and _health(port))
        yield server, port
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_connections_spread_over_the_workers_and_a_dead_worker_is_replaced(
        served: tuple[subprocess.Popen[bytes], int]) -> None:
    server, port = served
    workers = _workers_listening(server, port)
    burst = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]  # kept open, like keep-alive clients
    try:
        local = {s.getsockname()[1] for s in burst}

        def holders() -> set[int]:
            return {pid for pid in workers
                    if any(c.raddr and c.raddr.port in local for c in psutil.Process(pid).net_connections("tcp"))}

        _until(lambda: len(holders()) == 2, 30)  # both workers hold some (all on one: 2 in 65 536)
    finally:
        for s in burst:
            s.close()
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    _until(lambda: len(_workers_listening(server, port)) == 2 and victim not in _workers_listening(server, port))
    assert _health(port)
    now = _workers_listening(server, port)
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0
    _until(lambda: not any(psutil.pid_exists(pid) for pid in now), 30)


def test_a_taken_port_stops_the_server_instead_of_restarting_workers(tmp_path: Path) -> None:
    with socket.socket() as taken:  # a plain listener without SO_REUSEPORT: nobody may share its port
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server = _serve(tmp_path, taken.getsockname()[1])
        assert server.wait(timeout=120) == STARTUP_FAILURE
