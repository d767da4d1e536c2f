"""Two languages, Chinese first: ``t("中文", "English")`` picks the signed-in user's language.

The choice is stored per user (``User.locale``) and cached in NiceGUI's
``app.storage.user['lang']`` so each label costs a dict lookup, not a query.
Outside a UI context (tests, CLI) Chinese is returned.
"""

from __future__ import annotations

import copy

from nicegui import app, ui
from nicegui.language import Language

LANGS = ("zh", "en")
QUASAR: dict[str, Language] = {"zh": "zh-CN", "en": "en-US"}  # Quasar's language pack per kefu language


def current_lang() -> str:
    try:
        lang = app.storage.user.get("lang", "zh")
    except (RuntimeError, AssertionError, KeyError):
        return "zh"
    return lang if lang in LANGS else "zh"


def t(zh: str, en: str) -> str:
    """The label in the user's language (Chinese unless they switched to English)."""
    return en if current_lang() == "en" else zh


def set_lang(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unknown language: {lang}")
    app.storage.user["lang"] = lang


def follow_language() -> None:
    """Quasar's own words on this page (a table's "每页的行数" / "Records per page", date pickers…)
    in the user's language.

    NiceGUI fixes a page's language when the page is registered (``ui.run_with(language="zh-CN")``);
    the page being built gets its own copy with the user's, which the HTML response then loads.
    """
    client = ui.context.client
    wanted = QUASAR[current_lang()]
    if client.page.resolve_language() != wanted:
        page = copy.copy(client.page)
        page.language = wanted
        client.page = page
