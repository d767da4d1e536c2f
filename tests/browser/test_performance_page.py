"""``/performance`` in headless Chromium: each figure on the page for a month is the credit output of
that month (``GET /api/v1/credit/performance``), the chart runs over the month's days only, a
leaderboard row drills into that agent's orders with shop-zone times, an agent sees only their own.
Screenshots: performance.png, performance-orders.png, performance-agent.png.
"""

from __future__ import annotations

import pytest
from kefu_live import CHROMIUM, DEMO_PASSWORD, Server, Tab, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("kefu_server"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def test_month_figures_are_the_months_credit(kefu_server: Server, browser: Browser) -> None:
    tab = Tab(browser)
    page = tab.page
    sign_in(tab, kefu_server.base, "/performance?month=2026-11", "demo", DEMO_PASSWORD)
    credit = page.request.get(kefu_server.base + "/api/v1/credit/performance?month=2026-11").json()
    assert credit["paid_fen"] > 0 and all(d["day"].startswith("2026-11-") for d in credit["days"])
    expect(page.get_by_test_id("perf-paid")).to_have_text(_yuan(credit["paid_fen"]))
    expect(page.get_by_test_id("perf-credited")).to_have_text(_yuan(credit["credited_fen"]))
    expect(page.get_by_test_id("perf-silent")).to_have_text(f"{credit['silent_share_pct']:.1f}%")
    board = page.get_by_test_id("perf-leaderboard")
    rows = board.locator("tbody tr")
    expect(rows).to_have_count(len(credit["agents"]))
    for i, agent in enumerate(credit["agents"]):
        expect(rows.nth(i)).to_contain_text(agent["name"])
        expect(rows.nth(i)).to_contain_text(_yuan(agent["sales_fen"]))
    tab.shot("performance", full_page=True)
    top = credit["agents"][0]
    rows.first.click()
    page.wait_for_url(f"**/performance?month=2026-11&agent={top['agent']}")
    drill = page.request.get(f"{kefu_server.base}/api/v1/credit/performance?month=2026-11&agent={top['agent']}").json()
    orders = page.get_by_test_id("perf-orders")
    expect(orders).to_contain_text(f"{top['name']}")
    first = drill["orders"][0]
    expect(orders.locator("tbody tr").first).to_contain_text(first["order_id"])
    expect(orders).not_to_contain_text("+00:00")
    tab.shot("performance-orders", full_page=True)
    # the next month has no demo data: nothing from November leaks into it
    page.goto(kefu_server.base + "/performance?month=2026-12")
    expect(page.get_by_test_id("perf-paid")).to_have_text("0.00")
    expect(page.get_by_test_id("perf-silent")).to_have_text("–")
    expect(page.get_by_test_id("perf-silent-chart")).to_have_count(0)
    assert tab.errors == []
    tab.close()


def test_an_agent_sees_their_own_figures(kefu_server: Server, browser: Browser) -> None:
    tab = Tab(browser)
    page = tab.page
    sign_in(tab, kefu_server.base, "/performance?month=2026-11", kefu_server.agent, DEMO_PASSWORD)
    mine = page.request.get(kefu_server.base + "/api/v1/credit/performance?month=2026-11").json()
    assert mine["scope"] == "agent" and [a["agent"] for a in mine["agents"]] in ([], [mine["agent"]])
    expect(page.get_by_test_id("perf-paid")).to_have_text(_yuan(mine["paid_fen"]))
    expect(page.get_by_test_id("perf-silent")).to_have_count(0)
    expect(page.get_by_test_id("perf-leaderboard").locator("tbody tr")).to_have_count(len(mine["agents"]))
    tab.shot("performance-agent", full_page=True)
    assert tab.errors == []
    tab.close()


def test_logbook_money_in_yuan_and_conversion_in_percent(kefu_server: Server, browser: Browser) -> None:
    """Issue 20 item 9: the ledger's fines and rewards in 元, the service statistics' conversion in %."""
    import re

    tab = Tab(browser)
    page = tab.page
    sign_in(tab, kefu_server.base, "/care/logbooks", "demo", DEMO_PASSWORD)
    expect(page.get_by_test_id("ledger-total")).to_have_text(re.compile(r"^合计 -?[\d,]+\.\d\d 元$"))
    stats = page.get_by_test_id("service-stats")
    expect(stats.locator("tbody tr").first).to_contain_text(re.compile(r"\d+\.\d%|–"))
    expect(stats).not_to_contain_text("0.")  # no raw ratio such as 0.3571
    tab.shot("logbooks", full_page=True)
    assert tab.errors == []
    tab.close()
