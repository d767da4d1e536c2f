"""Serve the API from N processes, each accepting on its own ``SO_REUSEPORT`` socket.

Why not Uvicorn's ``--workers``: its workers share one listening socket, and an
asyncio accept loop takes *every* pending connection when it wakes. Clients of
this API hold keep-alive connections, so whichever worker woke first kept a
whole burst of them: in the live load benchmark all 12 client connections sat on
one of four workers while three idled (seen with ``ss -tnp``). With
``SO_REUSEPORT`` each worker has its own accept queue and the kernel spreads new
connections over them by address hash.

Like Uvicorn's supervisor, the parent replaces a worker that dies (a killed
worker loses only its in-flight requests, see ADR 0002), stops everything if a
worker cannot even start, and passes SIGTERM/SIGINT on as a graceful shutdown.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import threading
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE  # exit code of a worker that cannot start


def can_share_port() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def _listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    """One worker process: its own socket on the shared port, one Uvicorn server (factory ``app``)."""
    try:
        sock = _listening_socket(host, port)
    except OSError as exc:
        print(f"kefu serve: cannot listen on {host}:{port}: {exc}", flush=True)
        raise SystemExit(STARTUP_FAILURE) from exc
    uvicorn.Server(uvicorn.Config(app, factory=True, host=host, port=port, **options)).run(sockets=[sock])


def serve_workers(app: str, host: str, port: int, workers: int, **options: Any) -> int:
    """Run ``workers`` worker processes until SIGTERM/SIGINT, replacing any that die; the exit code."""
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter per worker: no inherited engine or pool
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def start() -> BaseProcess:
        process = spawn.Process(target=_worker, args=(app, host, port, options))
        process.start()
        return process

    processes = [start() for _ in range(workers)]
    failed = False
    while not stop.wait(0.5):
        for i, process in enumerate(processes):
            if process.is_alive():
                continue
            if process.exitcode == STARTUP_FAILURE:  # would fail the same way on every restart
                failed = True
                stop.set()
                break
            processes[i] = start()
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: Uvicorn finishes in-flight requests
    for process in processes:
        process.join(timeout=30)
    return STARTUP_FAILURE if failed else 0
