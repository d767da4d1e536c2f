"""``kefu staffing erlang|requirement``: queue figures for one interval, head-count per interval."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from kefu.domain.errors import bad_argument


def _num(value: float) -> float | None:
    return None if not math.isfinite(value) else round(value, 7)


def register(app: typer.Typer) -> None:
    st = typer.Typer(help="人力测算 / staffing (Erlang C / Erlang A)", no_args_is_help=True)

    @st.command("erlang")
    def erlang_cmd(
        calls: float = typer.Option(..., "--calls", help="arrivals in the interval"),
        interval_s: float = typer.Option(1800, "--interval-s"),
        aht_s: float = typer.Option(..., "--aht-s", help="average handle time, seconds"),
        agents: int = typer.Option(..., "--agents"),
        target_s: float = typer.Option(20, "--target-s", help="answer within this many seconds"),
        patience_s: float | None = typer.Option(
            None, "--patience-s", help="mean patience: switches to Erlang A"
        ),
        concurrency: int = typer.Option(1, "--concurrency", help="chats one agent holds at once"),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """一个时段的等待概率、服务水平、平均应答时间、占用率 / queue figures for one interval."""
        from kefu.plan.staffing import erlang_a, erlang_c

        if patience_s is None:
            res = erlang_c(calls, interval_s, aht_s, agents, target_s, concurrency=concurrency)
        else:
            res = erlang_a(calls, interval_s, aht_s, agents, target_s, patience_s, concurrency=concurrency)
        out: dict[str, float | None] = {
            "p_wait": _num(float(res.p_wait)),
            "service_level": _num(float(res.service_level)),
            "asa_s": _num(float(res.asa_s)),
            "occupancy": _num(float(res.occupancy)),
        }
        if patience_s is not None:
            out["p_abandon"] = _num(float(res.p_abandon))
        if as_json:
            typer.echo(json.dumps(out))
        else:
            for key, value in out.items():
                typer.echo(f"{key:14s} {value}")

    @st.command("requirement")
    def requirement_cmd(
        forecast: Path = typer.Option(..., "--forecast", help="CSV interval_start,forecast"),
        out: Path = typer.Option(..., "--out", help="CSV interval_start,forecast,required,service_level"),
        interval: int = typer.Option(30, "--interval"),
        aht_s: float = typer.Option(..., "--aht-s"),
        target_sl: float = typer.Option(0.8, "--target-sl"),
        target_s: float = typer.Option(20, "--target-s"),
        patience_s: float | None = typer.Option(None, "--patience-s"),
        max_occupancy: float | None = typer.Option(None, "--max-occupancy"),
        concurrency: int = typer.Option(1, "--concurrency"),
        shrinkage: float = typer.Option(0.0, "--shrinkage"),
    ) -> None:
        """每个时段需要的坐席数 / agents required per interval (after shrinkage)."""
        import numpy as np

        from kefu.io.arrivals import decode, parse_history
        from kefu.plan.staffing import erlang_c_service_level, required_agents

        if not forecast.exists():
            raise bad_argument("forecast", f"找不到文件 {forecast}", f"file not found: {forecast}")
        text = decode(forecast.read_bytes(), forecast.name).replace(
            "interval_start,forecast", "interval_start,count", 1
        )
        grid = parse_history(text, forecast.name, interval)
        cells = np.argwhere(~np.isnan(grid.values))
        calls = grid.values[~np.isnan(grid.values)]
        need = required_agents(
            calls,
            interval * 60,
            aht_s,
            target_sl,
            target_s,
            patience_s=patience_s,
            max_occupancy=max_occupancy,
            concurrency=concurrency,
            shrinkage=shrinkage,
        )
        on_floor = np.floor(need * (1.0 - shrinkage) + 1e-9)
        sl = erlang_c_service_level(
            calls, interval * 60, aht_s, on_floor, target_s, concurrency=concurrency, patience_s=patience_s
        )
        lines = ["interval_start,forecast,required,service_level"]
        for (d, s), c, n, level in zip(cells, calls, need, sl, strict=True):
            day = grid.days[int(d)]
            lines.append(f"{_stamp(day.isoformat(), int(s) * interval)},{c:g},{int(n)},{level:.4f}")
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
        typer.echo(f"wrote {out}")

    app.add_typer(st, name="staffing")


def _stamp(day: str, minute: int) -> str:
    return f"{day} {minute // 60:02d}:{minute % 60:02d}"
