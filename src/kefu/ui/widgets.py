"""Small pieces several pages share: error notices in the user's language, stat cards, status labels, test ids.

Data never goes into ``.props(…)``, ``.classes(…)``, ``.style(…)`` or ``ui.html``:
those parse their text into attributes and markup, so a stored value such as
``x" onmouseover="…"`` became an event handler (issue 15, hole 2). A test id
built from data is set with :func:`testid` (one attribute, its value escaped by
Vue); labels show data as text. ``tests/ui/test_safe_markup.py`` holds the line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from nicegui import run as ng_run
from nicegui import ui
from nicegui.element import Element

from kefu.domain.errors import KefuError
from kefu.ui.db import db_session
from kefu.ui.i18n import current_lang, t

T = TypeVar("T")
E = TypeVar("E", bound=Element)

STATUS_LABELS = {"online": ("在线", "online"), "away": ("挂起", "away"), "break": ("小休", "break"),
                 "offline": ("离线", "offline")}
STATUS_COLORS = {"online": "positive", "away": "warning", "break": "info", "offline": "grey"}


def status_label(status: str) -> str:
    zh, en = STATUS_LABELS.get(status, (status, status))
    return t(zh, en)


def notify_error(exc: KefuError) -> None:
    text = exc.message if current_lang() == "zh" else exc.message_en
    ui.notify(f"{text} [{exc.code}]", type="negative", multi_line=True)


def run(action: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call a service function in one transaction; a KefuError becomes a notice (nothing is stored)."""
    try:
        with db_session() as session:
            return action(session, *args, **kwargs)
    except KefuError as exc:
        notify_error(exc)
        return None


async def load_into(holder: Element, read: Callable[[Any], T], show: Callable[[T], None]) -> None:
    """Read in a worker thread (KPI months take seconds; the page stays live), then fill ``holder``
    with ``show(result)``; a refusal or nothing to show reads 暂无数据."""

    def compute() -> T | KefuError:
        try:
            with db_session() as session:
                return read(session)
        except KefuError as exc:
            return exc

    result = await ng_run.io_bound(compute)
    holder.clear()
    with holder:
        if isinstance(result, KefuError) or result is None:
            ui.label(t("暂无数据", "no figures yet")).classes("text-grey-6")
        else:
            show(result)


def testid(element: E, value: str | int) -> E:
    """Set ``data-testid`` to ``value`` as one attribute value (never parsed, so data cannot add attributes)."""
    element.props["data-testid"] = str(value)
    return element


def stat_card(label: str, value: str, testid: str, caption: str = "") -> ui.label:
    """A figure with its label; returns the value label so live pages can update it in place."""
    with ui.card().classes("min-w-40 p-4 gap-1"):
        ui.label(label).classes("text-grey-7 text-sm")
        value_label = ui.label(value).classes("text-3xl font-bold")
        value_label.props["data-testid"] = testid
        caption_label = ui.label(caption).classes("text-grey-6 text-xs")
        if not caption:
            caption_label.set_visibility(False)
    return value_label
