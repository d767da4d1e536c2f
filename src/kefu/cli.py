"""The ``kefu`` command. Thin: each command parses arguments and calls one service function.

Command groups live in ``kefu.commands.<area>``; each module there exposes
``register(app)`` and is picked up here, so areas add commands without
editing this file. A KefuError prints in Chinese and English and exits 2.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer
from rich.console import Console
from rich.markup import escape

from kefu import __version__, commands
from kefu.config import get_settings, install_clock
from kefu.domain.errors import KefuError

app = typer.Typer(
    name="kefu",
    help="kefu (客服): 排班预测、现场分流、绩效核算 / plan, run and credit a customer-service team.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True, soft_wrap=True)  # never break an error line (scripts grep it)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kefu {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """kefu (客服)."""
    install_clock(get_settings())


def _register(name: str) -> None:
    module = importlib.import_module(f"{commands.__name__}.{name}")
    register = getattr(module, "register", None)
    if callable(register):
        register(app)


def _register_commands(argv: list[str]) -> None:
    """Every command module registers its commands. A call that names a group whose module has the
    same name (``kefu care bot-ask``) imports only that module: the other areas' database layers
    would cost seconds before the FAQ bot's first answer (issue 21: ≤ 1 s)."""
    names = sorted(info.name for info in pkgutil.iter_modules(commands.__path__))
    wanted = argv[1] if len(argv) > 1 else ""
    if wanted in names:
        _register(wanted)
        if any(group.name == wanted for group in app.registered_groups):
            return
    for name in names:
        if name != wanted:
            _register(name)


_register_commands(sys.argv)


def report_error(exc: KefuError) -> None:
    """Print a KefuError for a person: both languages, then each bad row."""
    err_console.print(f"[bold red]错误 {exc.code}[/]: {escape(exc.message)}")
    err_console.print(f"[red]error {exc.code}[/]: {escape(exc.message_en)}")
    for row in exc.rows[:50]:
        err_console.print(f"  - {escape(str(row))}")
    if len(exc.rows) > 50:
        err_console.print(f"  … 另有 {len(exc.rows) - 50} 处 / {len(exc.rows) - 50} more")


def main() -> None:
    """Entry point: usage errors exit 2 (click), KefuError prints both languages and exits 2."""
    try:
        app()
    except KefuError as exc:
        report_error(exc)
        sys.exit(2)
