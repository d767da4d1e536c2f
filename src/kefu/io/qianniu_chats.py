"""Qianniu (千牛) chat exports read row by row: the web query page's text and the per-buyer Excel.

**Web query page** (聊天记录查询, text copied from the page): a date line, then per
message its ``HH:MM:SS``, its text, and the sender (``店铺:客服`` or the buyer).

**Per-buyer Excel** (browser-script export): a summary sheet, then one sheet per buyer
with 发送时间 (HH:MM:SS), 发送内容, 发送账号, 账号类型; the date is ``--date``, else the
date in the file name.

The account before the colon is the shop, after it the agent (a sub-account); a main
account without colon is both. Both exports are a day's page or sheet at a time, so a
Python loop per message is fine here; the client's text log, which can hold a month of
a big shop, is read column-wise by ``kefu.io.qianniu_log``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from kefu.domain.errors import RowError
from kefu.io.chats import ChatBatch, ChatRows, bad_date, file_date
from kefu.io.table import bad_encoding, load_workbook, read_head, sheet_rows, sniff_encoding

WEB_TIME = re.compile(r"^\d{1,2}:\d{2}:\d{2}$")
WEB_DATE = re.compile(r"^(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?$")
XLSX_COLUMNS = ("发送时间", "发送内容", "发送账号", "账号类型")


def account(name: str) -> tuple[str, str]:
    """'旗舰店:小美' → ('旗舰店', '小美'); a main account 'xx旗舰店' → ('xx旗舰店', 'xx旗舰店')."""
    for sep in (":", "："):
        if sep in name:
            shop, _, agent = name.partition(sep)
            return shop.strip(), agent.strip()
    return name.strip(), name.strip()


def _is_account(name: str) -> bool:
    return ":" in name or "：" in name


def read_web_text(path: Path, name: str, day: date | None, out: ChatRows) -> Iterator[ChatBatch]:
    """Text copied from the web 聊天记录查询 page: date lines, then time / text… / sender blocks."""
    encoding = sniff_encoding(read_head(path), name)
    try:
        lines = path.read_text(encoding=encoding).splitlines()
    except UnicodeDecodeError:
        raise bad_encoding(name) from None
    current = day
    blocks: list[tuple[int, str, str, list[str]]] = []  # (line, date, time, lines)
    for n, raw in enumerate(lines, start=1):
        text = raw.strip()
        dm = WEB_DATE.match(text)
        if dm:
            current = date(int(dm.group(1)), int(dm.group(2)), int(dm.group(3)))
        elif WEB_TIME.match(text):
            if current is None:
                out.error(bad_date(n, name))
                continue
            blocks.append((n, current.isoformat(), text, []))
        elif blocks and text:
            blocks[-1][3].append(raw.rstrip())
    yield from _senders(blocks, name, out)


def _senders(blocks: list[tuple[int, str, str, list[str]]], name: str, out: ChatRows,
             kinds: dict[int, str] | None = None) -> Iterator[ChatBatch]:  # fmt: skip
    """Blocks (row, day, time, [text…, sender]) → messages.

    Agents are accounts (``店铺:客服``) or rows typed 客服; everyone else is the buyer. A
    buyer's message goes to the agent who last wrote before it (else the next one); an
    agent's message to the buyer who last wrote before it (else the first buyer).
    """
    parsed: list[tuple[int, str, str, bool, str]] = []  # (row, ts, sender, is_agent, body)
    for n, day, hms, text in blocks:
        if len(text) < 2 or not text[-1].strip():
            out.error(RowError(n, "sender", "缺少发送账号", "no sender", name))
            continue
        sender = text[-1].strip()
        agent_side = kinds[n] == "客服" if kinds and n in kinds else _is_account(sender)
        parsed.append((n, f"{day} {hms}", sender, agent_side, "\n".join(text[:-1]).strip()))
    before = _nearest(parsed, agents=True, forward=True)
    after = _nearest(parsed, agents=True, forward=False)
    buyer_before = _nearest(parsed, agents=False, forward=True)
    first_buyer = next((p[2] for p in parsed if not p[3]), "")
    for i, (n, ts, sender, agent_side, body) in enumerate(parsed):
        if agent_side:
            buyer = buyer_before[i] or first_buyer
            if not buyer:
                out.error(RowError(n, "buyer", "找不到该消息的买家", "no buyer for this message", name))
                continue
            shop, agent = account(sender)
            out.add(n, shop, buyer, agent, ts, "out", body)
        else:
            who = before[i] or after[i]
            if not who:
                out.error(RowError(n, "agent", "找不到接待该买家的客服", "no agent for this buyer", name))
                continue
            shop, agent = account(who)
            out.add(n, shop, sender, agent, ts, "in", body)
        if out.ready():
            yield out.take()
    yield out.take()


def _nearest(parsed: list[tuple[int, str, str, bool, str]], agents: bool, forward: bool) -> list[str]:
    """For each message, the last (forward) or next (backward) sender of the wanted side, '' if none."""
    out = [""] * len(parsed)
    last = ""
    order = range(len(parsed)) if forward else range(len(parsed) - 1, -1, -1)
    for i in order:
        out[i] = last
        if parsed[i][3] == agents:
            last = parsed[i][2]
    return out


def read_buyer_excel(path: Path, name: str, day: date | None, out: ChatRows) -> Iterator[ChatBatch]:
    """Per-buyer Excel: every sheet with 发送时间/发送内容/发送账号 columns is one buyer's conversation."""
    when = day or file_date(path.name)
    wb = load_workbook(path)
    try:
        for sheet in wb.worksheets:
            rows = sheet_rows(sheet)
            header = [h.strip() for h in next(rows, [])]
            if not all(c in header for c in XLSX_COLUMNS[:3]):
                continue
            at = {c: header.index(c) for c in (*XLSX_COLUMNS, "客户名") if c in header}
            blocks: list[tuple[int, str, str, list[str]]] = []
            kinds: dict[int, str] = {}
            for k, cells in enumerate(rows, start=2):
                n = k
                if when is None:
                    out.error(bad_date(n, name))
                    continue
                cell = {c: (cells[i] if i < len(cells) else "") for c, i in at.items()}
                blocks.append((n, when.isoformat(), cell["发送时间"].strip(), [cell["发送内容"], cell["发送账号"]]))
                if "账号类型" in cell:
                    kinds[n] = cell["账号类型"].strip()
            yield from _senders(blocks, name, out, kinds)
    finally:
        wb.close()
