"""``/account/password``: change one's own password (every role; the current password is needed).

A user whose password was printed or set by someone else (demo accounts, the
first admin, an admin's reset) is sent here by every other page until they
change it. The change bumps the session version, which ends every other
session; this browser then gets a fresh cookie through ``/login/finish`` (a
websocket event cannot set one) and goes on to the page it first asked for.
"""

from __future__ import annotations

from fastapi import Request
from nicegui import ui

from kefu.domain.errors import KefuError
from kefu.service.org import actions as org
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import current_lang, t
from kefu.ui.layout import PASSWORD_PAGE, kefu_page
from kefu.ui.login import finish_sign_in, safe_next


@kefu_page(PASSWORD_PAGE, "修改密码", "Change password")
def password_page(user: UserOut, request: Request) -> None:
    target = safe_next(request.query_params.get("next", "/"))
    if user.must_change_password:
        ui.label(t("这是别人告诉你的初始密码, 请先设置只有你知道的新密码。",
                   "This first password was given to you: set one only you know before going on.")).classes(
            "text-warning").props('data-testid="must-change"')

    def save() -> None:
        if (new.value or "") != (again.value or ""):
            message.text = t("两次输入的新密码不一致", "the two new passwords differ")
            return
        try:
            with db_session() as session:
                changed = org.change_password(session, user.id, old.value or "", new.value or "")
        except KefuError as exc:
            message.text = exc.message if current_lang() == "zh" else exc.message_en
            return
        finish_sign_in(changed, target)

    with ui.card().classes("w-96 p-6 gap-3"):
        old = ui.input(t("当前密码", "Current password"), password=True).props(
            'outlined dense autocomplete=current-password data-testid="old-password"').classes("w-full")
        new = ui.input(t("新密码 (至少 10 位, 不含用户名)", "New password (10+ characters, not the username)"),
                       password=True).props(
            'outlined dense autocomplete=new-password data-testid="new-password"').classes("w-full")
        again = ui.input(t("再次输入新密码", "New password again"), password=True).props(
            'outlined dense autocomplete=new-password data-testid="new-password-again"').classes("w-full")
        again.on("keydown.enter", save)
        ui.button(t("保存", "Save"), on_click=save).props('data-testid="password-save"').classes("w-full")
        message = ui.label("").classes("text-negative").props('data-testid="password-message"')
