"""``kefu users create`` and ``kefu users reset-password``: accounts from the shell.

The first admin of an empty production database is made here (``kefu users
create boss --role admin``), without loading the demo. A password typed at the
prompt (or given with ``--password``) is the operator's own; with
``--generate`` kefu makes one, prints it once, and its owner must change it at
first sign-in — as after every reset.
"""

from __future__ import annotations

import typer

from kefu.config import get_settings
from kefu.service.org import actions as org
from kefu.store.db import transaction
from kefu.store.migrate import upgrade


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="账号 / dashboard accounts", no_args_is_help=True)

    @group.command("create")
    def create(
        username: str = typer.Argument(..., help="登录名 / login name"),
        role: str = typer.Option(..., "--role", help="admin | supervisor | agent"),
        password: str | None = typer.Option(None, "--password", help="不给则提示输入 / prompted when omitted"),
        generate: bool = typer.Option(False, "--generate",
                                      help="生成密码并打印, 首次登录须修改 / generate one (must be changed)"),
        agent: str | None = typer.Option(None, "--agent", help="客服编号 (客服账号必填) / agent id (agents)"),
        team: str = typer.Option("", "--team", help="团队 / team"),
        name: str = typer.Option("", "--name", help="显示名 / display name"),
    ) -> None:
        """创建账号 / create an account (e.g. the first admin)."""
        if password is None and not generate:
            password = typer.prompt("密码 / password (≥ 10)", hide_input=True, confirmation_prompt=True)
        upgrade(get_settings().database_url)
        with transaction() as session:
            made = org.add_user(session, username, None if generate else password, role, agent_id=agent,
                                  team=team, display_name=name, must_change_password=False)
        typer.echo(f"账号已创建 / account created: {made.username} ({made.role})")
        if made.generated_password:
            typer.echo(f"密码 / password: {made.generated_password}")
            typer.echo("首次登录时必须修改 / it must be changed at first sign-in")

    @group.command("reset-password")
    def reset_password(
        username: str = typer.Argument(..., help="登录名 / login name"),
        password: str | None = typer.Option(None, "--password",
                                            help="临时密码; 不给则生成 / temporary password (default: generated)"),
    ) -> None:
        """重置密码: 旧会话全部失效, 下次登录须修改 / reset a password: sessions end, change forced at sign-in."""
        upgrade(get_settings().database_url)
        with transaction() as session:
            made = org.reset_password(session, username=username, new_password=password)
        typer.echo(f"密码已重置 / password reset: {made.username}")
        if made.generated_password:
            typer.echo(f"临时密码 / temporary password: {made.generated_password}")
        typer.echo("下次登录时必须修改 / it must be changed at the next sign-in")

    app.add_typer(group, name="users")
