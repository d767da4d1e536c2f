"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from kefu import __version__
from kefu.api.deps import DbSession

router = APIRouter(tags=["health"])


@router.get("/health")
def health(session: DbSession) -> dict[str, str]:
    session.execute(text("select 1"))
    return {"status": "ok", "version": __version__, "database": session.get_bind().dialect.name}
