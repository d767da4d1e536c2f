"""The roster page in headless Chromium at 1440 px, on the demo as ``kefu demo`` stores it (12 agents, 31 days).

The clock stands on 7 December 2026, so the demo's stored month is December, whole: 31 day
columns with their weekday marks, every rule kept; 按预测自动排班 (the action ``kefu roster
plan-month`` runs) re-plans it with a progress bar; the head-count row, the totals on the
full-time contract (31 days less 4 rest days), the Excel and ICS downloads opened and read;
a hand edit re-checked (the contract breaks), a re-plan repairing it with its changed cells
ringed and listed; a part-timer's contract and the fairness tolerances set from the page. Screenshots: roster-month.png, roster-replan.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from kefu_live import CHROMIUM, DEMO_PASSWORD, Server, Tab, sign_in, start_server

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.xdist_group("kefu_server"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]

if CHROMIUM.exists():
    from playwright.sync_api import Browser, Page, expect

CLOCK = datetime(2026, 12, 7, 23, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday, after the 晚班
AGENTS = [f"kf{i:02d}" for i in range(1, 13)]
PLAN_MS = 240_000  # forecast two skill groups, then a 10 s solve, on a busy machine


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``kefu demo``'s defaults (seed 1, 31 days, 12 agents) with the window ending on ``CLOCK``."""
    yield from start_server(tmp_path_factory, demo=(1, 31, 12), clock=CLOCK, journeys=False)


def ics_events(text: str) -> list[dict[str, str]]:
    """RFC 5545 read plainly: unfold continuation lines, one dict of properties per VEVENT."""
    lines = text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR"
    events: list[dict[str, str]] = []
    for line in lines:
        if line == "BEGIN:VEVENT":
            events.append({})
        elif events and ":" in line and line != "END:VEVENT":
            name, value = line.split(":", 1)
            events[-1][name.split(";")[0]] = value
    return events


def _plan(page: Page) -> None:
    page.get_by_test_id("roster-limit").click()
    page.get_by_role("option", name="10 秒 / s").click()
    page.get_by_test_id("roster-plan").click()
    expect(page.get_by_test_id("roster-plan")).to_be_disabled()
    expect(page.get_by_test_id("roster-stage")).to_contain_text("已用")  # the progress bar counts the seconds
    expect(page.get_by_test_id("roster-progress")).to_be_visible()
    expect(page.get_by_test_id("roster-plan")).to_be_enabled(timeout=PLAN_MS)
    expect(page.get_by_text("已排班: 需求覆盖率")).to_be_visible()


def _worked(page: Page, agent: str) -> int:
    return sum(1 for d in range(1, 32) if page.get_by_test_id(f"cell-{agent}-{d}").inner_text() not in ("休", "假"))


def test_roster_month_plan_downloads_edit_and_replan(demo_server: Server, browser: Browser, tmp_path: Path) -> None:
    tab = Tab(browser, viewport=(1440, 900))
    page = tab.page
    sign_in(tab, demo_server.base, "/roster", "demo", DEMO_PASSWORD)
    expect(page.get_by_test_id("roster-month")).to_have_value("2026-12")
    expect(page.get_by_test_id("roster-ok")).to_be_visible()  # the demo's stored month keeps every rule
    assert page.locator("[data-testid^='roster-day-']").count() == 31
    expect(page.get_by_test_id("roster-day-5")).to_contain_text("六")  # 5 December 2026 is a Saturday
    expect(page.get_by_test_id("roster-day-5")).to_contain_text("休")
    assert page.locator("[data-testid^='roster-row-']").count() == 12

    _plan(page)
    expect(page.get_by_test_id("roster-coverage")).to_contain_text("%")
    expect(page.get_by_test_id("roster-gap")).to_contain_text(re.compile("%|未证明"))  # no gap when no bound was proven
    expect(page.get_by_test_id("roster-ok")).to_be_visible()
    head = page.get_by_test_id("roster-head-白班-售前")
    expect(head).to_contain_text("/")  # planned / required, the requirement the plan stored
    totals = page.get_by_test_id("roster-totals")
    for agent in AGENTS:  # the full-time contract: December's 31 days less 4 rest days
        expect(totals.get_by_role("row", name=agent)).to_contain_text("27")
        assert _worked(page, agent) == 27
    page.locator(".q-notification").first.wait_for(state="hidden")  # the notice would cover the legend
    tab.shot("roster-month", full_page=True)

    with page.expect_download() as got:
        page.get_by_test_id("roster-xlsx").click()
    xlsx = tmp_path / got.value.suggested_filename
    got.value.save_as(xlsx)
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx)["2026-12"]
    header = [c.value for c in sheet[1]]
    assert header[1] == "1 二" and header[31] == "31 四" and sheet.max_row == 13
    days_col = header.index("上班 days") + 1
    assert {sheet.cell(r, 1).value: sheet.cell(r, days_col).value for r in range(2, 14)} == dict.fromkeys(AGENTS, 27)
    with page.expect_download() as got:
        page.get_by_test_id("roster-ics").click()
    ics = tmp_path / got.value.suggested_filename
    got.value.save_as(ics)
    events = ics_events(ics.read_bytes().decode("utf-8"))  # CRLF kept: RFC 5545 lines
    assert len(events) == 12 * 27
    assert all(e["DTSTART"] < e["DTEND"] and e["DTSTART"].startswith("202612") for e in events)
    assert {e["SUMMARY"].split()[0] for e in events} == set(AGENTS)

    # a hand edit: kf01 rests on a day the plan had them work; the contract's 27 days break at once
    day = next(d for d in range(20, 32) if page.get_by_test_id(f"cell-kf01-{d}").inner_text() not in ("休", "假"))
    page.get_by_test_id(f"cell-kf01-{day}").click()
    expect(page.get_by_test_id("roster-edit-day")).to_have_value(str(day))
    page.get_by_test_id("roster-save").click()
    expect(page.get_by_test_id(f"cell-kf01-{day}")).to_have_text("休")
    expect(page.get_by_test_id("roster-violations")).to_contain_text("kf01 : 出勤 26 天, 合同至少 27 天")
    expect(page.get_by_test_id("roster-violation-count")).not_to_have_text("0")

    _plan(page)  # the re-plan repairs the contract, changing as few cells as it can, and shows which
    expect(page.get_by_test_id("roster-ok")).to_be_visible()
    changed = page.get_by_test_id("roster-changed")
    expect(changed).to_contain_text("kf01 2026-12-")
    assert _worked(page, "kf01") == 27
    ringed = page.locator("[data-testid^='cell-'].ring-2").count()
    assert ringed >= 1 and f"改动 {ringed} 格" in changed.inner_text()
    page.locator(".q-notification").first.wait_for(state="hidden")
    tab.shot("roster-replan", full_page=True)

    # contract and fairness controls: a part-timer's days show against the line at once; fairness is versioned
    page.get_by_test_id("contract-agent").click()
    page.get_by_role("option", name="kf12", exact=True).click()
    page.get_by_test_id("contract-min-days").fill("20")
    page.get_by_test_id("contract-max-days").fill("22")
    page.get_by_test_id("contract-save").click()
    row = page.get_by_test_id("roster-totals").get_by_role("row", name="kf12")
    expect(row).to_contain_text("20–22")
    expect(row).to_contain_text("未满足")  # 27 days planned on the full-time contract
    expect(page.get_by_test_id("roster-violations")).to_contain_text("kf12")
    page.get_by_test_id("fair-nights").fill("1")
    page.get_by_test_id("fair-save").click()
    expect(page.get_by_test_id("fair-version")).to_contain_text("第 1 版 (demo)")
    expect(page.get_by_test_id("fair-nights")).to_have_value("1")
    assert tab.errors == []
    tab.close()
