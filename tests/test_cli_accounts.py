"""``kefu users create|reset-password``, ``kefu tokens list|revoke`` and ``kefu db upgrade`` errors.

Issue 15: no way to create the first admin without the demo (hole 6), no token
revocation (hole 20), a 154-line traceback for a missing PostgreSQL database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from kefu.service.org import actions as org
from kefu.store.db import make_engine, session_factory
from kefu.store.models.org import User

PG_URL = os.environ.get("KEFU_TEST_POSTGRES_URL", "")


def kefu(*args: str, db: str, tmp: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {"KEFU_DATABASE_URL": db, "KEFU_DATA_DIR": str(tmp / "var"), "PATH": "/usr/bin:/bin",
           "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "kefu", *args], capture_output=True, text=True, env=env,
                          input=stdin, timeout=120, check=False)


def _user(db: str, username: str) -> User:
    engine = make_engine(db)
    try:
        with session_factory(engine)() as s:
            user = s.scalar(select(User).where(User.username == username))
            assert user is not None
            return user
    finally:
        engine.dispose()


def test_first_admin_typed_generated_and_reset(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    typed = kefu("users", "create", "boss", "--role", "admin", db=db, tmp=tmp_path,
                 stdin="harbour-lights-17\nharbour-lights-17\n")
    assert typed.returncode == 0, typed.stderr
    assert "account created: boss (admin)" in typed.stdout and "password / password" not in typed.stdout
    boss = _user(db, "boss")
    assert (boss.role, boss.must_change_password, org.verify(boss, "harbour-lights-17")) == ("admin", False, True)

    generated = kefu("users", "create", "sup", "--role", "supervisor", "--generate", "--team", "A", db=db,
                     tmp=tmp_path)
    assert generated.returncode == 0, generated.stderr
    password = generated.stdout.split("密码 / password: ")[1].split()[0]
    sup = _user(db, "sup")
    assert (sup.team, sup.must_change_password, org.verify(sup, password)) == ("A", True, True)

    weak = kefu("users", "create", "sup2", "--role", "supervisor", "--password", "12345678", db=db, tmp=tmp_path)
    assert weak.returncode == 2
    assert "PASSWORD_WEAK" in weak.stderr and "至少 10 个字符" in weak.stderr and "at least 10" in weak.stderr
    bad_role = kefu("users", "create", "x", "--role", "root", "--generate", db=db, tmp=tmp_path)
    assert bad_role.returncode == 2 and "unknown role: root" in bad_role.stderr

    reset = kefu("users", "reset-password", "boss", db=db, tmp=tmp_path)
    assert reset.returncode == 0, reset.stderr
    temporary = reset.stdout.split("临时密码 / temporary password: ")[1].split()[0]
    boss = _user(db, "boss")
    assert (boss.must_change_password, boss.session_version, org.verify(boss, temporary)) == (True, 1, True)
    missing = kefu("users", "reset-password", "nobody", db=db, tmp=tmp_path)
    assert missing.returncode == 2 and "NOT_FOUND" in missing.stderr


def test_tokens_list_and_revoke(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    secret = kefu("tokens", "create", "--name", "erp", db=db, tmp=tmp_path).stdout.strip()
    assert kefu("token", "create", "--name", "bi", db=db, tmp=tmp_path).returncode == 0  # the old group name
    listed = kefu("tokens", "list", db=db, tmp=tmp_path)
    assert listed.returncode == 0 and "erp" in listed.stdout and "bi" in listed.stdout
    assert secret not in listed.stdout
    revoked = kefu("tokens", "revoke", "erp", db=db, tmp=tmp_path)
    assert revoked.returncode == 0 and "token revoked: erp" in revoked.stdout
    engine = make_engine(db)
    try:
        with session_factory(engine)() as s, pytest.raises(Exception, match="invalid token"):
            org.check_token(s, secret)
    finally:
        engine.dispose()
    assert kefu("tokens", "revoke", "nope", db=db, tmp=tmp_path).returncode == 2


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _assert_clean_db_error(result: subprocess.CompletedProcess[str], where: str) -> None:
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(f"错误 DB_UNAVAILABLE: 无法连接数据库 {where}")
    assert lines[1].startswith(f"error DB_UNAVAILABLE: cannot reach the database {where}")
    assert "secret-pw" not in result.stderr


def test_db_upgrade_against_a_server_that_does_not_answer(tmp_path: Path) -> None:
    port = _closed_port()
    result = kefu("db", "upgrade", db=f"postgresql://kefu:secret-pw@127.0.0.1:{port}/kefu", tmp=tmp_path)
    _assert_clean_db_error(result, f"127.0.0.1:{port}/kefu")
    assert "refused" in result.stderr


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="KEFU_TEST_POSTGRES_URL not set")
def test_db_upgrade_against_a_database_that_does_not_exist(tmp_path: Path) -> None:
    base = PG_URL.rsplit("/", 1)[0]
    result = kefu("db", "upgrade", db=f"{base}/kefu_no_such_db_15", tmp=tmp_path)
    _assert_clean_db_error(result, base.split("@")[-1] + "/kefu_no_such_db_15")
    assert 'database "kefu_no_such_db_15" does not exist' in result.stderr
