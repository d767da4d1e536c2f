"""The Qianniu (千牛) client's chat-log text export, read column-wise.

Layout (GBK / UTF-8 / UTF-16, CRLF): a buyer's message opens with
``买家 --> 店铺:客服 2026-11-03 10:00:00``, an agent's with ``店铺:客服 2026-11-03 10:00:02``
(sometimes ``店铺:客服 --> 买家 …``, or no space before the time); its text follows on its own
lines; status lines 已读 / 未读 / 发送中 may close a message; "X 撤回了一条消息" lines are
recalls, not text. One file holds many buyers: an agent's message belongs to the buyer of
the latest buyer line (before the first one, to the next buyer).

Why column-wise: a big shop's month is 15–20 M messages. The text is split into lines,
header lines are recognised and split by RE2 over the whole batch, each line gets its
message number (a running count of headers), bodies are the lines between headers joined
by Arrow, and the buyer of an agent's message is a forward fill — no Python per message.
Memory is bounded by READ_BYTES of text plus the unfinished last message.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kefu.domain.errors import RowError
from kefu.io.chats import ChatBatch, ChatRows
from kefu.io.table import bad_encoding, read_head, read_share, sniff_encoding

READ_BYTES = 8 << 20
HEADER = r"^(?P<head>.*\S) ?(?P<ts>\d{4}-\d\d?-\d\d? \d\d?:\d\d:\d\d)[ \t]*$"
CANDIDATE = r"\d:\d\d:\d\d[ \t]*$"  # cheap first pass: the line ends with a time
FULL_TS = 19  # YYYY-MM-DD HH:MM:SS
FULL_TS_FORM = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"
NON_BLANK_END = r"[^\t\n\f\r ]$"  # RE2's \S: what HEADER's head must end with
PARTIES = r"^(?P<who>.*?)(?: --> (?P<to>.*))?$"  # what _split_first(head, " --> ") gives
ACCOUNT = r"^(?P<shop>[^:：]*?)\s*[:：]\s*(?P<agent>.*)$"  # what the split at the first colon and RE2_SPACE trims give
RE2_SPACE = "\t\n\f\r "  # RE2's \s
STATUS = pa.array(["已读", "未读", "发送中"])
RECALL = "撤回了一条消息"  # a recall line ends so (on trimmed lines: a suffix test, no regex)


@dataclass
class _State:
    line: int = 1  # line number of the first line not yet read
    buyer: str | None = None  # the buyer of the latest buyer line so far
    started: bool = False  # a header line has been seen


def read_text_log(path: Path, name: str, out: ChatRows) -> Iterator[ChatBatch]:
    encoding = sniff_encoding(read_head(path), name)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    state = _State()
    carry = ""
    with path.open("rb") as fh:
        out.share = read_share(fh, path.stat().st_size)
        while True:
            raw = fh.read(READ_BYTES)
            final = not raw
            try:
                text = (carry + decoder.decode(raw, final=final)).replace("\r\n", "\n")
            except UnicodeDecodeError:
                raise bad_encoding(name) from None
            lines = pc.list_flatten(pc.split_pattern(pa.array([text], pa.large_string()), "\n"))
            if final and len(lines) and lines[len(lines) - 1].as_py() == "":
                lines = lines.slice(0, len(lines) - 1)
            where, heads = _headers(lines)
            is_head = np.zeros(len(lines), dtype=bool)
            is_head[where] = True
            upto = len(lines) if final else _last_complete(is_head)
            mine = int(np.searchsorted(where, upto))
            if state.buyer is None and not final and not _names_buyer(heads.slice(0, mine)):
                upto = 0  # agents' messages before any buyer line wait for the first buyer
            if upto:
                batch = _messages(lines.slice(0, upto), heads.slice(0, mine), is_head[:upto], state, out)
                if batch is not None:
                    yield batch
            carry = "\n".join(lines.slice(upto).to_pylist()) if not final else ""
            if final:
                return


def _headers(lines: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Positions of the header lines and their (head, ts) parts: lines ending with a time, then split."""
    candidates = np.flatnonzero(pc.match_substring_regex(lines, CANDIDATE).to_numpy(zero_copy_only=False))
    parts = _split_headers(lines.take(pa.array(candidates)))
    valid = pc.is_valid(parts)
    return candidates[valid.to_numpy(zero_copy_only=False)], parts.filter(valid)


def _split_headers(lines: pa.Array) -> pa.StructArray:
    """HEADER's (head, ts) of each line, null where it does not match — most lines without running HEADER.

    Capturing with RE2 was the reader's largest cost. A line whose last 19 characters (after
    trailing blanks) are a full ``YYYY-MM-DD HH:MM:SS`` can only match HEADER with those as
    its time (no shorter or longer suffix fits ``\\d{4}-\\d\\d?-\\d\\d? \\d\\d?:\\d\\d:\\d\\d``), so its head is
    the rest less one space, and it matches when that ends with a non-blank: slices and a
    capture-free match do it. Other lines (short dates, ``9:05:00``) go through HEADER.
    """
    line = pc.utf8_rtrim(lines, characters=" \t")
    ts = pc.utf8_slice_codeunits(line, -FULL_TS)
    rest = pc.utf8_slice_codeunits(line, 0, -FULL_TS)
    head = pc.if_else(pc.ends_with(rest, " "), pc.utf8_slice_codeunits(rest, 0, -1), rest)
    full = pc.match_substring_regex(ts, FULL_TS_FORM)
    ok = pc.and_(full, pc.match_substring_regex(head, NON_BLANK_END))
    head, ts = (pc.if_else(ok, a, pa.scalar(None, a.type)) for a in (head, ts))
    other = pc.invert(full)
    if pc.any(other).as_py():
        slow = pc.extract_regex(lines.filter(other), HEADER)
        head = pc.replace_with_mask(head, other, pc.struct_field(slow, "head"))
        ts = pc.replace_with_mask(ts, other, pc.struct_field(slow, "ts"))
    return pa.StructArray.from_arrays([head, ts], names=["head", "ts"], mask=pc.is_null(head))


def _last_complete(is_head: np.ndarray) -> int:
    """Lines safe to read now: up to the last header (its message may go on), never the last, possibly cut, line."""
    found = np.flatnonzero(is_head[:-1])
    if len(found):
        return int(found[-1])
    return 0


def _names_buyer(heads: pa.Array) -> bool:
    """Does a header among these name a buyer (``买家 --> 店铺:客服`` or ``店铺:客服 --> 买家``)?"""
    return bool(pc.any(pc.match_substring(pc.struct_field(heads, "head"), " --> ")).as_py())


def _messages(lines: pa.Array, heads: pa.Array, is_head: np.ndarray, state: _State,
              out: ChatRows) -> ChatBatch | None:  # fmt: skip
    n = len(lines)
    idx = np.arange(n)
    msg = np.cumsum(is_head) - 1
    first_line = state.line
    state.line += n
    trimmed = pc.utf8_trim_whitespace(lines)
    blank = pc.equal(trimmed, "").to_numpy(zero_copy_only=False)
    recall = pc.ends_with(trimmed, RECALL).to_numpy(zero_copy_only=False)
    if not state.started:
        for k in np.flatnonzero((msg < 0) & ~blank & ~recall):
            out.error(RowError(first_line + int(k), "text", "消息头行之前的文字", "text before any message header line",
                               out.file))  # fmt: skip
        state.started = bool(is_head.any())
    starts = np.flatnonzero(is_head)
    if not len(starts):
        return None
    body = ~is_head & (msg >= 0) & ~recall
    content = body & ~blank & ~pc.is_in(trimmed, value_set=STATUS).to_numpy(zero_copy_only=False)
    first = np.full(len(starts), n)
    last = np.full(len(starts), -1)
    np.minimum.at(first, msg[content], idx[content])
    np.maximum.at(last, msg[content], idx[content])
    mine = np.clip(msg, 0, None)
    keep = np.flatnonzero(body & (idx >= first[mine]) & (idx <= last[mine]))
    offsets = np.searchsorted(msg[keep], np.arange(len(starts) + 1)).astype(np.int32)
    values = pc.utf8_rtrim_whitespace(lines.take(pa.array(keep)))
    text = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), pc.cast(values, pa.string())), "\n")
    head = pc.struct_field(heads, "head")
    ts = pc.cast(pc.struct_field(heads, "ts"), pa.string())
    who, to = _split_first(head, " --> ")  # PARTIES
    who = pc.cast(pc.utf8_trim_whitespace(who), pa.string())
    to = pc.cast(pc.utf8_trim_whitespace(to), pa.string())
    to = pc.if_else(pc.equal(to, ""), pa.scalar(None, pa.string()), to)
    inbound = pc.fill_null(pc.and_(pc.is_valid(to), pc.or_(_account(to), pc.invert(_account(who)))), False)
    seat = pc.if_else(inbound, to, who)
    shop, agent = _split_first(seat, "[:：]", regex=True)  # ACCOUNT
    named = pc.is_valid(agent)
    shop = pc.if_else(named, pc.utf8_rtrim(shop, characters=RE2_SPACE), seat)
    agent = pc.coalesce(pc.utf8_ltrim(agent, characters=RE2_SPACE), seat)
    buyer = pc.fill_null_forward(pc.if_else(inbound, who, to))
    if state.buyer is not None:
        buyer = pc.fill_null(buyer, state.buyer)
    named = buyer.drop_null()
    if len(named):
        state.buyer = named[len(named) - 1].as_py()
    buyer = pc.fill_null_backward(buyer)
    rows = pa.array(first_line + starts, pa.int64())
    for k in np.flatnonzero(pc.is_null(buyer).to_numpy(zero_copy_only=False)):
        out.error(RowError(int(rows[k].as_py()), "buyer", "找不到该消息的买家", "no buyer for this message", out.file))
    found = pc.is_valid(buyer)
    direction = pc.if_else(inbound, "in", "out")
    return out.batch(*(pc.filter(c, found) for c in (rows, shop, buyer, agent, ts, direction, text)))


def _split_first(values: pa.Array, pattern: str, regex: bool = False) -> tuple[pa.Array, pa.Array]:
    """The text before the first ``pattern`` and after it (null when absent): PARTIES and ACCOUNT without captures.

    RE2 capturing ran at a fifth of the reader's time; a split is a plain search.
    """
    split = pc.split_pattern_regex if regex else pc.split_pattern
    parts = split(values, pattern, max_splits=1)
    two = pc.fill_null(pc.equal(pc.list_value_length(parts), 2), False)
    after = pc.replace_with_mask(pa.nulls(len(values), values.type), two, pc.list_flatten(pc.list_slice(parts, 1, 2)))
    return pc.list_element(parts, 0), after


def _account(name: pa.Array) -> pa.Array:
    """Names of the shop side: sub-accounts written 店铺:客服."""
    return pc.or_(pc.match_substring(name, ":"), pc.match_substring(name, "："))
