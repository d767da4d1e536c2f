"""Platform assessment profiles (``profiles.toml``): the response rules each platform judges shops by.

Why data: Taobao counts a 3-minute response rate, JD a 30-second one within other hours;
which applies to a shop is a setting, and a platform changing its rule is a TOML edit.
A profile holds values of :class:`kefu.credit.rules.CreditRules` fields only.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from kefu.domain.errors import bad_argument


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    source: str  # the platform rule it encodes, cited
    values: dict[str, Any]  # CreditRules field → value


@cache
def profiles() -> dict[str, Profile]:
    raw = tomllib.loads(files("kefu.credit").joinpath("profiles.toml").read_text("utf-8"))
    return {name: Profile(name, p.pop("title"), p.pop("source"), p) for name, p in raw.items()}


def profile(name: str) -> Profile:
    """The named profile; an unknown name is a bilingual error listing the known ones."""
    known = profiles()
    if name not in known:
        names = ", ".join(sorted(known))
        raise bad_argument("profile", f"未知的平台考核规则 '{name}' (可选: {names})",
                           f"unknown platform profile '{name}' (known: {names})")  # fmt: skip
    return known[name]
