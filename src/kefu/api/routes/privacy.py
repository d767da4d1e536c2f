"""Privacy API: a supervisor reveals one record's personal data; the reveal is an audit event.

Everything else shows buyers' phones, ID numbers, emails and addresses masked for
supervisors and agents (kefu.domain.privacy); this is the one door to the whole text.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from kefu.api.deps import STAFF_MANAGERS, Caller, DbSession, require_roles
from kefu.service.org import actions_privacy as privacy
from kefu.service.org.schemas import Revealed, RevealIn

router = APIRouter(prefix="/privacy", tags=["privacy"])


@router.post("/reveal", response_model=Revealed)
def reveal(body: RevealIn, session: DbSession, caller: Annotated[Caller, require_roles(*STAFF_MANAGERS)]) -> Revealed:
    """The unmasked texts of one conversation, ticket, order, logbook entry or handover note."""
    return privacy.reveal(session, body.subject, role=caller.role, actor=caller.name)
