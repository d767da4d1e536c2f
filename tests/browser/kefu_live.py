"""Helpers for the live-server tests: a real kefu server (dashboard + API) on a free 127.0.0.1 port, with a small demo shop loaded.

Started once per test session (per xdist worker; the tests share the group
``kefu_server`` so one worker runs them all) in a subprocess: the same
``served(create_app(with_ui=True, background=…))`` that ``kefu serve`` runs (duty timers, outbox, sweep), on a temporary SQLite file.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The demo's printed passwords must be changed at first sign-in; the boot script does that change for
# every demo account (the same service call /account/password makes), so the journeys sign in with these.
DEMO_PASSWORD = "quiet-river-2026-a"
ADMIN_PASSWORD = "steady-harbour-2026-b"
# Screenshots land in var/screenshots (ignored); KEFU_SCREENSHOTS_DIR=docs/screenshots refreshes the user guide's.
SCREENSHOTS = Path(os.environ.get("KEFU_SCREENSHOTS_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots")

# The server's clock starts here (KEFU_CLOCK_START): the demo is cut at this moment and routing,
# shift ends and timers read it, so the journeys see the same floor at any hour on any day.
# 23:00 on a Friday: the last shift ended at 22:30 and the demo's buyers wait for the morning.
CLOCK_START = datetime(2026, 11, 20, 23, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

_BOOT = """
import sys
from kefu.config import get_settings, install_clock
install_clock(get_settings())
from kefu.service.demo.actions import load_demo
from kefu.store.db import make_engine
from kefu.store.migrate import upgrade
url = sys.argv[1]
upgrade(url)
engine = make_engine(url)
summary = load_demo(engine, *(int(x) for x in sys.argv[4:7]), credentials_dir=get_settings().data_dir)
from kefu.service.live import actions
from kefu.service.org import actions as org
from kefu.store.db import transaction
with transaction(engine) as session:
    for user in org.list_users(session):
        admin = user.username == "admin"
        org.change_password(session, user.id, summary.admin_password if admin else summary.supervisor_password,
                              sys.argv[3] if admin else sys.argv[2])
with transaction(engine) as session:
    # At night the demo leaves buyers queued for the morning shift; close them so the
    # journeys start from a quiet floor.
    for waiting in actions.queue_snapshot(session):
        actions.close_conversation(session, waiting.id)
"""

_SERVE = """
import sys, uvicorn
from kefu.api.app import create_app, served
uvicorn.run(served(create_app(with_ui=True, background=0.5)), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning",
            proxy_headers=False)
"""


@dataclass(frozen=True)
class Server:
    base: str
    admin_password: str
    agent: str  # an agent account's username (= agent id)
    db_url: str
    tmp: Path  # the server's temporary folder (TMPDIR): uploads must not stay there
    known_buyer: str  # a demo buyer's nickname with orders (a web visitor may type it)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])



def start_server(tmp_path_factory: pytest.TempPathFactory, demo: tuple[int, int, int] = (1, 3, 4),
                 clock: datetime = CLOCK_START, journeys: bool = True) -> Iterator[Server]:
    """Boot a demo of ``demo`` = (seed, days, agents) at ``clock`` and serve it; ``journeys`` prepares the
    shared journeys' floor (one agent off the roster and reachable by routing, nobody queued)."""
    root = tmp_path_factory.mktemp("kefu-server")
    db_url = f"sqlite:///{root / 'kefu.db'}"
    env = {**os.environ, "KEFU_DATABASE_URL": db_url, "KEFU_DATA_DIR": str(root / "var"),
           "NICEGUI_STORAGE_PATH": str(root / ".nicegui"), "KEFU_CLOCK_START": clock.isoformat(),
           "TMPDIR": str(root / "tmp")}
    (root / "tmp").mkdir()
    subprocess.run([sys.executable, "-c", _BOOT, db_url, DEMO_PASSWORD, ADMIN_PASSWORD, *map(str, demo)], env=env,
                   cwd=root, capture_output=True, text=True, timeout=600, check=True)
    from sqlalchemy import create_engine, text

    eng = create_engine(db_url)
    with eng.begin() as conn:
        agent = conn.execute(text("select username from users where role = 'agent' order by username")).scalars().first()
        known_buyer = conn.execute(text("select buyer from orders order by id limit 1")).scalar_one()
        if journeys:
            agent = _prepare_journeys(conn) or agent
    eng.dispose()
    assert agent is not None
    port = _free_port()
    log = (root / "server.log").open("w")
    proc = subprocess.Popen([sys.executable, "-c", _SERVE, str(port)], env=env, cwd=root, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError((root / "server.log").read_text())
            time.sleep(0.1)
        else:
            raise RuntimeError("kefu server did not start in 30 s")
        yield Server(base, ADMIN_PASSWORD, agent, db_url, root / "tmp", known_buyer)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _prepare_journeys(conn: Any) -> str | None:
    """The shared journeys' floor: an agent with open tasks, off the roster, holding 售前; nobody offline with load."""
    from sqlalchemy import text

    # the agent journey needs an agent with open follow-up tasks, and routing must reach that agent
    agent: str | None = conn.execute(text(
        "select u.username from users u join tasks t on t.assignee = u.agent_id "
        "where u.role = 'agent' and t.status = 'open' order by u.username")).scalars().first()
    if agent is None:
        agent = conn.execute(text("select username from users where role = 'agent' order by username")).scalars().first()
    conn.execute(text("update agents set status = 'offline' where load = 0"))
    # routing gives nothing to an agent past today's shift end; the journey must not depend on the clock
    conn.execute(text("delete from roster_entries where agent_id = "
                      "(select agent_id from users where username = :u)"), {"u": agent})
    # and a web buyer without orders goes to 售前: the agent must hold that skill as a primary one
    conn.execute(text("update agents set skills = :s where id = (select agent_id from users where username = :u)"),
                 {"s": json.dumps(["售前", "售后"]), "u": agent})
    return agent


TIMEOUT_MS = 15_000


class Tab:
    """A page plus the console errors it logged (a CSP violation is one of them)."""

    def __init__(self, browser: Browser, viewport: tuple[int, int] = (1280, 800), mobile: bool = False) -> None:
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN",
                                           is_mobile=mobile, has_touch=mobile)
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("response", lambda r: self.errors.append(f"HTTP {r.status} {r.url}")
                     if r.status >= 400 and not r.request.is_navigation_request() else None)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def shot(self, name: str, full_page: bool = False) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.wait_for_timeout(800)  # let charts finish their entry animation
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    def close(self) -> None:
        self.context.close()


def sign_in(tab: Tab, base: str, path: str, username: str, password: str) -> None:
    from playwright.sync_api import expect

    tab.page.goto(base + path)
    expect(tab.page.get_by_test_id("login")).to_be_visible()
    tab.page.get_by_test_id("username").fill(username)
    tab.page.get_by_test_id("password").fill(password)
    tab.page.get_by_test_id("login").click()
    tab.page.wait_for_url(base + path)


def login(client: httpx.Client, base: str, username: str, password: str) -> None:
    """Sign in through the API (sets the signed session cookie the dashboard also reads)."""
    r = client.post(f"{base}/api/v1/auth/login", json={"username": username, "password": password},
                    headers={"Origin": base})
    assert r.status_code == 200, r.text


def upload_unpaid_order(tab: Tab, base: str, folder: Path, order_id: str) -> dict[str, Any]:
    """Upload a 40-minute-old unpaid order on /imports and wait for the served process's background
    pass to give it its open 催付 task (no command typed); returns that task as the API lists it."""
    from datetime import timedelta

    from playwright.sync_api import expect

    page = tab.page
    page.goto(base + "/imports")
    created = (CLOCK_START - timedelta(minutes=40)).strftime("%Y-%m-%d %H:%M:%S")  # 30 min passed at upload
    orders = folder / f"未付款订单-{order_id}.csv"
    orders.write_bytes((
        "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间,宝贝标题\n"
        f"{order_id},犹豫的买家,88.00,等待买家付款,{created},,珊瑚绒毛毯\n").encode("gbk"))  # fmt: skip
    page.get_by_test_id("import-upload").locator("input[type=file]").set_input_files(str(orders))
    expect(page.get_by_test_id("import-status")).to_contain_text("新增 1")
    for _ in range(60):  # the background pass runs every half second
        listed = page.request.get(base + "/api/v1/tasks?status=open").json()
        mine = [t for t in listed if t["order_id"] == order_id]
        if mine:
            return dict(mine[0])
        page.wait_for_timeout(500)
    raise AssertionError(f"no open task for order {order_id} after 30 s")

