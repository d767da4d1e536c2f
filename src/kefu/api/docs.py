"""``/docs``: Swagger UI served from this host, so the API reference works offline.

FastAPI's own ``/docs`` page loads Swagger UI from a CDN (cdn.jsdelivr.net):
on a machine without internet, or behind a strict proxy, it renders blank.
The ``fastapi-offline`` package ships the same Swagger UI bundle as static
files; we serve them under ``/docs/static`` and build the page with FastAPI's
own ``get_swagger_ui_html``, so the one strict content-security policy
(``'self'`` only, see :mod:`kefu.api.headers`) covers ``/docs`` too.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
STATIC_PATH = f"{DOCS_PATH}/static"


def mount_docs(app: FastAPI) -> None:
    """Add ``/docs`` (Swagger UI over the app's OpenAPI document) with its assets from this host."""
    assets = files("fastapi_offline") / "static"
    app.mount(STATIC_PATH, StaticFiles(directory=str(assets)), name="docs-static")
    openapi_url = app.openapi_url or ""

    @app.get(DOCS_PATH, include_in_schema=False, response_class=HTMLResponse)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} · 接口文档 / API reference",
            swagger_js_url=f"{STATIC_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_PATH}/favicon.png",
        )
