"""A ticket worked through its page (issue 20, item 6): created on the list, replied to, escalated to a
department, resolved with its root cause, called back and closed; the timeline shows each step with its
text, values appear in words, and the list's root-cause card counts the new cause. A task row opens the
task and completes it without typing its number. Skipped when /usr/bin/chromium is absent.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kefu_live import CHROMIUM, DEMO_PASSWORD, Server, Tab, sign_in, upload_unpaid_order

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("kefu_server"),
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def test_a_ticket_worked_through_its_page(kefu_server: Server, browser: Browser) -> None:
    tab = Tab(browser)
    page = tab.page
    base = kefu_server.base
    sign_in(tab, base, "/care/tickets", "demo", DEMO_PASSWORD)
    page.get_by_test_id("ticket-buyer").fill("旅行的猫")
    page.get_by_test_id("ticket-create").click()
    page.wait_for_url(re.compile(r".*/care/tickets/\d+$"))
    ticket_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("ticket-status")).to_have_text("待处理")
    expect(page.get_by_test_id("ticket-severity")).to_have_text("普通")
    expect(page.get_by_test_id("ticket-sla-fr")).to_contain_text("进行中")

    page.get_by_test_id("ticket-text").fill("亲, 已为您催促快递")
    page.get_by_test_id("ticket-respond").click()
    timeline = page.get_by_test_id("ticket-timeline")
    expect(timeline).to_contain_text("回复买家")
    expect(timeline).to_contain_text("亲, 已为您催促快递")
    expect(page.get_by_test_id("ticket-sla-fr")).to_contain_text("达标")

    page.get_by_test_id("ticket-escalate").click()  # no note: refused, nothing stored
    expect(page.get_by_text("升级必须写明情况", exact=False)).to_be_visible()
    page.get_by_test_id("ticket-dept").click()
    page.get_by_role("option", name="技术部").click()
    page.get_by_test_id("ticket-text").fill("物流单号查不到轨迹, 请技术核实接口")
    page.get_by_test_id("ticket-escalate").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已升级")
    expect(page.get_by_test_id("ticket-department")).to_have_text("技术部")

    page.get_by_test_id("ticket-text").fill("快递接口超时")
    page.get_by_test_id("ticket-resolve").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已解决")
    expect(page.get_by_test_id("ticket-root-cause")).to_have_text("快递接口超时")
    page.get_by_test_id("ticket-callback-at").fill("2026-11-23 10:00")
    page.get_by_test_id("ticket-callback-plan").click()
    expect(page.get_by_test_id("ticket-callback-info")).to_contain_text("2026-11-23 10:00")
    page.get_by_test_id("ticket-text").fill("买家表示满意")
    page.get_by_test_id("ticket-outcome").click()
    page.get_by_role("option", name="满意", exact=True).click()
    page.get_by_test_id("ticket-callback-record").click()
    expect(page.get_by_test_id("ticket-callback-info")).to_contain_text("满意")
    page.get_by_test_id("ticket-close").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已关闭")
    titles = page.get_by_test_id("ticket-timeline").locator(".q-timeline__title")
    expect(titles).to_have_text(["创建", "回复买家", "升级", "解决", "安排回访", "回访完成", "关闭"])
    expect(timeline).to_contain_text("买家表示满意")
    tab.shot("care-ticket", full_page=True)

    page.get_by_text("English", exact=True).click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("closed")
    expect(page.get_by_test_id("ticket-department")).to_have_text("Tech")
    page.get_by_text("中文", exact=True).click()

    page.get_by_test_id("ticket-back").click()
    expect(page.get_by_test_id("rc-causes")).to_contain_text("快递接口超时: 1")
    expect(page.get_by_test_id("tickets-total")).to_contain_text("共")
    page.get_by_test_id("tickets-table").get_by_role("cell", name=str(ticket_id), exact=True).click()
    page.wait_for_url(f"{base}/care/tickets/{ticket_id}")
    expect(page.get_by_test_id("ticket-status")).to_have_text("已关闭")

    page.goto(f"{base}/care/tickets/999999")
    expect(page.get_by_test_id("ticket-error")).to_contain_text("999999")
    assert [e for e in tab.errors if "999999" not in e] == []
    tab.close()


def test_a_task_row_opens_the_task_and_completes_it(kefu_server: Server, browser: Browser, tmp_path: Path) -> None:
    tab = Tab(browser)
    page = tab.page
    sign_in(tab, kefu_server.base, "/imports", "demo", DEMO_PASSWORD)
    # the demo's tasks may all be done or escalated by the time this runs: then one of the test's own
    if not page.request.get(kefu_server.base + "/api/v1/tasks?status=open").json():
        upload_unpaid_order(tab, kefu_server.base, tmp_path, "9100002")
    page.goto(kefu_server.base + "/tasks")
    rows = page.get_by_test_id("tasks-table").locator("tbody tr")
    expect(rows.first).to_be_visible()
    task_id = rows.first.locator("td").first.inner_text()
    rows.first.click()
    page.get_by_test_id("task-outcome").fill("已电话确认地址")
    page.get_by_test_id("task-complete").click()
    expect(page.get_by_text("已完成").first).to_be_visible()
    expect(page.get_by_test_id("tasks-table").get_by_role("cell", name=task_id, exact=True)).to_have_count(0)
    assert tab.errors == []
    tab.close()
