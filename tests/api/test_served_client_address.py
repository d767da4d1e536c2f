"""``kefu serve`` itself ignores a spoofed ``X-Forwarded-For`` (issue 15 hole 9, as the probe did it).

Uvicorn believes that header from 127.0.0.1 by default, so on the real server
any local client could give each login attempt a new address and never be
limited. Real processes on a temporary SQLite file, both serve paths: the
dashboard process and two API workers.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher

from kefu.api.workers import can_share_port
from kefu.service.org import actions as auth
from kefu.store.db import make_engine, session_factory
from kefu.store.migrate import upgrade

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("mode", ["dashboard", "api-workers"])
def test_spoofed_forwarded_for_from_localhost_is_ignored(tmp_path: Path, mode: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if mode == "api-workers" and not can_share_port():
        pytest.skip("no SO_REUSEPORT here")
    db = f"sqlite:///{tmp_path / 'kefu.db'}"
    upgrade(db)
    engine = make_engine(db)
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    with session_factory(engine)() as s, s.begin():
        auth.create_user(s, "sup", "right-password-7", "supervisor")
    engine.dispose()
    port = _free_port()
    args = ["serve", "--port", str(port)] + (["--api-only", "--workers", "2"] if mode == "api-workers" else [])
    env = {**os.environ, "KEFU_DATABASE_URL": db, "KEFU_DATA_DIR": str(tmp_path / "var")}
    server = subprocess.Popen([sys.executable, "-m", "kefu", *args], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        with httpx.Client(timeout=30) as client:
            codes = [client.post(f"{base}/api/v1/auth/login", json={"username": "sup", "password": "wrong-password"},
                                 headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code for i in range(6)]
        assert codes == [401] * 5 + [429]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
