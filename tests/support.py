"""Helpers for tests, importable as ``support`` from any test module (pytest pythonpath)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ../shared; the test is skipped when the fixtures are absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared fixture not present: {path}")
    return path


def signed_in(app: Any, password: str, roles: tuple[str, ...] = ("supervisor", "agent"),
              base: str = "http://testserver") -> dict[str, Any]:
    """One TestClient per role, user ``u-<role>`` signed in with ``password`` (same-origin writes)."""
    from fastapi.testclient import TestClient

    out: dict[str, Any] = {}
    for role in roles:
        client = TestClient(app, base_url=base, headers={"Origin": base})
        r = client.post("/api/v1/auth/login", json={"username": f"u-{role}", "password": password})
        assert r.status_code == 200, r.text
        out[role] = client
    return out


def role_clients(app: Any, token: str, password: str, base: str = "http://testserver") -> dict[str, Any]:
    """``signed_in`` for admin, supervisor and agent, plus ``integration`` with the bearer ``token``."""
    from fastapi.testclient import TestClient

    out = signed_in(app, password, ("admin", "supervisor", "agent"), base)
    out["integration"] = TestClient(app, base_url=base, headers={"Authorization": f"Bearer {token}"})
    return out


def api_routes(app: Any) -> list[APIRoute]:
    """Every APIRoute of ``app``; FastAPI >= 0.160 keeps included routers nested."""
    from fastapi.routing import iter_route_contexts

    return [rc.original_route for rc in iter_route_contexts(app.routes) if isinstance(rc.original_route, APIRoute)]


@contextmanager
def live_server(app: Any) -> Iterator[int]:
    """``app`` under a real Uvicorn server on 127.0.0.1 (a free port), in a thread; yields the port."""
    import socket
    import threading

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            time.sleep(0.01)
        assert server.started, "uvicorn did not start"
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class RawHttp:
    """One HTTP/1.1 keep-alive connection driven by hand: what a proxy or an integration's client pool does.

    ``closed`` after a response tells whether the server dropped the connection.
    """

    def __init__(self, port: int) -> None:
        import socket

        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        head = {"Host": "127.0.0.1", "Content-Length": str(len(body)), **(headers or {})}
        lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
        self.send(f"{method} {path} HTTP/1.1\r\n{lines}\r\n".encode() + body)

    def _more(self) -> bytes:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        return chunk

    def response(self) -> tuple[int, dict[str, str], bytes]:
        """Status, headers (lower-case names) and body of the next response; raises when the server hung up."""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._more()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self.buffer += self._more()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(lines[0].split()[1]), headers, body

    def call(self, method: str, path: str, body: bytes = b"",
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        self.request(method, path, body, headers)
        return self.response()

    def close(self) -> None:
        self.sock.close()
