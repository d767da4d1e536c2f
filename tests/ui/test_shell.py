"""Dashboard wiring without a browser: page discovery, navigation table, login redirect safety, i18n."""

from __future__ import annotations

import pkgutil

import pytest

from kefu.ui import pages
from kefu.ui.i18n import current_lang, t
from kefu.ui.layout import ALL_ROLES, NAV
from kefu.ui.login import safe_next
from kefu.ui.shell import page_modules


def test_every_page_module_imports() -> None:
    expected = {f"kefu.ui.pages.{m.name}" for m in pkgutil.iter_modules(pages.__path__)}
    assert set(page_modules()) == expected
    assert {"kefu.ui.pages.overview", "kefu.ui.pages.workspace", "kefu.ui.pages.chat"} <= expected


def test_navigation_has_every_area_and_valid_roles() -> None:
    paths = [item.path for item in NAV]
    assert len(paths) == len(set(paths))
    for path in ("/", "/monitor", "/workspace", "/roster", "/forecast", "/performance", "/tasks",
                 "/care/tickets", "/care/templates", "/care/bot", "/care/logbooks", "/imports", "/settings", "/me", "/team", "/team/people"):
        assert path in paths
    for item in NAV:
        assert item.roles and set(item.roles) <= set(ALL_ROLES), item.path
        assert item.zh and item.en
    assert [i.path for i in NAV if "agent" not in i.roles] == ["/monitor", "/team", "/team/people", "/forecast", "/care/bot",
                                                               "/imports", "/settings"]


@pytest.mark.parametrize(("raw", "safe"), [
    ("/monitor", "/monitor"),
    ("%2Froster%3Fmonth%3D2026-12", "/roster?month=2026-12"),
    ("", "/"),
    ("https://evil.example/", "/"),
    ("//evil.example", "/"),
    ("%2F%2Fevil.example", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_login_next_stays_on_site(raw: str, safe: str) -> None:
    assert safe_next(raw) == safe


def test_t_is_chinese_outside_a_page() -> None:
    assert current_lang() == "zh"
    assert t("概览", "Overview") == "概览"
