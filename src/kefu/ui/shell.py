"""Mount the NiceGUI dashboard on the FastAPI app (same process, same service layer).

``mount_ui`` binds the API's database engine for pages, imports the login page and
every module in ``kefu.ui.pages`` (each registers its pages on import, like
``kefu.api.routes`` does for routers), then calls ``ui.run_with``. NiceGUI reuses
the app's signed ``kefu_session`` cookie for ``app.storage.user``.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

from fastapi import FastAPI
from nicegui import ui
from nicegui.storage import Storage

from kefu.config import get_settings
from kefu.ui import db
from kefu.ui import pages as pages_pkg

log = logging.getLogger(__name__)

FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="14" '
    'fill="#1976d2"/><text x="32" y="44" font-size="34" text-anchor="middle" fill="#fff" '
    'font-family="sans-serif">客</text></svg>'
)


def page_modules() -> list[str]:
    """Import every page module; returns their names. One broken area must not take down the rest."""
    importlib.import_module("kefu.ui.login")
    loaded: list[str] = []
    for info in sorted(pkgutil.iter_modules(pages_pkg.__path__), key=lambda m: m.name):
        name = f"{pages_pkg.__name__}.{info.name}"
        try:
            importlib.import_module(name)
        except Exception:  # log loudly, keep serving the other pages
            log.exception("dashboard page module %s failed to import", name)
            continue
        loaded.append(name)
    return loaded


def mount_ui(app: FastAPI) -> None:
    settings = get_settings()
    db.bind_engine(app.state.engine)
    # per-browser storage (who is signed in, language) lives with kefu's other data, not in ./.nicegui
    Storage.path = (settings.data_dir / "nicegui").resolve()
    Storage.path.mkdir(parents=True, exist_ok=True)  # NiceGUI creates only the last level
    page_modules()
    ui.run_with(
        app,
        storage_secret=settings.secret_key,
        title="kefu 客服",
        language="zh-CN",
        favicon=FAVICON,
        show_welcome_message=False,
        reconnect_timeout=10.0,
    )
