"""Integration tokens for admins: list them and revoke one (a revoked token gets 401).

Tokens are created with ``kefu tokens create --name …``, which prints the
secret once; the API never returns a secret.
"""

from __future__ import annotations

from fastapi import APIRouter

from kefu.api.deps import Caller, DbSession, require_roles
from kefu.service.org import actions as org
from kefu.service.org.schemas import TokenOut

router = APIRouter(tags=["auth"])


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(session: DbSession, _: Caller = require_roles("admin")) -> list[TokenOut]:
    return org.list_tokens(session)


@router.post("/tokens/{name}/revoke", response_model=TokenOut)
def revoke_token(name: str, session: DbSession, _: Caller = require_roles("admin")) -> TokenOut:
    return org.revoke_token(session, name)
