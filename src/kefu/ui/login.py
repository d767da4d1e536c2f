"""``/login`` and ``/logout``: the only dashboard pages open to everyone (besides ``/chat``).

The password is checked by ``kefu.service.org.actions.login`` (argon2 and a rate limit
per username+address, per address and per username). The check runs over the page's
websocket, where no cookie can be set, so it leaves a one-time nonce in NiceGUI's
server-side storage and sends the browser to ``/login/finish``: that plain HTTP
request proves it is the same browser (nonce), gives it a *fresh* session id
(no session fixation: a planted cookie never becomes signed in) and writes
``user_id`` and the session version into the signed ``kefu_session`` cookie —
which both the dashboard and ``/api/v1`` read. A password change on
``/account/password`` ends the same way (the version changed, so the cookie must
be rewritten). ``/logout`` bumps the version: the cookie is dead everywhere.
"""

from __future__ import annotations

import hmac
import secrets
import time
import uuid
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from kefu.domain.errors import ErrorCode, KefuError
from kefu.service.demo import actions_accounts as demo_accounts
from kefu.service.org import actions as org
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session, get_ui_engine
from kefu.ui.i18n import current_lang, follow_language, set_lang, t
from kefu.ui.layout import session_user

NONCE_SECONDS = 60  # the websocket check and the HTTP finish are one click apart


def safe_next(target: str) -> str:
    """Only same-site paths: ``//evil.example`` or ``https://…`` would be an open redirect."""
    target = unquote(target or "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@ui.page("/login")
def login_page(request: Request, next: str = "/") -> RedirectResponse | None:
    target = safe_next(next)
    if session_user(request) is not None:
        return RedirectResponse(target, status_code=303)
    ui.page_title(t("登录", "Sign in") + " · kefu 客服")
    follow_language()

    def submit() -> None:
        ip = ui.context.client.ip or "unknown"
        try:
            user = org.login(get_ui_engine(), username.value or "", password.value or "", ip)
        except KefuError as exc:
            message.text = exc.message if current_lang() == "zh" else exc.message_en
            message.classes(replace="text-negative" if exc.code != ErrorCode.RATE_LIMITED else "text-warning")
            password.value = ""
            return
        set_lang(user.locale)
        finish_sign_in(user, target)

    with ui.column().classes("absolute-center items-center gap-4"):
        ui.label("kefu 客服").classes("text-3xl font-bold text-primary")
        with ui.card().classes("w-80 p-6 gap-3"):
            ui.label(t("登录", "Sign in")).classes("text-xl")
            username = ui.input(t("用户名", "Username")).props('outlined dense autocomplete=username'
                                                            ' data-testid="username"').classes("w-full")
            password = ui.input(t("密码", "Password"), password=True, password_toggle_button=True).props(
                'outlined dense autocomplete=current-password data-testid="password"').classes("w-full")
            password.on("keydown.enter", submit)
            ui.button(t("登录", "Sign in"), on_click=submit).props('data-testid="login"').classes("w-full")
            message = ui.label("").classes("text-negative").props('data-testid="login-message"')
        with db_session() as session:
            hint = demo_accounts.demo_login(session)
        if hint is not None:
            ui.label(t(f"演示账号: {hint.username} (初始密码见服务器上的 {hint.credentials_file})",
                       f"Demo account: {hint.username} (first password in {hint.credentials_file} on the server)")
                     ).classes("text-grey-7 text-sm").props('data-testid="demo-hint"')
    return None


def finish_sign_in(user: UserOut, target: str) -> None:
    """From a websocket event: let ``/login/finish`` write this user's cookie, then go to ``target``."""
    nonce = secrets.token_urlsafe(24)
    app.storage.user["pending_login"] = {"user_id": user.id, "sv": user.session_version, "nonce": nonce,
                                         "at": time.time()}
    ui.navigate.to(f"/login/finish?nonce={nonce}&next={quote(target, safe='')}")


@app.get("/login/finish", include_in_schema=False)
def login_finish(request: Request, nonce: str = "", next: str = "/") -> RedirectResponse:
    """Turn a password check done over the websocket into a signed session cookie for this browser."""
    pending = app.storage.user.pop("pending_login", None)
    if (not isinstance(pending, dict) or not hmac.compare_digest(str(pending.get("nonce", "")), nonce)
            or time.time() - float(pending.get("at", 0)) > NONCE_SECONDS):
        return RedirectResponse("/login", status_code=303)
    lang = app.storage.user.get("lang", "zh")
    request.session["id"] = str(uuid.uuid4())  # fresh NiceGUI storage id: no session fixation
    org.put_identity(request.session, int(pending["user_id"]), int(pending["sv"]))
    request.session["lang"] = lang
    return RedirectResponse(safe_next(next), status_code=303)


@app.get("/logout", include_in_schema=False)
def logout(request: Request) -> RedirectResponse:
    """End the user's sessions server-side; a plain HTTP route so the signed cookie can be rewritten."""
    with db_session() as session:
        org.sign_out(session, request.session)
    request.session["id"] = str(uuid.uuid4())  # drop the per-browser storage of the signed-in user
    return RedirectResponse("/login", status_code=303)
