"""``kefu care …``: seed and search reply templates, ask the FAQ bot, monthly and weekly reviews.

Thin: parse arguments, call :mod:`kefu.service.care` in one transaction, print.
``bot-ask`` and ``bot-eval`` need no database when ``--shop`` is not given (shipped KB
only), so they work on a fresh checkout; both use the cached index (built once).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from kefu.domain.timeutil import parse_day


def _db() -> Any:
    from kefu.config import get_settings
    from kefu.store.db import transaction
    from kefu.store.migrate import upgrade

    upgrade(get_settings().database_url)
    return transaction()


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def register(app: typer.Typer) -> None:
    care_app = typer.Typer(
        help="工单、模板、问答机器人、记录本 / tickets, templates, FAQ bot, logbooks", no_args_is_help=True
    )

    @care_app.command("seed-templates")
    def seed_templates_cmd(
        shop: str | None = typer.Option(None, "--shop", help="shop id; default: shared library"),
    ) -> None:
        """载入内置快捷短语与 SOP / load the shipped reply templates and SOPs (idempotent)."""
        from kefu.service.care import actions_templates as templates

        with _db() as session:
            typer.echo(f"added={templates.seed_templates(session, shop)}")

    @care_app.command("templates")
    def templates_cmd(
        query: str = typer.Argument("", help="keyword, category or pinyin initials (wl → 物流)"),
        shop: str | None = typer.Option(None, "--shop"),
        limit: int = typer.Option(20, "--limit", min=1, max=200),
    ) -> None:
        """搜索快捷短语 / search reply templates."""
        from kefu.service.care import actions_templates as templates

        with _db() as session:
            hits = templates.search_templates(session, query, shop_id=shop, limit=limit)
        table = Table("id", "分类", "标题", "变量", "使用次数")
        for h in hits:
            table.add_row(
                str(h["id"]), h["category"], h["title"], " ".join(h["variables"]), str(h["usage_count"])
            )
        Console().print(table)

    @care_app.command("render")
    def render_cmd(
        template_id: int = typer.Argument(..., min=1),
        var: list[str] = typer.Option([], "--var", help="变量=值, e.g. --var 买家=小王 (repeatable)"),
    ) -> None:
        """填充模板变量并计数 / render a template with variables (counts one use)."""
        from kefu.domain.errors import bad_argument
        from kefu.service.care import actions_templates as templates

        values: dict[str, Any] = {}
        for item in var:
            if "=" not in item:
                raise bad_argument("--var", f"应为 名称=值: {item}", f"expected name=value: {item}")
            k, v = item.split("=", 1)
            values[k.strip()] = v
        with _db() as session:
            typer.echo(templates.render_template(session, template_id, values)["text"])

    @care_app.command("bot-ask")
    def bot_ask_cmd(
        question: str = typer.Argument(..., help="the buyer's message"),
        mode: str = typer.Option("bot_first", "--mode", help="human_first | bot_first | mixed"),
        shop: str | None = typer.Option(
            None, "--shop", help="use this shop's FAQ rows and settings (needs the DB)"
        ),
    ) -> None:
        """问答机器人回答或转人工 / what the FAQ bot does with one buyer message."""
        from kefu.service.care import actions_bot as bot

        if shop is None:
            _print_json(bot.bot_ask(question, mode))
            return
        with _db() as session:
            _print_json(bot.bot_answer(session, question, mode, shop_id=shop))

    @care_app.command("bot-eval")
    def bot_eval_cmd(
        questions: Path = typer.Argument(..., help="QUESTIONS.csv: column question, UTF-8"),
        out: Path = typer.Option(..., "--out", help="ANSWERS.csv: question,action,intent,confidence,reason"),
        shop: str | None = typer.Option(None, "--shop", help="use this shop's FAQ rows, facts and threshold"),
    ) -> None:
        """问答机器人批量评测 / answer every question of a file in bot_first mode (one process, one index)."""
        from kefu.service.care import actions_bot as bot

        if shop is None:
            summary = bot.bot_eval_csv(questions, out)
        else:
            with _db() as session:
                summary = bot.bot_eval_csv(questions, out, session=session, shop_id=shop)
        typer.echo(
            f"questions={summary.questions} answered={summary.answered} handed_over={summary.handed_over}"
        )

    @care_app.command("root-causes")
    def root_causes_cmd(
        month: str = typer.Argument(..., help="YYYY-MM"), shop: str | None = typer.Option(None, "--shop")
    ) -> None:
        """月度投诉根因汇总 / monthly root-cause summary of tickets."""
        from kefu.service.care import actions_tickets as tickets

        with _db() as session:
            _print_json(tickets.root_cause_summary(session, month, shop_id=shop))

    @care_app.command("weekly-issues")
    def weekly_cmd(
        shop: str = typer.Option(..., "--shop"),
        day: str = typer.Option(..., "--day", help="any day of the week"),
    ) -> None:
        """问题登记本周汇总 / weekly summary of the issue register."""
        from kefu.service.care import actions_books as books

        with _db() as session:
            # the operator reads the database directly anyway: the CLI shows texts whole, like an admin
            _print_json(books.weekly_issue_summary(session, shop_id=shop, day=parse_day(day), role="admin"))

    @care_app.command("service-stats")
    def stats_cmd(
        day: str = typer.Option(..., "--day"), shop: str | None = typer.Option(None, "--shop")
    ) -> None:
        """服务统计本(计算得出) / computed served, converted and conversion rate per agent."""
        from kefu.service.care import actions_books as books

        with _db() as session:
            rows = books.service_stats(session, parse_day(day), shop_id=shop)
        table = Table("客服", "接待", "成交", "转化率", "订单", "金额(分)")
        for r in rows:
            table.add_row(
                r["agent_id"],
                str(r["served"]),
                str(r["converted"]),
                str(r["conversion_rate"]),
                str(r["orders"]),
                str(r["amount_fen"]),
            )
        Console().print(table)

    app.add_typer(care_app, name="care")
