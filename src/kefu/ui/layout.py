"""The page frame every dashboard page uses: login check, role check, header, navigation.

How an area adds a page (read this before writing ``kefu/ui/pages/<area>.py``)
-------------------------------------------------------------------------------
Every module in ``kefu.ui.pages`` is imported by ``kefu.ui.shell.mount_ui``; a page
registers itself with the ``kefu_page`` decorator::

    from nicegui import ui
    from kefu.ui.db import db_session
    from kefu.ui.i18n import t
    from kefu.ui.layout import kefu_page
    from kefu.service.org.schemas import UserOut

    @kefu_page("/roster", "排班", "Roster", roles=("admin", "supervisor"))
    def roster_page(user: UserOut) -> None:
        with db_session() as session:
            rows = my_service.list_something(session, team=user.team)
        ui.label(t("本月排班", "This month's roster"))
        ...

* Not signed in → redirected to ``/login?next=<path>``; wrong role → a 403 view
  (HTTP status 403); a password that must be changed first → ``/account/password``.
  The body of your function only runs for allowed org.
* ``user`` is a ``UserOut`` (id, username, role, agent_id, team, locale). Agents see
  only their own data (filter by ``user.agent_id``), supervisors their team
  (``user.team``; "" means all teams), admins everything.
* If the function also takes a ``request`` parameter, it gets the Starlette
  request (for query parameters such as ``?day=2026-11-11``).
* Labels: ``t("中文", "English")``. Buyer phones/addresses: ``kefu.domain.privacy``.
* Events (button clicks) arrive over NiceGUI's websocket, which only the page's own
  client can open, so NiceGUI forms need no CSRF token; the REST API has its own
  same-origin check (``kefu.api.csrf``).
* The navigation is the ``NAV`` list below; the paths of every area are there already.
* ``page_frame`` draws the header and drawer for an already-checked user; use it only
  for pages that bypass ``kefu_page`` (public pages such as ``/chat`` draw no frame).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from kefu.service.access import ACCOUNT_ROLES, STAFF_MANAGERS, check_roles_known, may
from kefu.service.org import actions as org
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import current_lang, follow_language, set_lang, t

ALL_ROLES = ACCOUNT_ROLES  # every dashboard account (integrations have no dashboard)
MANAGERS = STAFF_MANAGERS
PASSWORD_PAGE = "/account/password"  # the only page a user with a pending password change may open


@dataclass(frozen=True)
class NavItem:
    path: str
    zh: str
    en: str
    icon: str
    roles: tuple[str, ...]


NAV: list[NavItem] = [
    NavItem("/", "概览", "Overview", "dashboard", ALL_ROLES),
    NavItem("/monitor", "实时监控", "Live monitor", "monitor_heart", MANAGERS),
    NavItem("/me", "我的", "Me", "person", ("agent",)),
    NavItem("/workspace", "我的工作台", "My workspace", "support_agent", ("agent",)),
    NavItem("/tasks", "任务", "Tasks", "checklist", ALL_ROLES),
    NavItem("/roster", "排班", "Roster", "calendar_month", ALL_ROLES),
    NavItem("/team", "团队审批", "Approvals", "how_to_reg", MANAGERS),
    NavItem("/team/people", "培训与成长", "People", "school", MANAGERS),
    NavItem("/forecast", "预测", "Forecast", "insights", MANAGERS),
    NavItem("/performance", "绩效", "Performance", "leaderboard", ALL_ROLES),
    NavItem("/care/tickets", "工单", "Tickets", "confirmation_number", ALL_ROLES),
    NavItem("/care/templates", "快捷回复", "Templates", "quickreply", ALL_ROLES),
    NavItem("/care/bot", "机器人", "Bot", "smart_toy", MANAGERS),
    NavItem("/care/logbooks", "交接日志", "Logbooks", "menu_book", ALL_ROLES),
    NavItem("/imports", "数据导入", "Imports", "upload_file", MANAGERS),
    NavItem("/settings", "设置", "Settings", "settings", MANAGERS),
]

_ROLE_NAMES = {"admin": ("管理员", "Admin"), "supervisor": ("主管", "Supervisor"), "agent": ("客服", "Agent")}


def role_name(role: str) -> str:
    zh, en = _ROLE_NAMES.get(role, (role, role))
    return t(zh, en)


def session_user(request: Request | None = None) -> UserOut | None:
    """The signed-in user of this HTTP request, or None.

    The only proof is ``user_id`` with the current session version in the signed
    ``kefu_session`` cookie (set by ``/login/finish`` or ``POST /api/v1/auth/login``).
    NiceGUI's server-side ``app.storage.user`` only caches the language.
    """
    if request is None or "session" not in request.scope:
        return None
    if request.session.get("user_id") is None:
        return None
    with db_session() as session:
        found = org.signed_in(session, request.session)
    if found is None:  # logged out elsewhere, password changed, deactivated or deleted: signed out
        org.drop_identity(request.session)
        return None
    storage = app.storage.user
    if "lang" not in storage:
        storage["lang"] = request.session.pop("lang", None) or found.locale
    return found


def _switch_language(user: UserOut) -> None:
    lang = "en" if current_lang() == "zh" else "zh"
    set_lang(lang)
    with db_session() as session:
        org.set_locale(session, user.id, lang)
    ui.navigate.reload()


@contextmanager
def page_frame(title_zh: str, title_en: str, user: UserOut, path: str = "") -> Iterator[UserOut]:
    """Header, left navigation and a content column; yields the user for the page body."""
    ui.page_title(f"{t(title_zh, title_en)} · kefu 客服")
    follow_language()
    # open beside the page on a wide screen; on a phone it waits behind the menu button (value=None: by width)
    drawer = ui.left_drawer(value=None).classes("bg-grey-1 px-0")
    with drawer, ui.list().props("dense padding").classes("w-full"):
        for item in NAV:
            if not may(user.role, item.roles):
                continue
            active = item.path == path
            with ui.item(on_click=functools.partial(ui.navigate.to, item.path)).classes(
                    "rounded" + (" bg-blue-1 text-primary" if active else "")):
                with ui.item_section().props("avatar"):
                    ui.icon(item.icon)
                with ui.item_section():
                    ui.item_label(t(item.zh, item.en))
    with ui.header().classes("items-center justify-between bg-primary px-4 py-2"):
        with ui.row().classes("items-center gap-2"):
            ui.button(icon="menu", on_click=drawer.toggle).props("flat round color=white dense")
            ui.link("kefu 客服", "/").classes("text-white text-lg font-bold no-underline")
            ui.label(f"· {t(title_zh, title_en)}").classes("text-white text-lg")
        with ui.row().classes("items-center gap-3"):
            ui.label(f"{user.display_name} ({role_name(user.role)})").classes("text-white").props(
                'data-testid="whoami"')
            ui.button(t("修改密码", "Password"), on_click=lambda: ui.navigate.to(PASSWORD_PAGE)).props(
                'flat color=white dense no-caps data-testid="change-password"')
            ui.button("English" if current_lang() == "zh" else "中文",
                      on_click=lambda: _switch_language(user)).props("flat color=white dense no-caps")
            ui.button(t("退出", "Log out"), on_click=lambda: ui.navigate.to("/logout")).props(
                "flat color=white dense no-caps")
    with ui.column().classes("w-full p-4 gap-4"):
        yield user


def forbidden_view(user: UserOut, title_zh: str, title_en: str) -> None:
    ui.context.client.status_code = 403
    with page_frame(title_zh, title_en, user), ui.card().classes("p-8"):
        ui.label("403").classes("text-4xl text-negative")
        ui.label(t("没有权限访问此页面", "You do not have permission to see this page"))
        ui.link(t("返回概览", "Back to overview"), "/")


def kefu_page(path: str, title_zh: str, title_en: str, roles: tuple[str, ...] = ALL_ROLES,
              **page_kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a NiceGUI page that only signed-in users with one of ``roles`` can open."""

    check_roles_known(roles)

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        wants_request = "request" in inspect.signature(func).parameters

        def check(request: Request) -> RedirectResponse | UserOut | None:
            user = session_user(request)
            here = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""), safe="")
            if user is None:
                return RedirectResponse(f"/login?next={here}", status_code=303)
            if user.must_change_password and path != PASSWORD_PAGE:
                return RedirectResponse(f"{PASSWORD_PAGE}?next={here}", status_code=303)
            if not may(user.role, roles):  # the role check of kefu.service.access, as a 403 page
                forbidden_view(user, title_zh, title_en)
                return None
            return user

        if inspect.iscoroutinefunction(func):
            async def async_page(request: Request) -> Any:
                checked = check(request)
                if not isinstance(checked, UserOut):
                    return checked
                with page_frame(title_zh, title_en, checked, path):
                    return await (func(checked, request) if wants_request else func(checked))

            ui.page(path, **page_kwargs)(async_page)
        else:
            def sync_page(request: Request) -> Any:
                checked = check(request)
                if not isinstance(checked, UserOut):
                    return checked
                with page_frame(title_zh, title_en, checked, path):
                    return func(checked, request) if wants_request else func(checked)

            ui.page(path, **page_kwargs)(sync_page)
        return func

    return decorate
