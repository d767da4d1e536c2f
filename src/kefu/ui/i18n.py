"""Two languages, Chinese first: ``t("中文", "English")`` picks the signed-in user's language.

The choice is stored per user (``User.locale``) and cached in NiceGUI's
``app.storage.user['lang']`` so each label costs a dict lookup, not a query.
Outside a UI context (tests, CLI) Chinese is returned.
"""

from __future__ import annotations

from nicegui import app

LANGS = ("zh", "en")


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
