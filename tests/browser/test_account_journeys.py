"""Accounts in headless Chromium: forced first password change, logout that ends the cookie, the
login page's demo hint, and the dashboard working under the Content-Security-Policy (issue 15 holes 6, 8, 19).

Every journey asserts a clean console: a CSP violation is logged there as an error.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from kefu_live import ADMIN_PASSWORD, CHROMIUM, DEMO_PASSWORD, Server, Tab, login, sign_in

from kefu.api.headers import CSP

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("kefu_server"),
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium")]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, expect


def test_login_page_has_the_policy_and_the_demo_hint(kefu_server: Server, browser: Browser) -> None:
    tab = Tab(browser)
    response = tab.page.goto(kefu_server.base + "/login")
    assert response is not None and response.status == 200
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-frame-options"] == "DENY"
    hint = tab.page.get_by_test_id("demo-hint")
    expect(hint).to_contain_text("演示账号: demo")
    expect(hint).to_contain_text("first-run-credentials.txt")
    assert tab.errors == []
    tab.close()


def test_a_generated_password_must_be_changed_at_first_sign_in(kefu_server: Server, browser: Browser) -> None:
    with httpx.Client(timeout=30) as admin:
        login(admin, kefu_server.base, "admin", ADMIN_PASSWORD)
        made = admin.post(f"{kefu_server.base}/api/v1/users", json={"username": "newsup", "role": "supervisor"},
                          headers={"Origin": kefu_server.base})
        assert made.status_code == 201, made.text
        first = made.json()["generated_password"]
    tab = Tab(browser)
    page = tab.page
    page.goto(kefu_server.base + "/monitor")
    page.get_by_test_id("username").fill("newsup")
    page.get_by_test_id("password").fill(first)
    page.get_by_test_id("login").click()
    page.wait_for_url(f"{kefu_server.base}/account/password?next={quote('/monitor', safe='')}")
    expect(page.get_by_test_id("must-change")).to_be_visible()
    page.goto(kefu_server.base + "/roster")  # every other page sends the user back here
    page.wait_for_url(f"{kefu_server.base}/account/password?next={quote('/roster', safe='')}")
    page.get_by_test_id("old-password").fill(first)
    page.get_by_test_id("new-password").fill("newsup-2026-x")
    page.get_by_test_id("new-password-again").fill("newsup-2026-x")
    page.get_by_test_id("password-save").click()
    expect(page.get_by_test_id("password-message")).to_have_text("密码太弱: 不能与用户名相同或包含用户名")
    page.get_by_test_id("new-password").fill("quiet-lantern-88")
    page.get_by_test_id("new-password-again").fill("quiet-lantern-88")
    page.get_by_test_id("password-save").click()
    page.wait_for_url(kefu_server.base + "/roster")
    expect(page.get_by_test_id("whoami")).to_contain_text("newsup")
    tab.shot("password-changed")
    with httpx.Client(timeout=30) as client:
        old = client.post(f"{kefu_server.base}/api/v1/auth/login", json={"username": "newsup", "password": first})
        assert old.status_code == 401
    assert tab.errors == []
    tab.close()


def test_logging_out_in_the_browser_ends_the_cookie_everywhere(kefu_server: Server, browser: Browser) -> None:
    tab = Tab(browser)
    sign_in(tab, kefu_server.base, "/", "demo", DEMO_PASSWORD)
    cookie = next(c["value"] for c in tab.context.cookies() if c["name"] == "kefu_session")
    tab.page.get_by_text("退出", exact=True).click()
    tab.page.wait_for_url(kefu_server.base + "/login")
    with httpx.Client(timeout=30, follow_redirects=False) as replay:
        replay.cookies.set("kefu_session", cookie)
        assert replay.get(kefu_server.base + "/api/v1/auth/me").status_code == 401
        assert replay.get(kefu_server.base + "/").status_code == 303
    assert tab.errors == []
    tab.close()
