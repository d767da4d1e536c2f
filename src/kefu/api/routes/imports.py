"""Imports API: upload an order export, chat records or call records; read and replace a shop's aliases.

Thin: authorise (supervisors and admins), spool the upload to a private temporary
file, call :mod:`kefu.service.imports.actions`. Bad input answers 4xx with every bad
row (file, row, column, reason in Chinese and English); nothing of a refused file is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Path, Query, UploadFile

from kefu.api.deps import STAFF_MANAGERS, DbSession, require_roles
from kefu.api.uploads import spooled
from kefu.service.imports import actions
from kefu.service.imports.schemas import AliasesIn, AliasesOut, ImportOut, UploadIn
from kefu.service.schemas import Day

router = APIRouter(prefix="/imports", tags=["imports"])

MANAGERS = require_roles(*STAFF_MANAGERS)
ShopId = Annotated[str, Path(min_length=1, max_length=64)]


@router.post("/orders", response_model=ImportOut, dependencies=[MANAGERS])
async def import_orders(
    session: DbSession,
    file: Annotated[UploadFile, File()],
    skip_bad_rows: bool = False,
    shop: Annotated[str, Query(max_length=64)] = "",
    platform: Annotated[str, Query(pattern="^(auto|taobao|qianniu|pdd|jd|douyin)$")] = "auto",
) -> ImportOut:
    """An order export (layout detected from its header) or a 宝贝报表; bad rows → 422 with every row's reason."""
    async with spooled(file) as path:
        return actions.import_file(session, path, UploadIn("orders", skip_bad_rows, shop, platform=platform))


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
    async with spooled(file) as path:
        return actions.import_file(session, path, UploadIn("chats", skip_bad_rows, shop, fmt=fmt, day=day))


@router.post("/calls", response_model=ImportOut, dependencies=[MANAGERS])
async def import_calls(
    session: DbSession,
    file: Annotated[UploadFile, File()],
    skip_bad_rows: bool = False,
    shop: Annotated[str, Query(max_length=64)] = "",
) -> ImportOut:
    """Phone call records (CDR) matched by common column names."""
    async with spooled(file) as path:
        return actions.import_file(session, path, UploadIn("calls", skip_bad_rows, shop))


@router.get("/aliases/{shop_id}", response_model=AliasesOut, dependencies=[MANAGERS])
def get_aliases(shop_id: ShopId, session: DbSession) -> AliasesOut:
    """The other names this shop goes by in exports (店铺名称, the 店铺 of 店铺:客服)."""
    return AliasesOut(shop=shop_id, aliases=actions.shop_aliases(session, shop_id))


@router.put("/aliases/{shop_id}", response_model=AliasesOut, dependencies=[MANAGERS])
def put_aliases(shop_id: ShopId, body: AliasesIn, session: DbSession) -> AliasesOut:
    """Replace the shop's alias list (an alias moves here from any other shop)."""
    return AliasesOut(shop=shop_id, aliases=actions.set_shop_aliases(session, shop_id, body.aliases))
