"""Team self-service in headless Chromium (issue 22): an agent asks for leave on a phone, the supervisor
approves on /team, the gaps are filled with minimal change and the roster changes exactly where the approval
lists (the agent's own cells of those days and at most two cells a colleague moved to take each), and the
agent sees it;
a swap that would break the rest-hours rule is refused on /team with the rule named.
Screenshots: me-leave-phone.png (the agent's page after approval), team-approvals.png, team-swap-refused.png.
"""

from __future__ import annotations

import json

import httpx
import pytest
from kefu_live import CHROMIUM, DEMO_PASSWORD, Server, Tab, login, sign_in
from sqlalchemy import create_engine, text

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("kefu_server"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect

PHONE = (390, 844)  # a phone held upright
DECEMBER = ("2026-12-01", "2026-12-02", "2026-12-03")  # the first days of the month planned ahead, on the agent's page


def _roster(db_url: str) -> dict[tuple[str, str], str]:
    eng = create_engine(db_url)
    with eng.connect() as conn:
        rows = conn.execute(text("select agent_id, day, shift_code from roster_entries where day >= '2026-11-21'")).all()
    eng.dispose()
    return {(a, str(d)): s for a, d, s in rows}


def _plan_december(server: Server) -> tuple[str, tuple[str, str]]:
    """The supervisor plans December (the roster page's button, over the API); an agent working two days in a row."""
    eng = create_engine(server.db_url)
    with eng.connect() as conn:
        shop = conn.execute(text("select a.shop_id from users u join agents a on a.id = u.agent_id where u.role = 'agent' "
                                 "and u.username != :skip and a.shop_id is not null order by u.username"),
                            {"skip": server.agent}).scalars().first()  # fmt: skip
    with httpx.Client(timeout=120) as client:
        login(client, server.base, "demo", DEMO_PASSWORD)
        r = client.post(f"{server.base}/api/v1/roster/month", json={"shop": shop, "month": "2026-12", "time_limit": 5},
                        headers={"Origin": server.base})  # fmt: skip
        assert r.status_code == 200, r.text
    with eng.connect() as conn:
        agents = conn.execute(text("select u.username from users u join agents a on a.id = u.agent_id where u.role = 'agent' "
                                   "and u.username != :skip and a.shop_id = :s order by u.username"),
                              {"skip": server.agent, "s": shop}).scalars().all()  # fmt: skip
    eng.dispose()
    cells = _roster(server.db_url)
    for agent in agents:
        for first, last in zip(DECEMBER, DECEMBER[1:], strict=False):
            if cells.get((agent, first)) and cells.get((agent, last)):
                return str(agent), (first, last)
    raise AssertionError(f"nobody works two days in a row in {DECEMBER}")


def _approval(db_url: str, leave_id: str) -> dict[str, object]:
    eng = create_engine(db_url)
    with eng.connect() as conn:
        data = conn.execute(text("select data from events where kind = 'leave.approved' and subject = :s"),
                            {"s": f"leave:{leave_id}"}).scalar_one()  # fmt: skip
    eng.dispose()
    return json.loads(data) if isinstance(data, str) else dict(data)


def _date_input(tab: Tab, testid: str) -> object:
    return tab.page.locator(f"[data-testid={testid}] input, input[data-testid={testid}]").first


def test_leave_on_a_phone_approved_by_the_supervisor(kefu_server: Server, browser: Browser) -> None:
    agent, days = _plan_december(kefu_server)
    before = _roster(kefu_server.db_url)
    phone = Tab(browser, viewport=PHONE, mobile=True)
    page = phone.page
    sign_in(phone, kefu_server.base, "/me", agent, DEMO_PASSWORD)
    expect(page.get_by_test_id(f"roster-{days[0]}")).to_contain_text(before[(agent, days[0])])
    _date_input(phone, "leave-from").fill(days[0])  # type: ignore[attr-defined]
    _date_input(phone, "leave-to").fill(days[1])  # type: ignore[attr-defined]
    page.locator("[data-testid=leave-reason] input, input[data-testid=leave-reason]").first.fill("家里有事")
    page.get_by_test_id("leave-submit").click()
    status = page.locator("[data-testid^=leave-status-]").first
    expect(status).to_have_text("待审批")
    leave_id = (status.get_attribute("data-testid") or "").rsplit("-", 1)[1]
    phone.shot("me-leave-request-phone", full_page=True)

    desk = Tab(browser)
    sign_in(desk, kefu_server.base, "/team", "demo", DEMO_PASSWORD)
    expect(desk.page.get_by_test_id(f"leave-{leave_id}")).to_contain_text("事假")
    desk.shot("team-approvals", full_page=True)
    desk.page.get_by_test_id(f"leave-approve-{leave_id}").click()
    notice = desk.page.locator(".q-notification").filter(has_text="已批准")
    expect(notice).to_be_visible(timeout=60_000)  # the gaps are filled before the answer
    expect(desk.page.get_by_test_id(f"leave-{leave_id}")).to_have_count(0)

    page.reload()
    expect(page.get_by_test_id(f"leave-status-{leave_id}")).to_have_text("已批准")
    for day in days:
        expect(page.get_by_test_id(f"roster-{day}")).to_contain_text("请假")
        expect(page.get_by_test_id(f"roster-{day}")).to_contain_text("休息")
    phone.shot("me-leave-phone", full_page=True)
    after = _roster(kefu_server.db_url)
    changed = {k: (before.get(k, ""), after.get(k, "")) for k in set(before) | set(after) if before.get(k, "") != after.get(k, "")}
    approval = _approval(kefu_server.db_url, leave_id)
    listed = {(c["agent"], c["day"]): (c["before"], c["after"]) for c in approval["roster_changes"]}  # type: ignore[attr-defined]
    assert changed == listed  # the roster changed only where the approval says, and says every cell
    assert {(agent, d) for d in days} <= set(listed) and all(listed[(agent, d)][1] == "" for d in days)
    others = {k: v for k, v in listed.items() if k[0] != agent}
    taken = sorted((d, after) for (_, d), (_, after) in others.items() if after)
    assert len(set(taken)) == len(taken) and set(taken) <= {(d, before[(agent, d)]) for d in days}  # only the gaps
    assert len(others) <= 2 * len(days)  # at most two cells for each shift filled
    outcome = approval["replan"]["outcome"]  # type: ignore[index]
    assert outcome == ("replanned" if others else "freed")
    expect(notice).to_contain_text("排班已重排" if others else "空出的班次已开放领取")
    assert phone.errors == [] and desk.errors == []
    phone.close()
    desk.close()


def _swap_pair(db_url: str, skip: str) -> tuple[str, str]:
    """Two agents of one shop: A holds an early shift (07:00) on Friday, B works 晚班 (to 22:30) on Thursday, 白班 Friday.

    The early shift has a code of its own: the supervisor journey adds an 早班 (08:00) to the same demo shop.
    """
    eng = create_engine(db_url)
    with eng.begin() as conn:
        a, b, shop = conn.execute(text(
            "select u1.username, u2.username, x.shop_id from users u1 join agents x on x.id = u1.agent_id "
            "join agents y on y.shop_id = x.shop_id join users u2 on u2.agent_id = y.id "
            "where u1.role = 'agent' and u2.role = 'agent' and u1.username not in (:skip) and u2.username > u1.username "
            "and u2.username != :skip order by u2.username desc, u1.username desc"), {"skip": skip}).first()  # fmt: skip
        conn.execute(text("insert into shift_templates (shop_id, code, start, \"end\", night, evening, breaks, color) "
                          "values (:s, '早七', '07:00', '15:00', false, false, '[]', '')"), {"s": shop})
        conn.execute(text("update agents set skills = :k where id in (:a, :b)"), {"k": '["售前"]', "a": a, "b": b})
        for agent, day, code in ((b, "2026-11-26", "晚班"), (b, "2026-11-27", "白班"), (a, "2026-11-27", "早七")):
            conn.execute(text("delete from roster_entries where agent_id = :a and day = :d"), {"a": agent, "d": day})
            conn.execute(text("insert into roster_entries (shop_id, agent_id, day, shift_code, skill, breaks) "
                              "values (:s, :a, :d, :c, '售前', '[]')"), {"s": shop, "a": agent, "d": day, "c": code})
    eng.dispose()
    return str(a), str(b)


def test_a_swap_breaking_the_rest_hours_is_refused_with_the_rule_named(kefu_server: Server, browser: Browser) -> None:
    a, b = _swap_pair(kefu_server.db_url, kefu_server.agent)
    with httpx.Client() as ca, httpx.Client() as cb:
        login(ca, kefu_server.base, a, DEMO_PASSWORD)
        login(cb, kefu_server.base, b, DEMO_PASSWORD)
        origin = {"Origin": kefu_server.base}
        asked = ca.post(f"{kefu_server.base}/api/v1/swaps", json={"day": "2026-11-27", "peer_id": b}, headers=origin)
        assert asked.status_code == 201, asked.text
        swap = asked.json()["id"]
        accepted = cb.post(f"{kefu_server.base}/api/v1/swaps/{swap}/accept", headers=origin).json()
        assert [f["rule"] for f in accepted["findings"]] == ["min_rest_hours"]
    desk = Tab(browser)
    sign_in(desk, kefu_server.base, "/team", "demo", DEMO_PASSWORD)
    row = desk.page.get_by_test_id(f"swap-{swap}")
    expect(row).to_contain_text("与前一班只隔 8.5 小时")  # the finding, shown before the decision
    desk.page.get_by_test_id(f"swap-approve-{swap}").click()
    notice = desk.page.locator(".q-notification").filter(has_text="ROSTER_RULE_BROKEN")
    expect(notice).to_contain_text("违反排班硬性规则: 两个班次之间的最少休息小时")
    desk.shot("team-swap-refused")
    expect(desk.page.get_by_test_id(f"swap-status-{swap}")).to_have_text("待主管审批")  # nothing changed
    assert desk.errors == []
    desk.close()
