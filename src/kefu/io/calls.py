"""Call detail records (CDR) of the phone channel → call rows, columns matched by their common names.

Call-centre systems name their export columns differently (主叫号码 / 来电号码, 坐席工号 /
工号 / 分机号, 通话时长 in seconds or ``HH:MM:SS``); a column is found by any of its usual
names. Direction comes from 呼叫类型 (呼入/呼出), talk time from 通话时长, else from
接通时间 → 结束时间. A call is answered when it has a 接通时间 or a talk time above zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc

from kefu.domain.errors import ErrorCode, KefuError, RowError
from kefu.domain.timeutil import SHOP_TZ
from kefu.io import columns as col
from kefu.io.table import Batch, open_table

COLUMNS: dict[str, tuple[str, ...]] = {
    "caller": ("主叫号码", "主叫", "来电号码", "客户号码", "caller"),
    "callee": ("被叫号码", "被叫", "callee"),
    "kind": ("呼叫类型", "通话类型", "呼叫方向", "方向", "direction"),
    "start": ("开始时间", "呼叫时间", "通话开始时间", "来电时间", "start"),
    "answered": ("接通时间", "应答时间", "answered"),
    "end": ("结束时间", "挂机时间", "end"),
    "talk": ("通话时长", "通话时长(秒)", "时长", "talk_s"),
    "agent": ("坐席工号", "坐席", "工号", "客服工号", "坐席编号", "agent"),
    "recording": ("录音", "录音文件", "录音地址", "recording"),
}
REQUIRED = ("caller", "start")
KINDS = {"呼入": "in", "来电": "in", "in": "in", "inbound": "in", "呼出": "out", "去电": "out", "外呼": "out",
         "out": "out", "outbound": "out"}  # fmt: skip


@dataclass
class CallFile:
    name: str
    batches: Iterator[pa.Table]
    errors: list[RowError] = field(default_factory=list)


def _seconds(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """'75' / '00:01:15' / '1:15' → seconds; ``bad`` for anything else present."""
    parts = pc.extract_regex(arr, r"^(?:(?:(?P<h>\d+):)?(?P<m>\d{1,2}):)?(?P<s>\d+)$")
    ok = pc.is_valid(parts)

    def num(name: str) -> pa.Array:
        text = pc.struct_field(parts, name)
        return pc.cast(pc.if_else(pc.equal(pc.fill_null(text, ""), ""), "0", text), pa.int64())

    total = pc.add(pc.add(pc.multiply(num("h"), 3600), pc.multiply(num("m"), 60)), num("s"))
    bad = pc.and_(pc.is_valid(arr), pc.invert(pc.fill_null(ok, False)))
    return pc.if_else(ok, total, pa.scalar(None, pa.int64())), bad


def read_calls(path: Path, shop: str, tz: ZoneInfo = SHOP_TZ) -> CallFile:
    table = open_table(Path(path))
    found = {f: next(a for a in names if a in table.header) for f, names in COLUMNS.items()
             if any(a in table.header for a in names)}  # fmt: skip
    missing = [COLUMNS[f][0] for f in REQUIRED if f not in found]
    if missing:
        raise KefuError(ErrorCode.IMPORT_MISSING_COLUMN, f"文件 {table.name} 缺少列: {', '.join(missing)}",
                        f"file {table.name} is missing columns: {', '.join(missing)}",
                        {"file": table.name, "missing": missing})  # fmt: skip
    out = CallFile(table.name, iter(()), list(table.bad_rows))
    out.batches = (_calls(batch, found, shop, tz, out) for batch in table.batches)
    return out


def _calls(batch: Batch, found: dict[str, str], shop: str, tz: ZoneInfo, out: CallFile) -> pa.Table:
    """One batch of CDR rows → call columns; bad cells go to ``out.errors`` and their rows are left out."""

    def get(fld: str) -> pa.Array:
        if fld not in found:
            return pa.nulls(batch.rows, pa.string())
        return col.text(batch.columns[found[fld]], ("-", "--"))

    bad_rows: set[int] = set()

    def bad(mask: pa.Array, fld: str, zh: str, en: str, values: pa.Array | None = None) -> None:
        for k in col.rows_where(mask):
            shown = "" if values is None else (values[k].as_py() or "")
            out.errors.append(RowError(batch.first_row + k, found.get(fld, COLUMNS[fld][0]), zh.format(shown),
                                       en.format(shown), out.name))  # fmt: skip
            bad_rows.add(k)

    unreadable = ("无法识别的时间 '{}'", "unreadable time '{}'")
    start, bs = col.times(get("start"), tz)
    bad(pc.or_(bs, pc.is_null(start)), "start", *unreadable, get("start"))
    answered, ba = col.times(get("answered"), tz)
    bad(ba, "answered", *unreadable, get("answered"))
    end, be = col.times(get("end"), tz)
    bad(be, "end", *unreadable, get("end"))
    bad(pc.less(end, start), "end", "结束时间早于开始时间", "ended before it started")
    talk, bt = _seconds(get("talk"))
    bad(bt, "talk", "通话时长无法识别 '{}'", "unreadable talk time '{}'", get("talk"))
    spoke = pc.cast(pc.divide(pc.cast(pc.subtract(end, answered), pa.int64()), 1_000_000), pa.int64())
    talk = pc.coalesce(talk, spoke, 0)
    kind_text = get("kind")
    direction = pc.take(pa.array(list(KINDS.values())), pc.index_in(kind_text, value_set=pa.array(list(KINDS))))
    bad(pc.and_(pc.is_valid(kind_text), pc.is_null(direction)), "kind", "未知呼叫类型 '{}'", "unknown call type '{}'",
        kind_text)  # fmt: skip
    caller = get("caller")
    bad(pc.is_null(caller), "caller", "主叫号码为空", "empty caller number")
    keep = pc.invert(pc.is_in(pa.array(range(batch.rows), pa.int64()), pa.array(sorted(bad_rows), pa.int64())))
    return pa.table({
        "shop_id": pa.array([shop] * batch.rows, pa.string()), "caller": col.strip_apostrophe(caller),
        "callee": col.filled(get("callee")), "direction": pc.fill_null(direction, "in"), "started_at": start,
        "answered_at": answered, "ended_at": end, "talk_s": talk, "agent_id": get("agent"),
        "recording": col.filled(get("recording")),
    }).filter(keep)  # fmt: skip
