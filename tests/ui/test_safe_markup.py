"""Data never becomes markup in the dashboard (issue 15, hole 2).

``.props('data-testid="shift-' + code + '"')`` parsed the stored shift code
``x" onmouseover="alert(1)"`` into an ``onmouseover`` attribute: hovering the row
ran the supervisor's script in the admin's browser. Two guards: the source of
every page passes only literal text to ``.props``/``.classes``/``.style`` and
never calls ``ui.html``/``ui.markdown``; and a stored odd value renders as text.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from nicegui import ui

import kefu.ui
from kefu.service.org.schemas import ShiftOut
from kefu.ui.pages.settings import shift_row
from kefu.ui.widgets import testid as set_testid

PROBE = 'x" onmouseover="alert(1)"'
UI_SOURCES = sorted(Path(kefu.ui.__file__).parent.rglob("*.py"))
STYLING = {"props", "classes", "style", "default_props", "default_classes", "default_style"}
MARKUP = {"html", "markdown", "mermaid", "add_head_html", "add_body_html", "run_javascript", "interactive_image"}


def _literal(node: ast.expr) -> bool:
    """Text fixed in the source: a string, ``"a" + ("b" if x else "")``, or a conditional between such."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str | type(None))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal(node.left) and _literal(node.right)
    if isinstance(node, ast.IfExp):
        return _literal(node.body) and _literal(node.orelse)
    return False


def _offences(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        args = [*node.args, *(k.value for k in node.keywords)]
        name = node.func.attr
        if (name in STYLING and not all(_literal(a) for a in args)) or name in MARKUP:
            out.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:100]}")
    return out


def test_the_scan_sees_the_hole_it_guards_against(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("ui.row().props(f'data-testid=\"shift-{code}\"')\nui.html(text)\nui.label(x).classes('a ' + c)\n")
    assert len(_offences(bad)) == 3


def test_no_page_builds_props_classes_style_or_html_from_data() -> None:
    assert len(UI_SOURCES) > 10
    assert [o for path in UI_SOURCES for o in _offences(path)] == []


@pytest.mark.parametrize("code", [PROBE, 'x" onmouseover="alert(1)', "白班"])
def test_a_stored_odd_shift_code_renders_as_text(code: str) -> None:
    row = shift_row(ShiftOut(1, "demo", code, "09:00", "17:00", False, False), lambda _id: None)
    assert dict(row.props) == {"data-testid": f"shift-{code}"}  # one attribute, its value escaped by Vue
    texts = [child.text for child in row.default_slot.children if isinstance(child, ui.label)]
    assert texts[0] == f"demo · {code}"


def test_what_the_settings_page_did_turned_data_into_an_event_handler() -> None:
    parsed = ui.row().props('data-testid="shift-' + 'x" onmouseover="alert(1)' + '"')
    assert parsed.props["onmouseover"] == "alert(1)"


def test_testid_sets_one_attribute() -> None:
    label = set_testid(ui.label(PROBE), f"task-{PROBE}")
    assert dict(label.props) == {"data-testid": f"task-{PROBE}"}
    assert label.text == PROBE
