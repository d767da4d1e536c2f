"""Chat records → validated message rows: the documented CSV/Excel schema and a text-export adapter.

CSV/Excel columns (matched by name, Chinese or English): shop 店铺, buyer 买家,
agent 客服, time 时间, direction 方向 (in/out or 买家/客服), text 内容, optional auto
自动回复 (0/1). The text adapter reads chat-log exports where a line
``name (YYYY-MM-DD HH:MM:SS):`` opens a message and the following lines are its text;
a name with a colon (主账号:子账号) or listed in ``agents`` is the agent side, and
text starting with [自动回复] is an auto-reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kefu.domain.errors import RowError
from kefu.io.csvfile import match_columns, parse_time, read_table, read_text

COLUMNS: dict[str, tuple[str, ...]] = {
    "shop": ("shop", "店铺"),
    "buyer": ("buyer", "买家"),
    "agent": ("agent", "客服"),
    "time": ("time", "ts", "时间"),
    "direction": ("direction", "方向"),
    "text": ("text", "内容", "消息"),
    "auto": ("auto", "自动回复"),
}
REQUIRED = ("buyer", "agent", "time", "direction")
DIRECTIONS = {"in": "in", "out": "out", "买家": "in", "客服": "out", "收": "in", "发": "out"}
HEADER_LINE = re.compile(
    r"^(?P<name>.+?)\s*[(（](?P<ts>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})[)）]\s*[:：]\s*$"
)
AUTO_MARKS = ("[自动回复]", "【自动回复】", "[auto]")


@dataclass(frozen=True)
class ChatRow:
    row: int
    shop: str
    buyer: str
    agent: str
    ts: datetime
    direction: str
    auto: bool
    text: str

    @property
    def key(self) -> tuple[str, str, str, datetime, str, str]:
        """Natural key: re-importing the same record changes nothing."""
        return (self.shop, self.buyer, self.agent, self.ts, self.direction, self.text)


def parse_table(path: Path, shop: str = "") -> tuple[list[ChatRow], list[RowError]]:
    header, rows = read_table(path)
    col = match_columns(header, COLUMNS, REQUIRED, path.name)
    out: list[ChatRow] = []
    errors: list[RowError] = []

    def cell(values: list[str], field: str) -> str:
        i = col.get(field)
        return values[i] if i is not None and i < len(values) else ""

    for n, values in enumerate(rows, start=2):
        errs = []
        ts = parse_time(cell(values, "time"))
        if ts is None:
            errs.append(RowError(n, COLUMNS["time"][0], f"无法识别的时间 '{cell(values, 'time')}'",
                                 f"unreadable time '{cell(values, 'time')}'", path.name))  # fmt: skip
        direction = DIRECTIONS.get(cell(values, "direction").lower(), "")
        if not direction:
            errs.append(RowError(n, COLUMNS["direction"][0], "方向应为 in/out (买家/客服)",
                                 "direction must be in/out", path.name))  # fmt: skip
        for field in ("buyer", "agent"):
            if not cell(values, field):
                errs.append(RowError(n, COLUMNS[field][0], "不能为空", "must not be empty", path.name))
        auto_text = cell(values, "auto") or "0"
        if auto_text not in ("0", "1", "是", "否", "true", "false", "True", "False"):
            errs.append(RowError(n, COLUMNS["auto"][0], "应为 0 或 1", "must be 0 or 1", path.name))
        shop_name = cell(values, "shop") or shop
        if not shop_name:
            errs.append(RowError(n, "shop", "缺少店铺 (用 --shop 指定)", "no shop (use --shop)", path.name))
        if errs:
            errors.extend(errs)
            continue
        assert ts is not None
        out.append(ChatRow(n, shop_name, cell(values, "buyer"), cell(values, "agent"), ts, direction,
                           auto_text in ("1", "是", "true", "True"), cell(values, "text")))  # fmt: skip
    return out, errors


def parse_text_export(
    path: Path, shop: str, agents: frozenset[str] = frozenset()
) -> tuple[list[ChatRow], list[RowError]]:
    """One exported conversation: header lines ``name (YYYY-MM-DD HH:MM:SS):`` then text lines."""
    text, _ = read_text(path)
    blocks: list[tuple[int, str, datetime | None, str, list[str]]] = []
    errors: list[RowError] = []
    for n, line in enumerate(text.splitlines(), start=1):
        m = HEADER_LINE.match(line.strip())
        if m:
            ts_text = m.group("ts")
            blocks.append((n, m.group("name").strip(), parse_time(ts_text), ts_text, []))
        elif blocks:
            blocks[-1][4].append(line)
        elif line.strip():
            errors.append(
                RowError(
                    n,
                    "text",
                    "消息前缺少 '名字 (时间):' 行",
                    "text before any 'name (time):' line",
                    path.name,
                )
            )
    if not shop:
        errors.append(RowError(1, "shop", "请用 --shop 指定店铺", "use --shop to name the shop", path.name))

    def is_agent(name: str) -> bool:
        return name in agents or ":" in name or "：" in name

    names = [b[1] for b in blocks]
    buyers = sorted({nm for nm in names if not is_agent(nm)})
    if len(buyers) > 1:
        errors.append(
            RowError(
                1,
                "name",
                f"一个文件应只有一位买家, 发现 {buyers}",
                f"one buyer per file expected, found {buyers}",
                path.name,
            )
        )
    if not any(is_agent(nm) for nm in names) and blocks:
        errors.append(
            RowError(
                1,
                "name",
                "没有找到客服账号 (含冒号的子账号)",
                "no agent account found (sub-account with a colon)",
                path.name,
            )
        )
    out: list[ChatRow] = []
    first_agent = next((nm for nm in names if is_agent(nm)), "")
    current = first_agent
    buyer = buyers[0] if buyers else ""
    for n, name, ts, ts_text, lines in blocks:
        if ts is None:
            errors.append(
                RowError(n, "time", f"无法识别的时间 '{ts_text}'", f"unreadable time '{ts_text}'", path.name)
            )
            continue
        body = "\n".join(lines).strip()
        if is_agent(name):
            current = name
            auto = body.startswith(AUTO_MARKS)
            out.append(ChatRow(n, shop, buyer, name, ts, "out", auto, body))
        else:
            out.append(ChatRow(n, shop, buyer, current, ts, "in", False, body))
    return out, errors


def parse(
    path: Path, shop: str = "", agents: frozenset[str] = frozenset()
) -> tuple[list[ChatRow], list[RowError]]:
    """Pick the reader by file type: .txt → text export, else CSV/Excel schema."""
    if path.suffix.lower() == ".txt":
        return parse_text_export(path, shop, agents)
    return parse_table(path, shop)
