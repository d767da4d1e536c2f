"""The one pattern for identifiers people type: shift codes, agent ids, skills, teams, shop ids.

Why a strict pattern: these values end up in element ids, test ids, file names,
URLs and CSV cells. A shift code ``x" onmouseover="…"`` saved on /settings once
landed inside an HTML attribute (issue 15, hole 2). The UI no longer builds
markup from data, but an identifier has no business holding quotes, spaces,
angle brackets or ``=`` in the first place, so the service layer refuses them
before anything is stored. Letters of any script (白班, 售前), digits and
``_ . - :`` are allowed (``:`` because Taobao sub-accounts read ``店铺:小美``).
"""

from __future__ import annotations

import re

from kefu.domain.errors import KefuError, bad_argument

_CODE = re.compile(r"[\w.:\-]+")


def is_code(value: str, max_len: int = 64) -> bool:
    """True when ``value`` is 1..max_len letters, digits or ``_ . - :`` (no spaces, quotes or markup)."""
    return 0 < len(value) <= max_len and _CODE.fullmatch(value) is not None


def code_error(field: str, value: str, max_len: int = 64) -> KefuError:
    return bad_argument(
        field,
        f"只能包含文字、数字和 _ . - :, 1–{max_len} 个字符, 不能有空格、引号或尖括号",
        f"only letters, digits and _ . - : (1-{max_len} characters; no spaces, quotes or angle brackets)",
        value=value[:80],
    )


def check_code(field: str, value: str, max_len: int = 64) -> str:
    """``value`` unchanged when it is a valid code, else BAD_ARGUMENT naming ``field`` (400 over HTTP)."""
    if not is_code(value, max_len):
        raise code_error(field, value, max_len)
    return value


def check_codes(field: str, values: list[str], max_len: int = 64) -> list[str]:
    return [check_code(field, v, max_len) for v in values]
