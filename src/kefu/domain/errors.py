"""Errors that carry a stable code and a message in Chinese and English.

Callers branch on ``code``, never on message text. The API turns a KefuError
into a 4xx JSON body ``{"code", "message", "message_en", "details"}``; the CLI
prints both languages and exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    """Every error code kefu can raise, grouped by area."""

    # generic input
    BAD_REQUEST = "BAD_REQUEST"
    BAD_ARGUMENT = "BAD_ARGUMENT"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    # auth
    UNAUTHORIZED = "UNAUTHORIZED"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMITED = "RATE_LIMITED"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    PASSWORD_WEAK = "PASSWORD_WEAK"
    PASSWORD_CHANGE_REQUIRED = "PASSWORD_CHANGE_REQUIRED"
    # installation
    CONFIG_INVALID = "CONFIG_INVALID"
    DB_UNAVAILABLE = "DB_UNAVAILABLE"
    # import / files
    IMPORT_BAD_FILE = "IMPORT_BAD_FILE"
    IMPORT_BAD_ENCODING = "IMPORT_BAD_ENCODING"
    IMPORT_MISSING_COLUMN = "IMPORT_MISSING_COLUMN"
    IMPORT_BAD_ROW = "IMPORT_BAD_ROW"
    # plan
    ROSTER_INFEASIBLE = "ROSTER_INFEASIBLE"
    FORECAST_NO_HISTORY = "FORECAST_NO_HISTORY"
    # live
    AGENT_UNKNOWN = "AGENT_UNKNOWN"
    AGENT_AT_CAPACITY = "AGENT_AT_CAPACITY"
    AGENT_HAS_OPEN_CONVERSATIONS = "AGENT_HAS_OPEN_CONVERSATIONS"
    CONVERSATION_UNKNOWN = "CONVERSATION_UNKNOWN"
    CONVERSATION_CLOSED = "CONVERSATION_CLOSED"
    # credit / kpi
    KPI_SCHEME_INVALID = "KPI_SCHEME_INVALID"
    # duty / care
    RULE_INVALID = "RULE_INVALID"
    NOTIFY_FAILED = "NOTIFY_FAILED"
    TEMPLATE_VARIABLE_MISSING = "TEMPLATE_VARIABLE_MISSING"
    TICKET_BAD_TRANSITION = "TICKET_BAD_TRANSITION"
    SURVEY_ALREADY_ANSWERED = "SURVEY_ALREADY_ANSWERED"
    SURVEY_EXISTS = "SURVEY_EXISTS"
    SURVEY_TOKEN_INVALID = "SURVEY_TOKEN_INVALID"
    REQUEST_BAD_TRANSITION = "REQUEST_BAD_TRANSITION"  # leave / swap / overtime request in the wrong status
    ROSTER_RULE_BROKEN = "ROSTER_RULE_BROKEN"  # a change would break a hard roster rule (named in details)


@dataclass(frozen=True)
class RowError:
    """One bad cell or row of an input file: where it is and why, in both languages."""

    row: int  # 1-based data row as a spreadsheet user counts it (header = row 1)
    column: str
    reason_zh: str
    reason_en: str
    file: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "reason": self.reason_zh,
            "reason_en": self.reason_en,
        }

    def __str__(self) -> str:
        where = f"{self.file} " if self.file else ""
        return f"{where}第{self.row}行 [{self.column}] {self.reason_zh} / row {self.row} [{self.column}] {self.reason_en}"


# An answer lists the first bad rows and the count: a 50 MB file with every row bad answered a
# 266 MB error list. The command line prints the first 50; `--skip-bad-rows` writes them all to a file.
ROW_ERRORS_SHOWN = 100


@dataclass
class KefuError(Exception):
    """A failure a manager can read and a program can branch on."""

    code: ErrorCode
    message: str  # Chinese, shown first
    message_en: str
    details: dict[str, Any] = field(default_factory=dict)
    rows: list[RowError] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(f"{self.code}: {self.message} / {self.message_en}")

    @property
    def http_status(self) -> int:
        return _HTTP_STATUS.get(self.code, 400)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": str(self.code),
            "message": self.message,
            "message_en": self.message_en,
        }
        if self.details:
            body["details"] = self.details
        if self.rows:
            body["rows"] = [r.as_dict() for r in self.rows[:ROW_ERRORS_SHOWN]]
            if len(self.rows) > ROW_ERRORS_SHOWN:
                body["rows_total"] = len(self.rows)
        return body


_HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.AGENT_UNKNOWN: 404,
    ErrorCode.CONVERSATION_UNKNOWN: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.TEMPLATE_VARIABLE_MISSING: 422,
    ErrorCode.TICKET_BAD_TRANSITION: 409,
    ErrorCode.SURVEY_ALREADY_ANSWERED: 409,
    ErrorCode.SURVEY_EXISTS: 409,
    ErrorCode.SURVEY_TOKEN_INVALID: 403,
    ErrorCode.REQUEST_BAD_TRANSITION: 409,
    ErrorCode.ROSTER_RULE_BROKEN: 409,
    ErrorCode.CONVERSATION_CLOSED: 409,
    ErrorCode.AGENT_AT_CAPACITY: 409,
    ErrorCode.AGENT_HAS_OPEN_CONVERSATIONS: 409,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.BAD_SIGNATURE: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.PASSWORD_CHANGE_REQUIRED: 403,
    ErrorCode.PASSWORD_WEAK: 422,
    ErrorCode.DB_UNAVAILABLE: 503,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.ROSTER_INFEASIBLE: 422,
    ErrorCode.IMPORT_BAD_FILE: 422,
    ErrorCode.IMPORT_BAD_ENCODING: 422,
    ErrorCode.IMPORT_MISSING_COLUMN: 422,
    ErrorCode.IMPORT_BAD_ROW: 422,
}


def bad_argument(name: str, zh: str, en: str, **details: Any) -> KefuError:
    """A bad command-line or API argument, e.g. a negative count."""
    return KefuError(ErrorCode.BAD_ARGUMENT, f"参数 {name}: {zh}", f"argument {name}: {en}", {"argument": name, **details})


def not_found(what: str, key: object) -> KefuError:
    return KefuError(ErrorCode.NOT_FOUND, f"未找到{what}: {key}", f"{what} not found: {key}", {"key": str(key)})


def bad_rows(file: str, rows: list[RowError]) -> KefuError:
    """A file rejected because of bad rows; nothing from it may be stored."""
    return KefuError(
        ErrorCode.IMPORT_BAD_ROW,
        f"文件 {file} 有 {len(rows)} 处错误, 未导入任何数据",
        f"file {file} has {len(rows)} bad rows; nothing was imported",
        {"file": file, "bad_rows": len(rows)},
        rows,
    )
