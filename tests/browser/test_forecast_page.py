"""The forecast page in headless Chromium: run a forecast, see the chosen model and its backtest
against the baselines, the P10–P90 band, and add / remove a special day. Screenshot: forecast-model.png.
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


def test_forecast_page_model_backtest_and_special_days(kefu_server: Server, browser: Browser) -> None:
    tab = Tab(browser)
    page = tab.page
    sign_in(tab, kefu_server.base, "/forecast", "demo", DEMO_PASSWORD)
    page.get_by_test_id("fc-run").click()
    expect(page.get_by_test_id("fc-model")).to_contain_text("所用模型", timeout=60_000)
    expect(page.get_by_test_id("fc-folds")).to_contain_text("近4周同时段均值")
    expect(page.get_by_test_id("fc-selection")).to_be_visible()
    page.locator("input[type=date]").last.fill("2026-11-10")
    page.get_by_test_id("fc-special-name").fill("双11预售夜 <b>")
    page.get_by_test_id("fc-special-add").click()
    expect(page.get_by_test_id("fc-special-days")).to_contain_text("双11预售夜 <b>")  # shown as text, not HTML
    tab.shot("forecast-model", full_page=True)
    page.get_by_test_id("fc-special-days").get_by_role("checkbox").last.click()
    page.get_by_text("删除选中").click()
    expect(page.get_by_test_id("fc-special-days")).not_to_contain_text("双11预售夜")
    assert tab.errors == []
    tab.close()
