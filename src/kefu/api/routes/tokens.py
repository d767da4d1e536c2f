"""Integration tokens for admins: list them and revoke one (a revoked token gets 401).

Tokens are created with ``kefu tokens create --name …``, which prints the
secret once; the API never returns a secret.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from kefu.api.deps import Caller, DbSession, require_roles
from kefu.service import auth

router = APIRouter(tags=["auth"])


class TokenOut(BaseModel):
    name: str
    created_at: datetime
    revoked: bool
    revoked_at: datetime | None


def _out(token: auth.TokenInfo) -> TokenOut:
    return TokenOut(name=token.name, created_at=token.created_at, revoked=token.revoked,
                    revoked_at=token.revoked_at)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(session: DbSession, _: Caller = require_roles("admin")) -> list[TokenOut]:
    return [_out(t) for t in auth.list_tokens(session)]


@router.post("/tokens/{name}/revoke", response_model=TokenOut)
def revoke_token(name: str, session: DbSession, _: Caller = require_roles("admin")) -> TokenOut:
    return _out(auth.revoke_token(session, name))
