"""Who may do what: the roles, the one role check, and who may see which rows.

Roles decide which use-cases a caller may run at all. There is one check,
:func:`check_role`, and two doors that call it: the API's ``require_roles``
dependency (``kefu.api.deps``; every route declares exactly one, which the
permission matrix ``tests/api/test_permissions.py`` enumerates) and the
dashboard's ``kefu_page(roles=…)``. The role sets below are the vocabulary both use.

Some use-cases are open to agents but
only on their *own* rows; that check depends on the data, so it lives here, in
the service layer, where API, dashboard and CLI share it (issue 15, holes 4 and 18):

* an agent acts for its own agent id only (status, workspace, worked time,
  ledger, figures, tasks, handovers) — another agent's id is 403;
* an agent serves the shop of its agent row; an agent without a shop serves
  every shop (the router's rule, ``kefu.live.model.AgentState.serves``);
* an agent reads and works only the conversations and tickets assigned to it,
  and tickets only in a shop it serves;
* supervisors, admins and integrations are not limited here (a supervisor's
  team filter on lists is a view, applied by the lists themselves).

The caller is anything with ``role`` and ``agent_id`` (the API's ``Caller``, the
dashboard's ``UserOut``); an agent account not linked to an agent row sees nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from kefu.domain.errors import ErrorCode, KefuError
from kefu.store.models.live import Conversation
from kefu.store.models.org import Agent


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    AGENT = "agent"
    INTEGRATION = "integration"  # a bearer token, never a dashboard account


ACCOUNT_ROLES: tuple[str, ...] = (Role.ADMIN, Role.SUPERVISOR, Role.AGENT)  # people who sign in
ALL_ROLES: tuple[str, ...] = (*ACCOUNT_ROLES, Role.INTEGRATION)  # any caller; scope is checked per row
MANAGER_ROLES: tuple[str, ...] = (Role.ADMIN, Role.SUPERVISOR, Role.INTEGRATION)  # floor-wide views, planning
STAFF_MANAGERS: tuple[str, ...] = (Role.ADMIN, Role.SUPERVISOR)  # people who manage staff and configuration


def check_roles_known(roles: tuple[str, ...]) -> None:
    """A declaration names only real roles (a typo would lock everyone out, silently)."""
    for role in roles:
        if role not in ALL_ROLES:
            raise ValueError(f"unknown role {role!r}")


def may(role: str, roles: tuple[str, ...]) -> bool:
    return role in roles


def check_role(role: str, roles: tuple[str, ...]) -> None:
    """The one role check: 403 FORBIDDEN unless ``role`` is one of ``roles``."""
    if not may(role, roles):
        raise forbidden("没有权限", "permission denied", role=role)


class Viewer(Protocol):
    """The caller as scope checks see it."""

    @property
    def role(self) -> str: ...

    @property
    def agent_id(self) -> str | None: ...


def forbidden(zh: str, en: str, **details: object) -> KefuError:
    return KefuError(ErrorCode.FORBIDDEN, zh, en, dict(details))


def is_agent(viewer: Viewer | None) -> bool:
    return viewer is not None and viewer.role == "agent"


def agent_of(viewer: Viewer) -> str:
    """The agent id of an agent caller (403 when the account is not linked to an agent)."""
    if not viewer.agent_id:
        raise forbidden("账号未绑定客服", "account is not linked to an agent")
    return viewer.agent_id


def own_agent(viewer: Viewer | None, agent_id: str | None) -> str | None:
    """The agent id a caller may use: an agent gets its own (``None`` → its own, another → 403)."""
    if not is_agent(viewer):
        return agent_id
    assert viewer is not None
    mine = agent_of(viewer)
    if agent_id not in (None, mine):
        raise forbidden("只能查看或操作自己的记录", "agents may see and act only on their own records",
                        agent=agent_id)
    return mine


def sees_agent(viewer: Viewer | None, agent_id: str | None) -> bool:
    """Whether a row of ``agent_id`` belongs in this caller's lists (agents: only their own)."""
    return not is_agent(viewer) or (viewer is not None and bool(viewer.agent_id) and viewer.agent_id == agent_id)


def agent_shop(session: Session, viewer: Viewer) -> str | None:
    """The shop an agent caller serves; ``None`` = every shop (an agent row without a shop)."""
    shop = session.scalar(select(Agent.shop_id).where(Agent.id == agent_of(viewer)))
    return None if shop is None else str(shop)


def serves(session: Session, viewer: Viewer | None, shop_id: str) -> bool:
    if not is_agent(viewer):
        return True
    assert viewer is not None
    shop = agent_shop(session, viewer)
    return shop is None or shop == shop_id


def require_shop(session: Session, viewer: Viewer | None, shop_id: str) -> None:
    """403 unless the caller may work in ``shop_id`` (agents: the shop they serve)."""
    if not serves(session, viewer, shop_id):
        raise forbidden(f"不负责店铺 {shop_id}", f"you do not serve shop {shop_id}", shop=shop_id)


def own_conversation(session: Session, viewer: Viewer | None, conversation_id: int) -> None:
    """Agents may read and act on only the conversations assigned to them (unknown ids: 404 later)."""
    if not is_agent(viewer):
        return
    assert viewer is not None
    owner = session.execute(select(Conversation.agent_id).where(Conversation.id == conversation_id)).first()
    if owner is not None and owner[0] != agent_of(viewer):
        raise forbidden("只能处理分配给自己的会话", "agents may act only on their own conversations",
                        conversation=conversation_id)


def own_row(viewer: Viewer | None, owner: str | None, what_zh: str, what_en: str, key: object) -> None:
    """403 when an agent reaches for a row (task, ticket…) that is not assigned to it."""
    if is_agent(viewer) and not sees_agent(viewer, owner):
        raise forbidden(f"只能处理自己的{what_zh}", f"agents may see and act only on their own {what_en}",
                        id=str(key))
