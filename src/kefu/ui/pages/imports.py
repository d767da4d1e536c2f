"""``/imports``: upload an order export, chat records or call records; see progress and every bad row; edit shop aliases.

The file is saved to a private temporary directory (``kefu-import-*``, 0700) and handed to
the imports area's use-case in a worker thread (``run.io_bound``) so the page stays live;
the directory is deleted as soon as the import ends, whatever its outcome (buyers'
phones and addresses must not linger in the system temp folder, PIPL); the progress
bar follows the importer's progress callback. A rejected file shows each bad row
(file, row, column, reason in both languages) and stores nothing; "skip bad rows"
loads the good ones and lists the rejects. The alias list maps the names a shop goes
by in exports (店铺名称, the 店铺 of 店铺:客服) to the shop.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from nicegui import run, ui
from nicegui.events import UploadEventArguments

from kefu.domain.errors import KefuError
from kefu.service.imports import actions
from kefu.service.imports.schemas import ImportReport, Progress, UploadIn
from kefu.service.org import actions_admin as org_admin
from kefu.service.org.schemas import UserOut
from kefu.ui.db import db_session
from kefu.ui.i18n import current_lang, t
from kefu.ui.layout import MANAGERS, kefu_page

MAX_BYTES = 50 * 1024 * 1024  # the page's upload limit (kefu.api.limits allows 64 MiB for it)
KINDS = {"orders": ("订单导出 / 宝贝报表", "Order export / item rows"), "chats": ("聊天记录", "Chat records"),
         "calls": ("通话记录", "Call records")}  # fmt: skip
PLATFORMS = ("auto", "taobao", "qianniu", "pdd", "jd", "douyin")
FORMATS = ("auto", "qianniu-text", "qianniu-web", "qianniu-xlsx", "csv")


def run_import(path: Path, upload: UploadIn, progress: Progress) -> ImportReport:
    """One import in one transaction (runs in a worker thread; nothing is stored if it raises)."""
    with db_session() as session:
        return actions.import_upload(session, path, upload, progress)


@kefu_page("/imports", "数据导入", "Imports", roles=MANAGERS)
def imports_page(user: UserOut) -> None:
    state: dict[str, Any] = {"done": 0, "total": 0}
    ui.label(t("上传订单导出 (淘宝/天猫、千牛、拼多多、京东、抖店, 格式按表头识别)、宝贝报表、千牛聊天记录或通话记录。"
               "重复导入同一文件不会改变数据。",
               "Upload an order export (Taobao/Tmall, Qianniu, Pinduoduo, JD, Douyin; the layout is read from the "
               "header), item rows, Qianniu chat logs or call records. Importing the same file again changes nothing."))
    with db_session() as session:
        shops = org_admin.shop_ids(session)
    with ui.row().classes("gap-4 items-end"):
        kind = ui.select({k: t(*v) for k, v in KINDS.items()}, value="orders",
                         label=t("类型", "Kind")).props('dense outlined data-testid="import-kind"').classes("w-56")
        shop = ui.select([""] + shops, value=shops[0] if shops else "", label=t("店铺", "Shop")).props(
            "dense outlined").classes("w-40")
        platform = ui.select(list(PLATFORMS), value="auto", label=t("平台", "Platform")).props(
            'dense outlined data-testid="import-platform"').classes("w-36")
        fmt = ui.select(list(FORMATS), value="auto", label=t("聊天格式", "Chat format")).props(
            'dense outlined data-testid="import-format"').classes("w-40")
        day = ui.input(t("日期 (YYYY-MM-DD, 仅无日期的导出)", "Date (YYYY-MM-DD, exports without dates)")).props(
            "dense outlined").classes("w-64")
    platform.bind_visibility_from(kind, "value", backward=lambda v: v == "orders")
    fmt.bind_visibility_from(kind, "value", backward=lambda v: v == "chats")
    day.bind_visibility_from(kind, "value", backward=lambda v: v == "chats")
    skip = ui.checkbox(t("跳过错误行 (其余行照常导入, 错误行列在下方)",
                         "skip bad rows (load the rest, list the rejects below)")).props('data-testid="skip-bad"')
    progress = ui.linear_progress(value=0, show_value=False).classes("w-full").props("instant-feedback")
    progress.set_visibility(False)
    status = ui.label("").props('data-testid="import-status"')
    notes = ui.column().classes("w-full")
    errors = ui.column().classes("w-full")

    def on_progress(done: int, total: int, *_: Any) -> None:
        state["done"], state["total"] = done, total

    def show_progress() -> None:
        if state["total"]:
            progress.set_value(min(1.0, state["done"] / state["total"]))

    ui.timer(0.3, show_progress)

    def options() -> UploadIn | None:
        text = (day.value or "").strip()
        try:
            when = date.fromisoformat(text) if text else None
        except ValueError:
            status.set_text(t(f"日期格式应为 YYYY-MM-DD: {text}", f"date must be YYYY-MM-DD: {text}"))
            status.classes(replace="text-negative")
            return None
        return UploadIn(kind.value, bool(skip.value), shop.value or "", platform.value, fmt.value, when)

    async def start(path: Path) -> None:
        errors.clear()
        notes.clear()
        opts = options()
        if opts is None:
            return
        state["done"], state["total"] = 0, 0
        progress.set_visibility(True)
        progress.set_value(0)
        status.set_text(t("正在导入…", "importing…"))
        try:
            result = await run.io_bound(run_import, path, opts, on_progress)
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
        with notes:
            for line in result.notes():
                ui.label(line)
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
                         max_file_size=MAX_BYTES).props('accept=".csv,.xlsx,.txt" data-testid="import-upload"').classes(
        "w-96")
    _aliases(shops)
    _reconcile(shops)


def _aliases(shops: list[str]) -> None:
    """Edit the selected shop's aliases: one per line."""
    if not shops:
        return
    ui.separator()
    ui.label(t("店铺别名 (导出中店铺的其他名字: 订单的店铺名称、聊天的 店铺:客服 前缀; 每行一个)",
               "Shop aliases (other names of the shop in exports: the order file's 店铺名称, the 店铺 of 店铺:客服; "
               "one per line)")).classes("text-lg")
    with ui.row().classes("gap-4 items-start"):
        which = ui.select(shops, value=shops[0], label=t("店铺", "Shop")).props("dense outlined").classes("w-40")
        box = ui.textarea(t("别名", "Aliases")).props('dense outlined data-testid="shop-aliases"').classes("w-96")
        saved = ui.label("")

    def load() -> None:
        with db_session() as session:
            box.set_value("\n".join(actions.shop_aliases(session, which.value)))
        saved.set_text("")

    def save() -> None:
        with db_session() as session:
            kept = actions.set_shop_aliases(session, which.value, (box.value or "").splitlines())
        box.set_value("\n".join(kept))
        saved.set_text(t(f"已保存 {len(kept)} 个别名", f"saved {len(kept)} aliases"))

    which.on_value_change(lambda _: load())
    ui.button(t("保存别名", "Save aliases"), on_click=save).props('data-testid="save-aliases"')
    load()


def run_reconcile(shop: str, month: str, sheet: Path, out: Path) -> list[list[str]]:
    """One reconciliation in a worker thread; its lines (the CSV is written to ``out``, a temporary folder)."""
    with db_session() as session:
        return actions.reconcile_month(session, shop, month, sheet, out).lines


def _reconcile(shops: list[str]) -> None:
    """Upload the platform's 客服数据汇总-日数据 sheet: our figures beside theirs, with the rule of each gap."""
    if not shops:
        return
    ui.separator()
    ui.label(t("与平台日数据对账 (赤兔/生意参谋 客服数据汇总-日数据)",
               "Reconcile with the platform (赤兔 / 生意参谋 客服数据汇总-日数据)")).classes("text-lg")
    with ui.row().classes("gap-4 items-end"):
        which = ui.select(shops, value=shops[0], label=t("店铺", "Shop")).props("dense outlined").classes("w-40")
        month = ui.input(t("月份 (YYYY-MM)", "Month (YYYY-MM)")).props(
            'dense outlined data-testid="reconcile-month"').classes("w-40")
    status = ui.label("").props('data-testid="reconcile-status"')
    table = ui.column().classes("w-full")

    async def uploaded(e: UploadEventArguments) -> None:
        name = Path(e.file.name or "sheet.xlsx").name or "sheet.xlsx"
        data = await e.file.read()
        picker.reset()
        table.clear()
        with tempfile.TemporaryDirectory(prefix="kefu-reconcile-") as tmpdir:
            sheet = Path(tmpdir) / name
            sheet.write_bytes(data)
            try:
                lines = await run.io_bound(run_reconcile, which.value, (month.value or "").strip(), sheet,
                                           Path(tmpdir) / "out")  # fmt: skip
            except KefuError as exc:
                status.set_text(exc.message if current_lang() == "zh" else exc.message_en)
                status.classes(replace="text-negative")
                return
        if lines is None:  # the server is shutting down
            return
        differ = sum(1 for r in lines if r[6])
        status.classes(replace="text-positive")
        status.set_text(t(f"{len(lines)} 项, {differ} 项有差异", f"{len(lines)} figures, {differ} differ"))
        names = ("agent", "day", "metric", "ours", "theirs", "diff", "reason")
        labels = (t("客服", "Agent"), t("日期", "Day"), t("指标", "Metric"), t("我们", "Ours"), t("平台", "Theirs"),
                  t("差", "Diff"), t("原因", "Reason"))  # fmt: skip
        with table:
            ui.table(columns=[{"name": n, "label": lb, "field": n, "align": "left"} for n, lb in zip(names, labels,
                                                                                                  strict=True)],
                     rows=[dict(zip(names, r, strict=True)) for r in lines], pagination=30).classes("w-full").props(
                'dense flat data-testid="reconcile-table"')  # fmt: skip

    picker = ui.upload(label=t("上传日数据表", "Upload the daily sheet"), auto_upload=True, on_upload=uploaded,
                       max_file_size=MAX_BYTES).props('accept=".csv,.xlsx" data-testid="reconcile-upload"').classes(
        "w-96")
