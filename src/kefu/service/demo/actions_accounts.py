"""The demo shop's accounts, where their first passwords are kept, and the login page's hint.

Every demo password is random per installation and printed once, so each must
be changed at first sign-in (``must_change_password``). ``kefu demo`` also
writes them to ``<KEFU_DATA_DIR>/first-run-credentials.txt``, readable only by
its owner, so a first-time user who missed the console can still sign in.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kefu.config import get_settings
from kefu.domain.timeutil import utc_now
from kefu.service.org import actions as org
from kefu.service.org import passwords
from kefu.store.models.org import Shop, User

DEMO_SHOP_ID = "demo"
DEMO_SUPERVISOR = "demo"
CREDENTIALS_FILE = "first-run-credentials.txt"


@dataclass(frozen=True)
class DemoLogin:
    """What the login page may say about the demo: its account and where its first password is."""

    username: str
    credentials_file: str


def create(session: Session, agent_ids: list[str], agent_names: list[str], demo_pw: str) -> tuple[int, str]:
    """Admin (its own random password), supervisor ``demo`` and one login per agent (sharing ``demo_pw``).

    ``demo_pw`` comes from ``passwords.generate("demo")``; agent ids are kefu's
    ``kfNN``. Returns (accounts created, the admin's password or "" when it
    existed). The agents' argon2 hash is computed once and reused: hashing is
    deliberately slow (~0.1–0.7 s each here).
    """
    created = 0
    admin_pw = ""
    if session.scalar(select(User).where(User.username == "admin")) is None:
        admin_pw = passwords.generate("admin")
        org.create_user(session, "admin", admin_pw, "admin", display_name="管理员", must_change_password=True)
        created += 1
    sup = session.scalar(select(User).where(User.username == DEMO_SUPERVISOR))
    if sup is None:
        made = org.create_user(session, DEMO_SUPERVISOR, demo_pw, "supervisor", display_name="演示主管",
                               must_change_password=True)
        created += 1
        agent_hash = session.get_one(User, made.id).password_hash
    else:  # an existing ``demo`` account keeps its own password; the agents still get ``demo_pw``
        agent_hash = org.hash_password("", demo_pw)
    taken = set(session.scalars(select(User.username).where(User.username.in_(agent_ids))))
    rows = [
        {"username": aid, "display_name": name, "password_hash": agent_hash, "role": "agent",
         "agent_id": aid, "team": "", "locale": "zh", "active": True, "created_at": utc_now(),
         "session_version": 0, "must_change_password": True}
        for aid, name in zip(agent_ids, agent_names, strict=True) if aid not in taken
    ]  # fmt: skip
    if rows:
        session.execute(insert(User), rows)
    return created + len(rows), admin_pw


def credential_lines(supervisor: str, demo_pw: str, agents: int, admin: str, admin_pw: str) -> list[str]:
    lines = [
        "# kefu first-run credentials / 首次运行的账号密码",
        "# 每个密码在首次登录时必须修改 / each password must be changed at first sign-in",
    ]
    if admin_pw:
        lines.append(f"{admin}\t{admin_pw}\tadmin 管理员")
    lines.append(f"{supervisor}\t{demo_pw}\tsupervisor 主管")
    lines.append(f"kf01..kf{agents:02d}\t{demo_pw}\tagents 客服")
    return lines


def write_credentials(folder: Path, lines: list[str]) -> Path:
    """Write ``lines`` to ``folder/first-run-credentials.txt``, mode 0600 (written whole, then renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / CREDENTIALS_FILE
    fd, tmp = tempfile.mkstemp(prefix=".credentials-", dir=folder)  # created 0600
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(tmp, target)
    return target


def demo_login(session: Session) -> DemoLogin | None:
    """The demo hint for the login page, only while the demo shop and its supervisor account exist."""
    shop = session.get(Shop, DEMO_SHOP_ID)
    if shop is None or not (shop.settings or {}).get("demo"):
        return None
    user = session.scalar(select(User).where(User.username == DEMO_SUPERVISOR, User.active.is_(True)))
    if user is None:
        return None
    return DemoLogin(DEMO_SUPERVISOR, str(get_settings().data_dir / CREDENTIALS_FILE))
