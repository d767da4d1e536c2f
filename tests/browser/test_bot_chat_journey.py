"""Issue 20: a buyer answered by the bot (item 5), and Quasar's own words in English mode (item 9).

Supervisor: sets the demo shop to 机器人优先 on the bot page. Buyer (nobody online, 23:00):
asks on /chat and reads the bot's answer; asks for a person and reads the hand-over line.
Agent: goes online, gets the chat and sees the bot's two lines marked as the bot's. The shop
goes back to 人工优先 afterwards (the other journeys share the server). What the bot answers
is whatever its public action (``POST /care/bot/answer``) answers; the journey compares with it.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from kefu_live import CHROMIUM, DEMO_PASSWORD, Server, Tab, login, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("kefu_server"),
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

EVERYDAY = ("能便宜点吗", "什么时候发货", "可以开发票吗", "发什么快递", "支持七天无理由退货吗")
HANDED_OVER = "正在为您转接人工客服"


@pytest.fixture
def supervisor_api(kefu_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        login(client, kefu_server.base, "demo", DEMO_PASSWORD)
        yield client
        # the other journeys expect people first on the shared server
        r = client.put(f"{kefu_server.base}/api/v1/care/settings/demo", json={"bot_mode": "human_first"},
                       headers={"Origin": kefu_server.base})
        assert r.status_code == 200, r.text


def _an_answered_question(client: httpx.Client, base: str) -> tuple[str, str]:
    for q in EVERYDAY:
        r = client.post(f"{base}/api/v1/care/bot/answer", json={"question": q, "mode": "bot_first", "shop_id": "demo"},
                        headers={"Origin": base})
        assert r.status_code == 200, r.text
        if r.json()["action"] == "answer":
            return q, r.json()["answer"]
    raise AssertionError(f"the FAQ bot answers none of {EVERYDAY}")


def test_a_buyer_answered_by_the_bot(kefu_server: Server, browser: Browser, supervisor_api: httpx.Client) -> None:
    base = kefu_server.base
    sup = Tab(browser)
    sign_in(sup, base, "/care/bot", "demo", DEMO_PASSWORD)
    sup.page.get_by_test_id("bot-mode").click()
    sup.page.get_by_role("option", name="机器人优先").click()
    sup.page.get_by_test_id("bot-settings-save").click()
    expect(sup.page.get_by_text("已保存")).to_be_visible()
    sup.page.reload()
    expect(sup.page.get_by_test_id("bot-mode")).to_contain_text("机器人优先")  # stored, and what /chat runs in
    question, answer = _an_answered_question(supervisor_api, base)
    sup.page.get_by_test_id("bot-question").fill(question)
    sup.page.get_by_role("button", name="提问").click()
    expect(sup.page.get_by_test_id("bot-answer")).to_contain_text("回答 · ")  # Chinese words, not "answer · confident"
    sup.shot("care-bot-first")

    buyer = Tab(browser)
    buyer.page.goto(base + "/chat?shop=demo")
    buyer.page.get_by_test_id("chat-nick").fill("问机器人的买家")
    buyer.page.get_by_test_id("chat-input").fill(question)
    buyer.page.get_by_test_id("chat-send").click()
    bot_lines = buyer.page.get_by_test_id("msg-bot")
    expect(bot_lines).to_have_count(1)
    expect(bot_lines.first).to_contain_text(answer.splitlines()[0])
    expect(buyer.page.get_by_test_id("chat-status")).to_have_text("智能助手为您服务 · 发送“人工”转人工客服")

    buyer.page.get_by_test_id("chat-input").fill("我要转人工")
    buyer.page.get_by_test_id("chat-send").click()
    expect(bot_lines).to_have_count(2)
    expect(bot_lines.nth(1)).to_contain_text(HANDED_OVER)
    expect(bot_lines.nth(1)).to_contain_text("排队")  # nobody online at 23:00: the buyer is told they wait
    expect(buyer.page.get_by_test_id("chat-status")).to_have_text("排队中, 请稍候…")
    buyer.shot("chat-bot")

    agent = Tab(browser)
    page = agent.page
    sign_in(agent, base, "/workspace", kefu_server.agent, DEMO_PASSWORD)
    page.get_by_test_id("status-toggle").get_by_text("在线").click()
    page.get_by_text("问机器人的买家 (网页访客)").first.click()
    seen = page.get_by_test_id("ws-msg-bot")
    expect(seen).to_have_count(2)
    expect(seen.first).to_contain_text(answer.splitlines()[0])
    expect(seen.nth(1)).to_contain_text(HANDED_OVER)
    expect(seen.first).to_contain_text("机器人")
    expect(buyer.page.get_by_test_id("chat-status")).to_have_text("客服已接入")
    agent.shot("workspace-bot")

    page.get_by_test_id("conv-close").click()
    expect(page.get_by_test_id("my-load")).to_contain_text("接待 0 /")
    page.get_by_test_id("status-toggle").get_by_text("离线").click()
    expect(page.get_by_test_id("status-toggle").locator("button[aria-pressed=true]")).to_have_text("离线")
    assert sup.errors == [] and buyer.errors == [] and agent.errors == []
    for tab in (sup, buyer, agent):
        tab.close()


TABLE_PAGES = ("/", "/monitor", "/tasks", "/roster", "/team", "/performance", "/care/tickets", "/care/logbooks",
               "/imports", "/settings", "/forecast")


def test_english_mode_tables_speak_english(kefu_server: Server, browser: Browser) -> None:
    """Every page with a table, in English: Quasar's pager and empty-table words follow the user's language."""
    tab = Tab(browser)
    page = tab.page
    sign_in(tab, kefu_server.base, "/", "demo", DEMO_PASSWORD)
    page.get_by_text("English", exact=True).click()
    expect(page.get_by_text("中文", exact=True)).to_be_visible()
    try:
        paged = []
        for path in TABLE_PAGES:
            page.goto(kefu_server.base + path)
            expect(page.get_by_test_id("whoami")).to_be_visible()
            page.wait_for_timeout(1000)  # tables that fill after the page loads
            assert page.locator("html").get_attribute("lang") == "en-US", path
            for zh in ("每页的行数", "没有可用数据"):
                assert page.get_by_text(zh).count() == 0, (path, zh)
            if page.get_by_text("Records per page").count():
                paged.append(path)
        assert paged  # the pages above do have Quasar pagers, now in English
        page.goto(kefu_server.base + paged[0])
        expect(page.get_by_text("Records per page").first).to_be_visible()
        tab.shot("pager-en", full_page=True)
    finally:
        page.get_by_text("中文", exact=True).click()
        expect(page.get_by_text("English", exact=True)).to_be_visible()
    page.goto(kefu_server.base + paged[0])
    expect(page.get_by_text("每页的行数").first).to_be_visible()  # and back in Chinese
    assert tab.errors == []
    tab.close()
