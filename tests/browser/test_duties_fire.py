"""Issue 20 item 4 in headless Chromium: an unpaid order uploaded on /imports gets its 催付 task from the
served process's background pass — no ``kefu duty worker`` typed. Screenshot: tasks-pay-reminder.png.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from kefu_live import CHROMIUM, CLOCK_START, DEMO_PASSWORD, Server, Tab, sign_in

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
    created = (CLOCK_START - timedelta(minutes=40)).strftime("%Y-%m-%d %H:%M:%S")  # 30 min passed at upload
    orders = tmp_path / "未付款订单.csv"
    orders.write_bytes((
        "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间,宝贝标题\n"
        f"9100001,犹豫的买家,88.00,等待买家付款,{created},,珊瑚绒毛毯\n").encode("gbk"))
    page.get_by_test_id("import-upload").locator("input[type=file]").set_input_files(str(orders))
    expect(page.get_by_test_id("import-status")).to_contain_text("新增 1")

    def reminders() -> list[dict[str, object]]:
        listed = page.request.get(kefu_server.base + "/api/v1/tasks?status=open").json()
        return [t for t in listed if t["order_id"] == "9100001"]

    for _ in range(60):  # the background pass runs every half second; no command is typed
        if reminders():
            break
        page.wait_for_timeout(500)
    [task] = reminders()
    assert (task["task_type"], task["source_rule"]) == ("pay_reminder", "pay_task")
    assert task["due_at"] != task["created_at"]  # due an hour after it fires, not at birth
    page.goto(kefu_server.base + "/tasks")
    expect(page.get_by_test_id("tasks-table")).to_be_visible()
    tab.shot("tasks-pay-reminder", full_page=True)
    assert tab.errors == []
    tab.close()
