"""``/imports``: upload an order export (Taobao 订单报表 CSV/Excel), see progress and every bad row.

The file is saved to a private temporary directory (``kefu-import-*``, 0700) and handed
to the credit area's importer in a worker thread (``run.io_bound``) so the page stays live;
the directory is deleted as soon as the import ends, whatever its outcome (buyers'
phones and addresses must not linger in the system temp folder, PIPL);
the progress bar follows the importer's progress callback. A rejected file
shows each bad row (file, row, column, reason in both languages) and stores
nothing; "skip bad rows" loads the good ones and lists the rejects.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from nicegui import run, ui
from nicegui.events import UploadEventArguments

from kefu.domain.errors import KefuError
from kefu.service.credit import actions_imports as credit
from kefu.service.credit.schemas import ImportReport, Progress
from kefu.service.org import actions_admin as org_admin
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import current_lang, t
from kefu.ui.layout import MANAGERS, kefu_page

MAX_BYTES = 50 * 1024 * 1024
IMPORTERS = {"orders": (credit.import_orders, "订单报表", "Order export"),
             "chats": (credit.import_chats, "聊天记录", "Chat records")}


def run_import(kind: str, path: Path, skip_bad_rows: bool, shop: str, progress: Progress) -> ImportReport:
    """One importer call in one transaction (runs in a worker thread; nothing is stored if it raises)."""
    importer = IMPORTERS[kind][0]
    with db_session() as session:
        return importer(session, path, skip_bad_rows=skip_bad_rows, progress=progress, shop=shop)


@kefu_page("/imports", "数据导入", "Imports", roles=MANAGERS)
def imports_page(user: UserOut) -> None:
    state: dict[str, Any] = {"done": 0, "total": 0, "path": None}
    ui.label(t("上传淘宝/天猫订单报表或聊天记录 (CSV, GBK 或 UTF-8; 或 Excel)。重复导入同一文件不会改变数据。",
               "Upload a Taobao/Tmall order export or chat records (CSV in GBK or UTF-8, or Excel). "
               "Importing the same file again changes nothing."))
    with db_session() as session:
        shops = org_admin.shop_ids(session)
    with ui.row().classes("gap-4"):
        kind = ui.select({k: t(v[1], v[2]) for k, v in IMPORTERS.items()}, value="orders",
                         label=t("类型", "Kind")).props('dense outlined data-testid="import-kind"').classes("w-48")
        shop = ui.select(shops, value=shops[0] if shops else None, label=t("店铺", "Shop")).props(
            "dense outlined").classes("w-48")
    skip = ui.checkbox(t("跳过错误行 (其余行照常导入, 错误行列在下方)",
                         "skip bad rows (load the rest, list the rejects below)")).props('data-testid="skip-bad"')
    progress = ui.linear_progress(value=0, show_value=False).classes("w-full").props("instant-feedback")
    progress.set_visibility(False)
    status = ui.label("").props('data-testid="import-status"')
    errors = ui.column().classes("w-full")

    def on_progress(done: int, total: int, *_: Any) -> None:
        state["done"], state["total"] = done, total

    def show_progress() -> None:
        if state["total"]:
            progress.set_value(state["done"] / state["total"])

    ui.timer(0.3, show_progress)

    async def start(path: Path) -> None:
        errors.clear()
        state["done"], state["total"] = 0, 0
        progress.set_visibility(True)
        progress.set_value(0)
        status.set_text(t("正在导入…", "importing…"))
        try:
            result = await run.io_bound(run_import, kind.value, path, bool(skip.value), shop.value or "",
                                        on_progress)
        except KefuError as exc:
            progress.set_visibility(False)
            status.set_text(exc.message if current_lang() == "zh" else exc.message_en)
            status.classes(replace="text-negative")
            show_rows([r.as_dict() for r in exc.rows])
            return
        if result is None:  # the server is shutting down
            return
        progress.set_value(1)
        status.classes(replace="text-positive")
        zh, _, en = result.summary().partition(" / ")
        status.set_text(t("导入完成: ", "imported: ") + t(zh, en))
        show_rows([r.as_dict() for r in result.rejected])

    def show_rows(rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        with errors:
            ui.label(t(f"{len(rows)} 处错误", f"{len(rows)} bad rows")).classes("text-lg text-negative")
            columns = [{"name": c, "label": label, "field": c, "align": "left"} for c, label in (
                ("file", t("文件", "File")), ("row", t("行", "Row")), ("column", t("列", "Column")),
                ("reason", t("原因", "Reason")), ("reason_en", "Reason (en)"))]
            ui.table(columns=columns, rows=rows[:1000], pagination=20).classes("w-full").props(
                'dense flat data-testid="import-errors"')

    async def uploaded(e: UploadEventArguments) -> None:
        name = Path(e.file.name or "upload.csv").name or "upload.csv"
        data = await e.file.read()
        if len(data) > MAX_BYTES:
            status.set_text(t("文件超过 50 MB", "file larger than 50 MB"))
            return
        uploader.reset()  # the same file can be chosen again (e.g. with "skip bad rows" ticked)
        with tempfile.TemporaryDirectory(prefix="kefu-import-") as tmpdir:  # removed after the import
            path = Path(tmpdir) / name
            path.write_bytes(data)
            del data
            await start(path)

    uploader = ui.upload(label=t("选择文件并上传", "Choose a file to upload"), auto_upload=True, on_upload=uploaded,
              max_file_size=MAX_BYTES).props('accept=".csv,.xlsx,.txt" data-testid="import-upload"').classes("w-96")
