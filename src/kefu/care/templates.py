"""Reply templates (快捷短语) and SOP step lists: variables, rendering, search.

Agents insert templates dozens of times an hour, so search must forgive how
they type: a keyword (物流), the category, or the pinyin initials an agent
types without switching input method ("wl" → 物流, "thh" → 退换货). Rendering
refuses to send a reply with an unfilled ``{订单号}``: a buyer seeing a raw
placeholder is worse than the agent seeing an error.

Pure: plain data in, plain data out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from kefu.care import text
from kefu.domain.errors import ErrorCode, KefuError, bad_argument

CATEGORIES = (
    "售前",
    "物流",
    "签收",
    "退换",
    "尺码",
    "质量",
    "错发",
    "未发货",
    "加急",
    "差评",
    "售后",
    "其他",
)
VARIABLES = ("买家", "订单号", "物流单号", "预计天数", "退货地址")

_VAR = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Template:
    id: int
    category: str
    title: str
    body: str
    steps: tuple[str, ...] = ()
    usage_count: int = 0


@dataclass(frozen=True)
class TemplateSeed:
    category: str
    title: str
    body: str
    steps: tuple[str, ...] = field(default_factory=tuple)


def variables_in(body: str) -> list[str]:
    """Variable names in order of first appearance; ``{{``/``}}`` are literal braces."""
    seen: list[str] = []
    for name in _VAR.findall(body.replace("{{", "").replace("}}", "")):
        if name not in seen:
            seen.append(name)
    return seen


def render(body: str, values: Mapping[str, object]) -> str:
    """Fill every ``{变量}``; a missing or blank value raises TEMPLATE_VARIABLE_MISSING naming all of them."""
    needed = variables_in(body)
    missing = [n for n in needed if n not in values or str(values[n]).strip() == ""]
    if missing:
        names = ", ".join(missing)
        raise KefuError(
            ErrorCode.TEMPLATE_VARIABLE_MISSING,
            f"模板缺少变量: {names}",
            f"template variables missing: {names}",
            {"missing": missing},
        )
    out = body.replace("{{", "\x00").replace("}}", "\x01")
    out = _VAR.sub(lambda m: str(values[m.group(1)]).strip(), out)
    return out.replace("\x00", "{").replace("\x01", "}")


def validate(category: str, title: str, body: str) -> None:
    """Reject templates an agent could never send: unknown category, empty text, unbalanced braces."""
    if category not in CATEGORIES:
        raise bad_argument(
            "category", f"未知分类 {category}", f"unknown category {category}", allowed=list(CATEGORIES)
        )
    if not title.strip() or not body.strip():
        raise bad_argument("template", "标题和内容不能为空", "title and body must not be empty")
    stripped = _VAR.sub("", body.replace("{{", "").replace("}}", ""))
    if "{" in stripped or "}" in stripped:
        raise bad_argument("body", "大括号不成对", "unbalanced braces in template body")


def parse_seeds(data: Mapping[str, Any]) -> list[TemplateSeed]:
    seeds: list[TemplateSeed] = []
    for i, raw in enumerate(data.get("templates") or [], start=1):
        try:
            seed = TemplateSeed(
                str(raw["category"]), str(raw["title"]), str(raw["body"]), tuple(raw.get("steps") or ())
            )
        except (KeyError, TypeError) as exc:
            raise bad_argument("templates", f"第{i}个模板格式错误", f"template #{i} is malformed") from exc
        validate(seed.category, seed.title, seed.body)
        unknown = [v for v in variables_in(seed.body) if v not in VARIABLES]
        if unknown:
            raise bad_argument(
                "templates",
                f"第{i}个模板有未知变量 {unknown}",
                f"template #{i} has unknown variables {unknown}",
            )
        seeds.append(seed)
    return seeds


def load_seed_templates() -> list[TemplateSeed]:
    """The library shipped in ``care/data/templates.yaml``."""
    raw = resources.files("kefu.care").joinpath("data/templates.yaml").read_text(encoding="utf-8")
    return parse_seeds(yaml.safe_load(raw))


def _score(t: Template, query: str, q_ascii: bool) -> int:
    """Higher is better; 0 means no match. Categories and titles beat bodies and steps."""
    if q_ascii:
        q = query.lower()
        if text.pinyin_initials(t.category) == q:
            return 60
        title_initials = text.pinyin_initials(t.title)
        if title_initials.startswith(q):
            return 50
        if q in title_initials or q in text.pinyin_initials(t.category):
            return 40
        if len(q) >= 3 and (q in text.pinyin_full(t.title) or q in text.pinyin_full(t.category)):
            return 35
        return 0
    if query == t.category:
        return 100
    if query in t.title:
        return 80
    if query in t.category:
        return 70
    if query in t.body:
        return 30
    if any(query in s for s in t.steps):
        return 20
    return 0


def search(templates: Iterable[Template], query: str, limit: int = 20) -> list[Template]:
    """Templates matching every space-separated term of ``query`` (keyword or pinyin),
    best first, ties broken by how often agents used them. An empty query lists by usage."""
    if limit < 1:
        raise bad_argument("limit", "必须大于 0", "must be positive")
    terms = [t for t in text.normalise(query).split() if t] if query.strip() else []
    scored: list[tuple[int, Template]] = []
    for tpl in templates:
        total = 0
        for term in terms:
            s = _score(tpl, term, term.isascii())
            if s == 0:
                break
            total += s
        else:
            scored.append((total, tpl))
    scored.sort(key=lambda st: (-st[0], -st[1].usage_count, st[1].id))
    return [t for _, t in scored[:limit]]


def step_list(steps: Sequence[str]) -> str:
    """Steps as the numbered text an agent pastes into an internal note."""
    return "\n".join(f"步骤{i}: {s}" for i, s in enumerate(steps, start=1))
