"""User journeys in headless Chromium against a real server with a small demo shop.

Supervisor: signs in, reads the overview, watches the live monitor, adds a shift,
uploads an order file. Agent: signs in, goes online, receives a buyer's web chat
and answers it (the buyer sees the reply without reloading), completes a task,
closes the chat and goes offline. Buyer: answers a survey once through its link.
Screenshots go to var/screenshots/ (KEFU_SCREENSHOTS_DIR=docs/screenshots refreshes the guide); the
browser console must stay free of errors. Skipped when /usr/bin/chromium is absent.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from kefu_live import (
    CHROMIUM,
    CLOCK_START,
    DEMO_PASSWORD,
    Server,
    Tab,
    login,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("kefu_server"),
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

def test_wrong_password_then_login(kefu_server: Server, browser: Browser) -> None:
    tab = Tab(browser)
    tab.page.goto(kefu_server.base + "/")
    tab.page.get_by_test_id("username").fill("demo")
    tab.page.get_by_test_id("password").fill("not-the-password")
    tab.page.get_by_test_id("login").click()
    expect(tab.page.get_by_test_id("login-message")).to_have_text("用户名或密码错误")
    tab.shot("login")
    tab.page.get_by_test_id("password").fill(DEMO_PASSWORD)
    tab.page.get_by_test_id("login").click()
    tab.page.wait_for_url(kefu_server.base + "/")
    assert tab.errors == []
    tab.close()


def test_supervisor_journey(kefu_server: Server, browser: Browser, tmp_path: Path) -> None:
    tab = Tab(browser)
    page = tab.page
    sign_in(tab, kefu_server.base, "/", "demo", DEMO_PASSWORD)
    expect(page.get_by_test_id("whoami")).to_contain_text("主管")
    # yesterday (shop time, the server's fixed clock) is a full demo day
    yesterday = (CLOCK_START - timedelta(days=1)).date().isoformat()
    page.goto(f"{kefu_server.base}/?day={yesterday}")
    assert int(page.get_by_test_id("stat-orders").inner_text()) > 0
    expect(page.get_by_test_id("leaderboard")).to_be_visible()
    tab.shot("overview", full_page=True)

    page.get_by_text("English", exact=True).click()
    expect(page.get_by_text("Agents online")).to_be_visible()
    tab.shot("overview-en", full_page=True)
    page.get_by_text("中文", exact=True).click()
    expect(page.get_by_text("在线客服")).to_be_visible()

    page.goto(kefu_server.base + "/monitor")
    expect(page.get_by_test_id("mon-status-offline")).to_be_visible()
    expect(page.get_by_test_id("mon-agents")).to_contain_text("离线")
    tab.shot("monitor")

    page.goto(kefu_server.base + "/settings")
    expect(page.get_by_test_id("agents-table")).to_be_visible()
    page.get_by_role("tab", name="班次").click()
    page.get_by_test_id("shift-code").fill("早班")
    page.get_by_test_id("shift-start").fill("08:00")
    page.get_by_test_id("shift-end").fill("16:00")
    page.get_by_test_id("shift-save").click()
    expect(page.get_by_test_id("shift-早班")).to_contain_text("08:00 – 16:00")
    page.get_by_test_id("shift-start").fill("8 点")
    page.get_by_test_id("shift-save").click()
    expect(page.get_by_text("时间应为 HH:MM")).to_be_visible()
    tab.shot("settings")

    page.goto(kefu_server.base + "/imports")
    orders = tmp_path / "订单报表.csv"
    orders.write_bytes((
        "订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间,宝贝标题,联系手机,收货地址\n"
        "9000001,浏览器买家,128.50,交易成功,2026-11-20 10:00:00,2026-11-20 10:05:00,羊毛围巾,13812341234,"
        "浙江省杭州市西湖区文三路90号\n"
        "9000002,坏数据,-5,交易成功,2026-11-20 11:00:00,2026-11-20 10:00:00,围巾,,\n").encode("gbk"))
    upload = page.get_by_test_id("import-upload").locator("input[type=file]")
    upload.set_input_files(str(orders))
    expect(page.get_by_test_id("import-status")).to_contain_text("未导入任何数据")  # refused whole
    expect(page.get_by_test_id("import-errors")).to_contain_text("3")  # spreadsheet row of the bad line
    page.get_by_test_id("skip-bad").click()
    upload.set_input_files(str(orders))
    expect(page.get_by_test_id("import-status")).to_contain_text("新增 1")
    expect(page.get_by_test_id("import-errors")).to_be_visible()
    assert list(kefu_server.tmp.glob("kefu-import-*")) == []  # the uploads (phones, addresses) are gone
    tab.shot("imports")

    # next month's roster (the roster area's page) and this month's KPI (the credit area's page)
    today = CLOCK_START.date()
    next_month = (today.replace(day=1) + timedelta(days=32)).strftime("%Y-%m")
    page.goto(kefu_server.base + "/roster")
    page.get_by_test_id("roster-month").fill(next_month)
    expect(page.get_by_test_id("roster-grid")).to_be_visible()
    page.goto(kefu_server.base + "/performance")
    expect(page.get_by_test_id("perf-leaderboard")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("perf-paid")).not_to_have_text("0.00")
    assert tab.errors == []
    tab.close()


def test_agent_journey(kefu_server: Server, browser: Browser) -> None:
    agent = Tab(browser)
    page = agent.page
    sign_in(agent, kefu_server.base, "/workspace", kefu_server.agent, DEMO_PASSWORD)
    expect(page.get_by_test_id("whoami")).to_contain_text("客服")
    page.get_by_test_id("status-toggle").get_by_text("在线").click()
    expect(page.get_by_test_id("my-load")).to_contain_text("接待 0 /")

    buyer = Tab(browser)
    buyer.page.goto(kefu_server.base + "/chat?shop=demo")
    # the visitor types a real buyer's nickname: it is only a name; their orders stay hidden (hole 14)
    buyer.page.get_by_test_id("chat-nick").fill(kefu_server.known_buyer)
    buyer.page.get_by_test_id("chat-input").fill("你好, 请问今天能发货吗? 我的手机13812341234")
    buyer.page.get_by_test_id("chat-send").click()
    expect(buyer.page.get_by_test_id("chat-status")).to_have_text("客服已接入")
    expect(buyer.page.get_by_text("我的手机13812341234")).to_be_visible()  # the buyer sees their own text

    expect(page.get_by_text("你好, 请问今天能发货吗? 我的手机138****1234").first).to_be_visible()  # masked, pushed
    expect(page.get_by_test_id("conv-title")).to_contain_text(f"{kefu_server.known_buyer} (网页访客)")
    expect(page.get_by_text("该买家暂无订单")).to_be_visible()
    expect(page.get_by_text("13812341234")).to_have_count(0)
    expect(page.get_by_test_id("my-load")).to_contain_text("接待 1 /")
    page.get_by_test_id("template-picker").click()
    page.get_by_role("option").first.click()
    expect(page.get_by_test_id("reply-input")).not_to_have_value("")  # a template was inserted
    page.get_by_test_id("reply-input").fill("亲, 下午四点前的订单当天发货哦")
    page.get_by_test_id("reply-send").click()
    expect(buyer.page.get_by_text("亲, 下午四点前的订单当天发货哦")).to_be_visible()
    buyer.shot("chat")
    agent.shot("workspace")

    done_buttons = page.locator("[data-testid^=task-done-]")
    before = done_buttons.count()
    assert before > 0
    done_buttons.first.click()
    expect(page.get_by_text("任务已完成")).to_be_visible()
    expect(done_buttons).to_have_count(before - 1)

    page.get_by_test_id("status-toggle").get_by_text("离线").click()
    expect(page.get_by_text("请先交接", exact=False)).to_be_visible()  # refused: a chat is still open
    page.get_by_test_id("conv-close").click()
    expect(page.get_by_test_id("my-load")).to_contain_text("接待 0 /")
    page.get_by_test_id("status-toggle").get_by_text("离线").click()
    expect(page.get_by_test_id("status-toggle").locator("button[aria-pressed=true]")).to_have_text("离线")
    assert agent.errors == [] and buyer.errors == []
    agent.close()
    buyer.close()


def test_buyer_answers_a_survey_once_through_its_link(kefu_server: Server, browser: Browser) -> None:
    """Surveys feed pay: only the buyer's signed link answers, once (issue 15, hole 3)."""
    base = kefu_server.base
    with httpx.Client(timeout=30) as api:
        login(api, base, "demo", DEMO_PASSWORD)  # the demo supervisor
        head = {"Origin": base}
        ticket = api.post(f"{base}/api/v1/care/tickets", headers=head, json={
            "shop_id": "demo", "buyer": "浏览器买家", "category": "物流", "owner": kefu_server.agent})
        assert ticket.status_code == 201, ticket.text
        made = api.post(f"{base}/api/v1/care/surveys", headers=head, json={"ticket_id": ticket.json()["id"]})
        assert made.status_code == 201, made.text
    buyer = Tab(browser)
    buyer.page.goto(base + made.json()["link"])
    buyer.page.get_by_test_id("survey-score").get_by_text("满意", exact=True).click()
    buyer.page.get_by_test_id("survey-send").click()
    expect(buyer.page.get_by_test_id("survey-done")).to_be_visible()
    buyer.page.reload()
    expect(buyer.page.get_by_test_id("survey-done")).to_be_visible()  # answered: no second form
    expect(buyer.page.get_by_test_id("survey-send")).to_have_count(0)
    buyer.page.goto(base + "/survey?t=forged")
    expect(buyer.page.get_by_test_id("survey-invalid")).to_be_visible()
    assert buyer.errors == []
    buyer.close()


def test_planted_session_cookie_never_becomes_signed_in(kefu_server: Server, browser: Browser) -> None:
    """Session fixation: a cookie handed to the victim before login must stay anonymous for the attacker."""
    victim = Tab(browser)
    victim.page.goto(kefu_server.base + "/login")
    expect(victim.page.get_by_test_id("login")).to_be_visible()
    planted = victim.context.cookies()
    assert any(c["name"] == "kefu_session" for c in planted)
    attacker = browser.new_context()
    attacker.add_cookies(planted)  # type: ignore[arg-type]
    sign_in(victim, kefu_server.base, "/", "demo", DEMO_PASSWORD)
    expect(victim.page.get_by_test_id("whoami")).to_contain_text("主管")
    me = attacker.request.get(kefu_server.base + "/api/v1/auth/me")
    assert me.status == 401
    page = attacker.new_page()
    page.goto(kefu_server.base + "/")
    assert "/login" in page.url
    assert victim.errors == []
    attacker.close()
    victim.close()


AREA_PAGES = {"/tasks": "tasks", "/roster": "roster", "/forecast": "forecast", "/performance": "performance",
              "/care/tickets": "care-tickets", "/care/templates": "care-templates", "/care/bot": "care-bot",
              "/care/logbooks": "care-logbooks"}


def test_every_area_page_renders_without_console_errors(kefu_server: Server, browser: Browser) -> None:
    """Each page of the navigation, as a supervisor: rendered, screenshot taken, browser console clean."""
    tab = Tab(browser)
    sign_in(tab, kefu_server.base, "/", "demo", DEMO_PASSWORD)
    seen = []
    for path, name in AREA_PAGES.items():
        response = tab.page.goto(kefu_server.base + path)
        assert response is not None
        if response.status == 404:
            tab.errors.clear()  # the browser logs the 404 document itself
            continue  # that area's page is not written yet
        assert response.status == 200, path
        expect(tab.page.get_by_test_id("whoami")).to_be_visible()
        tab.page.wait_for_timeout(1500)  # let the page fetch and draw (tables, charts)
        tab.shot(name)
        seen.append(path)
        assert tab.errors == [], (path, tab.errors)
    assert seen  # at least one area page exists
    tab.close()
