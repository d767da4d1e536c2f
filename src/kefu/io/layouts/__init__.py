"""The registry of export layouts (``orders.toml``) and header-based detection.

Why data: platforms change their exports every year or two (Taobao went from 46 to
71 columns, Qianniu dropped the buyer nickname); a new layout or a new status word
is a few lines of TOML, not a new parser. Detection picks the known layout whose
header overlaps the file's most among those whose required columns are all present;
a file that fits none is told the closest layout and exactly which columns differ.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

from kefu.domain.errors import ErrorCode, KefuError

PLATFORMS = ("taobao", "qianniu", "pdd", "jd", "douyin")
SHOWN = 8  # differing columns named in an error message


@dataclass(frozen=True)
class Layout:
    name: str
    platform: str
    title: str
    kind: Literal["orders", "items"]
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    statuses: dict[str, str]
    placeholders: frozenset[str]
    header: tuple[str, ...]
    line_per: Literal["order", "item"]
    amount_per_line: bool
    paid_implied_by_status: bool  # no payment time column: a paid status means paid at creation
    money: Literal["yuan", "fen"]  # platforms write yuan ('12.30'); our own contract CSV integer fen

    def resolve(self, header: list[str]) -> dict[str, str]:
        """Field → the file's column name (first alias present); only fields the file has."""
        have = set(header)
        out: dict[str, str] = {}
        for fld, aliases in self.columns.items():
            for alias in aliases:
                if alias in have:
                    out[fld] = alias
                    break
        return out

    def missing(self, header: list[str]) -> list[str]:
        found = self.resolve(header)
        return [self.columns[f][0] for f in self.required if f not in found]

    def label(self, fld: str) -> str:
        """The column name a user sees for a field (its first alias)."""
        return self.columns[fld][0] if fld in self.columns else fld


@cache
def order_layouts() -> dict[str, Layout]:
    data = tomllib.loads(files("kefu.io.layouts").joinpath("orders.toml").read_text(encoding="utf-8"))
    statuses = data["statuses"]
    out = {}
    for name, spec in data["layouts"].items():
        out[name] = Layout(
            name=name,
            platform=spec["platform"],
            title=spec["title"],
            kind=spec.get("kind", "orders"),
            columns={k: tuple(v) for k, v in spec["columns"].items()},
            required=tuple(spec["required"]),
            statuses=dict(statuses[spec["statuses"]]),
            placeholders=frozenset(spec.get("placeholders", ())),
            header=tuple(spec["header"]),
            line_per=spec.get("line_per", "order"),
            amount_per_line=bool(spec.get("amount_per_line", False)),
            paid_implied_by_status=bool(spec.get("paid_implied_by_status", False)),
            money=spec.get("money", "yuan"),
        )
    return out


def _score(layout: Layout, header: list[str]) -> tuple[int, int]:
    have = set(header)
    named = {a for aliases in layout.columns.values() for a in aliases}
    return (len(have & set(layout.header)), len(have & named))


def detect(header: list[str], file: str, platform: str = "auto") -> Layout:
    """The layout of a file from its header, optionally limited to one platform (``--platform``)."""
    if platform != "auto" and platform not in PLATFORMS:
        raise KefuError(
            ErrorCode.BAD_ARGUMENT,
            f"未知平台 '{platform}', 可选: auto, {', '.join(PLATFORMS)}",
            f"unknown platform '{platform}', choose auto, {', '.join(PLATFORMS)}",
            {"platform": platform},
        )
    pool = [lo for lo in order_layouts().values() if platform in ("auto", lo.platform)]
    ranked = sorted(pool, key=lambda lo: _score(lo, header), reverse=True)
    for layout in ranked:
        if not layout.missing(header):
            return layout
    closest = ranked[0]
    missing = closest.missing(header)
    absent = [c for c in closest.header if c not in set(header) and c not in missing]  # beyond the required
    extra = [c for c in header if c not in set(closest.header) and not c.startswith("#")]
    raise KefuError(
        ErrorCode.IMPORT_MISSING_COLUMN,
        f"文件 {file} 不是已知的订单导出格式; 最接近「{closest.title}」({closest.name}), "
        f"缺少列: {', '.join(missing)}; 该格式还有: {', '.join(absent[:SHOWN]) or '-'}; "
        f"文件多出: {', '.join(extra[:SHOWN]) or '-'}",
        f"file {file} is not a known order export; closest is {closest.name} ({closest.title}), "
        f"missing columns: {', '.join(missing)}; that layout also has: {', '.join(absent[:SHOWN]) or '-'}; "
        f"extra in the file: {', '.join(extra[:SHOWN]) or '-'}",
        {"file": file, "closest": closest.name, "missing": missing, "absent": absent, "extra": extra},
    )
