"""In / Out models of the imports area: the import report, what the API answers, aliases, credit of imported data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field

from kefu.domain.errors import RowError
from kefu.service.schemas import ApiIn

Progress = Callable[[int, int], None]


@dataclass
class Counts:
    """What one batch's upsert did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


@dataclass
class ImportReport:
    """What one import did; ``summary()`` is the line every import command ends with."""

    file: str
    rows: int = 0  # good rows read
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RowError] = field(default_factory=list)
    layout: str = ""
    linked: int = 0  # buyer-less orders linked to a conversation by their order number
    unlinked: list[str] = field(default_factory=list)  # buyer-less orders no conversation mentions
    extra: list[str] = field(default_factory=list)  # figures of the file worth a line (calls: answer rate)

    def add(self, counts: Counts) -> None:
        self.inserted += counts.inserted
        self.updated += counts.updated
        self.unchanged += counts.unchanged

    def notes(self) -> list[str]:
        """Lines shown before the summary: the layout read, and orders still without a buyer."""
        out = [f"格式 / layout: {self.layout}"] if self.layout else []
        if self.linked or self.unlinked:
            shown = ", ".join(self.unlinked[:10]) + (" …" if len(self.unlinked) > 10 else "")
            out.append(
                f"无买家昵称的订单: 按聊天中的订单号关联 {self.linked} 单, 未关联 {len(self.unlinked)} 单 (不计入静默) / "
                f"orders without buyer: {self.linked} linked by order number in chats, {len(self.unlinked)} unlinked "
                f"(not counted as silent)" + (f": {shown}" if shown else "")
            )
        return out + self.extra

    def summary(self) -> str:
        return (
            f"{self.file}: 读取 {self.rows} 行, 新增 {self.inserted}, 更新 {self.updated}, 未变 {self.unchanged}, "
            f"拒绝 {len(self.rejected)} / read {self.rows}, inserted {self.inserted}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {len(self.rejected)}"
        )


class RowErrorOut(BaseModel):
    file: str
    row: int
    column: str
    reason: str
    reason_en: str


class ImportOut(BaseModel):
    """An upload's import as the API answers it (``/imports/*`` and ``POST /credit/import/{kind}``)."""

    file: str
    layout: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    rejected: list[RowErrorOut]  # the first ROW_ERRORS_SHOWN
    rejected_total: int
    linked: int
    unlinked: list[str]


@dataclass(frozen=True)
class UploadIn:
    """The options of an uploaded file's import; those of other kinds are ignored."""

    kind: str  # orders | chats | calls
    skip_bad_rows: bool = False
    shop: str = ""
    platform: str = "auto"  # orders
    fmt: str = "auto"  # chats
    day: date | None = None  # chats


class AliasesIn(ApiIn):
    aliases: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(max_length=200)


class AliasesOut(BaseModel):
    shop: str
    aliases: list[str]


@dataclass(frozen=True)
class ShopCreditIn:
    """``kefu credit run --shop S --from D --to D --out DIR``; an option left as None keeps the shop's setting."""

    shop: str
    first: date
    last: date
    out: Path
    rule: str | None = None
    window_hours: float | None = None
    session_gap_min: float | None = None


@dataclass(frozen=True)
class ShopCreditOut:
    """What ``credit run --shop`` wrote: the same figures the CSV path prints, plus orders left out."""

    orders: int
    credited: int
    silent: int
    agent_days: int
    unlinked: int  # orders in the range without a buyer: not credited, not silent
    out: Path
