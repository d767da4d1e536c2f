"""The password policy every new password passes: create, change, reset.

At least 10 characters, not the username (nor containing it), and not one of
the common passwords in ``data/common_passwords.txt`` (1,772 entries of 10+
characters from the list Django ships; see its header) nor kefu's own
well-known strings. Each refusal is a ``PASSWORD_WEAK`` error in Chinese and
English naming the rule, so a person knows what to type instead.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from importlib import resources

from kefu.domain.errors import ErrorCode, KefuError

MIN_LENGTH = 10
MAX_LENGTH = 256
# strings that were public in kefu itself: the old demo password and the old built-in session key
KEFU_PUBLIC = frozenset({"kefu-demo-2026", "kefu-dev-secret-change-me"})


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("kefu.service").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#")) | KEFU_PUBLIC


def _weak(zh: str, en: str, rule: str) -> KefuError:
    return KefuError(ErrorCode.PASSWORD_WEAK, f"密码太弱: {zh}", f"password too weak: {en}", {"rule": rule})


def check(username: str, password: str) -> None:
    """Raise ``PASSWORD_WEAK`` unless ``password`` is acceptable for ``username``."""
    if len(password) < MIN_LENGTH:
        raise _weak(f"至少 {MIN_LENGTH} 个字符", f"it needs at least {MIN_LENGTH} characters", "length")
    if len(password) > MAX_LENGTH:
        raise _weak(f"最多 {MAX_LENGTH} 个字符", f"it may have at most {MAX_LENGTH} characters", "length")
    name = username.strip().lower()
    lowered = password.lower()
    if name and (lowered == name or (len(name) >= 3 and name in lowered)):
        raise _weak("不能与用户名相同或包含用户名", "it must not be or contain the username", "username")
    if lowered in common_passwords():
        raise _weak("这是常见密码, 请换一个不易猜到的", "it is a common password; choose one that is hard to guess",
                    "common")


def generate(username: str = "") -> str:
    """A random password (16 URL-safe characters) that passes :func:`check` for ``username``.

    For a person to type once and then change. A draw that happens to contain
    the username is drawn again (about one in a million for short names).
    """
    while True:
        password = secrets.token_urlsafe(12)
        try:
            check(username, password)
        except KefuError:
            continue
        return password
