"""Imports API: upload an order export, chat records or call records; read and replace a shop's aliases.

Thin: authorise (supervisors and admins), spool the upload to a private temporary
file, call :mod:`kefu.service.imports.actions`. Bad input answers 4xx with every bad
row (file, row, column, reason in Chinese and English); nothing of a refused file is stored.
"""

from __future__ import annotations

import tempfile
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, File, Path, Query, UploadFile
from pydantic import BaseModel, Field

from kefu.api.deps import STAFF_MANAGERS, DbSession, require_roles
from kefu.api.limits import MIB
from kefu.api.schemas import ApiIn, Day
from kefu.domain.errors import ROW_ERRORS_SHOWN
from kefu.service.imports import actions

router = APIRouter(prefix="/imports", tags=["imports"])

MANAGERS = require_roles(*STAFF_MANAGERS)
SUFFIXES = (".csv", ".txt", ".xlsx")
ShopId = Annotated[str, Path(min_length=1, max_length=64)]


class RowErrorOut(BaseModel):
    file: str
    row: int
    column: str
    reason: str
    reason_en: str


class ImportOut(BaseModel):
    file: str
    layout: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: list[RowErrorOut]  # the first ROW_ERRORS_SHOWN
    rejected_total: int
    linked: int
    unlinked: list[str]


class AliasesIn(ApiIn):
    aliases: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(max_length=200)


class AliasesOut(BaseModel):
    shop: str
    aliases: list[str]


async def _spool(upload: UploadFile, tmp: str) -> FsPath:
    """The upload as a file named like the original (its suffix picks the reader), copied a megabyte at a time.

    The body's size is bounded before it is read (:mod:`kefu.api.limits`).
    """
    name = FsPath(upload.filename or "upload.csv")
    suffix = name.suffix.lower() if name.suffix.lower() in SUFFIXES else ".csv"
    path = FsPath(tmp) / f"{name.stem[:60] or 'upload'}{suffix}"
    with path.open("wb") as out:
        while chunk := await upload.read(MIB):
            out.write(chunk)
    return path


def _out(report: actions.ImportReport) -> ImportOut:
    return ImportOut(file=report.file, layout=report.layout, rows=report.rows, inserted=report.inserted,
                     updated=report.updated, unchanged=report.unchanged,
                     rejected=[RowErrorOut(**r.as_dict()) for r in report.rejected[:ROW_ERRORS_SHOWN]],
                     rejected_total=len(report.rejected),
                     linked=report.linked, unlinked=report.unlinked)  # fmt: skip


@router.post("/orders", response_model=ImportOut, dependencies=[MANAGERS])
async def import_orders(
    session: DbSession,
    file: Annotated[UploadFile, File()],
    skip_bad_rows: bool = False,
    shop: Annotated[str, Query(max_length=64)] = "",
    platform: Annotated[str, Query(pattern="^(auto|taobao|qianniu|pdd|jd|douyin)$")] = "auto",
) -> ImportOut:
    """An order export (layout detected from its header) or a 宝贝报表; bad rows → 422 with every row's reason."""
    with tempfile.TemporaryDirectory() as tmp:
        report = actions.import_orders(session, await _spool(file, tmp), skip_bad_rows=skip_bad_rows, shop=shop,
                                       platform=platform)  # fmt: skip
    return _out(report)


@router.post("/chats", response_model=ImportOut, dependencies=[MANAGERS])
async def import_chats(
    session: DbSession,
    file: Annotated[UploadFile, File()],
    skip_bad_rows: bool = False,
    shop: Annotated[str, Query(max_length=64)] = "",
    fmt: Annotated[str, Query(alias="format", pattern="^(auto|qianniu-text|qianniu-web|qianniu-xlsx|csv)$")] = "auto",
    day: Day | None = None,
) -> ImportOut:
    """Chat records: Qianniu text log, web query page text, per-buyer Excel, or our CSV."""
    with tempfile.TemporaryDirectory() as tmp:
        report = actions.import_chats(session, await _spool(file, tmp), skip_bad_rows=skip_bad_rows, shop=shop,
                                      fmt=fmt, day=day)  # fmt: skip
    return _out(report)


@router.post("/calls", response_model=ImportOut, dependencies=[MANAGERS])
async def import_calls(
    session: DbSession,
    file: Annotated[UploadFile, File()],
    skip_bad_rows: bool = False,
    shop: Annotated[str, Query(max_length=64)] = "",
) -> ImportOut:
    """Phone call records (CDR) matched by common column names."""
    with tempfile.TemporaryDirectory() as tmp:
        report = actions.import_calls(session, await _spool(file, tmp), skip_bad_rows=skip_bad_rows, shop=shop)
    return _out(report)


@router.get("/aliases/{shop_id}", response_model=AliasesOut, dependencies=[MANAGERS])
def get_aliases(shop_id: ShopId, session: DbSession) -> AliasesOut:
    """The other names this shop goes by in exports (店铺名称, the 店铺 of 店铺:客服)."""
    return AliasesOut(shop=shop_id, aliases=actions.shop_aliases(session, shop_id))


@router.put("/aliases/{shop_id}", response_model=AliasesOut, dependencies=[MANAGERS])
def put_aliases(shop_id: ShopId, body: AliasesIn, session: DbSession) -> AliasesOut:
    """Replace the shop's alias list (an alias moves here from any other shop)."""
    return AliasesOut(shop=shop_id, aliases=actions.set_shop_aliases(session, shop_id, body.aliases))
