"""Spreadsheet-safe cells: user text never becomes a formula in an Excel or CSV export.

Why: buyer nicknames, agent names, shift codes and order ids come from outside.
A buyer named ``=HYPERLINK("http://evil","点我")`` would be a live formula in the KPI
workbook, and a CSV cell starting with ``=`` ``+`` ``-`` ``@`` (or a tab / carriage
return, which Excel strips before looking) is evaluated when the file is opened
(CSV / formula injection). Every human-facing export writes its cells through here:

* CSV: a formula-like text gets a leading apostrophe (``'=HYPERLINK(…)``), the
  OWASP advice; kefu's own readers drop that apostrophe again (:func:`unquote`), so
  an exported roster reads back unchanged.
* Excel: a formula-like text is written as an explicit string cell with Excel's
  "quote prefix" style, so the cell shows the text exactly and stays text when edited.

Numbers stay numbers: an ``int`` -5 is not text, and a text that is a plain number
(``-5``, ``+3.5``, ``-1e3``) is not a formula either. The machine-read contract files
of ``kefu credit run`` are not written through here (docs/security.md says why).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CSV readers import this module; openpyxl loads only when a workbook is written
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would read ``text`` as a formula (and it is not just a signed number)."""
    return bool(text) and text[0] in FORMULA_START and not _PLAIN_NUMBER.fullmatch(text)


def csv_cell(value: Any) -> Any:
    """A value for a CSV writer: formula-like text gets a leading ``'``; everything else is unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def unquote(text: str) -> str:
    """Undo :func:`csv_cell` when reading a file kefu (or a careful spreadsheet) wrote."""
    if text.startswith("'") and is_formula_like(text[1:]):
        return text[1:]
    return text


def xlsx_append(ws: Worksheet, values: Iterable[Any]) -> None:
    """``ws.append`` with every formula-like text written as a quote-prefixed string cell."""
    row = list(values)
    ws.append(["" if isinstance(v, str) and is_formula_like(v) else v for v in row])
    r = ws.max_row
    for col, value in enumerate(row, start=1):
        if isinstance(value, str) and is_formula_like(value):
            text_cell(ws.cell(r, col), value)


def text_cell(cell: Cell, text: str) -> None:
    """Put ``text`` in ``cell`` as a string, never a formula, whatever its first character."""
    cell.value = text  # openpyxl guesses "f" (formula) for a leading "="; the type is set explicitly below
    cell.data_type = "s"
    cell.quotePrefix = True
