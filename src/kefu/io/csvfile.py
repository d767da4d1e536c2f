"""Small-file reader helpers (rosters, duty rules): encoding detection (GBK or UTF-8) and the bad-cell signal.

Why: managers' files come from Excel in GBK or UTF-8; every such reader decodes through
here so a wrong encoding gives the same clear, bilingual error. Exports from the
platforms (orders, chats) are read column-wise by ``kefu.io.table`` instead.
"""

from __future__ import annotations

from pathlib import Path

from kefu.domain.errors import ErrorCode, KefuError

ENCODINGS = ("utf-8-sig", "gb18030")  # gb18030 ⊇ GBK ⊇ GB2312


class BadCell(ValueError):
    """One bad cell while parsing a row: the column and the reason in both languages.

    Row parsers raise it; the file reader catches it, adds the row number and
    collects a RowError, so a whole file's problems are reported at once.
    """

    def __init__(self, column: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.column, self.zh, self.en = column, zh, en


def decode(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding) — UTF-8 (with or without BOM) first, then GBK/GB18030; anything else is refused."""
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise KefuError(
        ErrorCode.IMPORT_BAD_ENCODING,
        f"文件 {name} 既不是 UTF-8 也不是 GBK 编码",
        f"file {name} is neither UTF-8 nor GBK encoded",
        {"file": name},
    )


def read_text(path: Path) -> tuple[str, str]:
    """(text, encoding) of a file; unreadable or wrongly encoded files are a KefuError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KefuError(
            ErrorCode.IMPORT_BAD_FILE, f"无法读取文件 {path}", f"cannot read file {path}"
        ) from exc
    return decode(data, path.name)
