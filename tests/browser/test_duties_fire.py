"""Issue 20 item 4 in headless Chromium: an unpaid order uploaded on /imports gets its 催付 task from the
served process's background pass — no ``kefu duty worker`` typed. Screenshot: tasks-pay-reminder.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kefu_live import CHROMIUM, DEMO_PASSWORD, Server, Tab, sign_in, upload_unpaid_order

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("kefu_server"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def test_an_uploaded_unpaid_order_gets_its_pay_reminder(kefu_server: Server, browser: Browser, tmp_path: Path) -> None:
    tab = Tab(browser)
    page = tab.page
    sign_in(tab, kefu_server.base, "/imports", "demo", DEMO_PASSWORD)
    task = upload_unpaid_order(tab, kefu_server.base, tmp_path, "9100001")
    assert (task["task_type"], task["source_rule"]) == ("pay_reminder", "pay_task")
    assert task["due_at"] != task["created_at"]  # due an hour after it fires, not at birth
    page.goto(kefu_server.base + "/tasks")
    expect(page.get_by_test_id("tasks-table")).to_be_visible()
    tab.shot("tasks-pay-reminder", full_page=True)
    assert tab.errors == []
    tab.close()
