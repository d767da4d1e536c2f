"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from kefu import __version__
from kefu.api.deps import DbSession
from kefu.service.schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthOut)
def health(session: DbSession) -> HealthOut:
    session.execute(text("select 1"))
    return HealthOut(status="ok", version=__version__, database=session.get_bind().dialect.name)
