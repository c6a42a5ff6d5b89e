"""Feedback commands: how the kept answers are rated (training on it is `eqm train feedback`)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Thumbs up/down on kept answers.", no_args_is_help=True)


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Count ratings per model version, per tool the answer used, and per day, with up-rates.

    Example: eqm feedback stats --json
    """
    from agent.completions import CompletionLog
    from training.preference import feedback_stats

    with CompletionLog.open() as log:
        counted = feedback_stats(log)
    if as_json:
        typer.echo(counted.model_dump_json(indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if counted.total.total == 0:
        console.print("no feedback yet")
    for title, rows in (
        ("model version", counted.by_model),
        ("tool", counted.by_tool),
        ("day (UTC)", counted.by_day),
    ):
        if not rows:
            continue
        table = Table(title=f"feedback per {title}")
        for column in (title, "up", "down", "up rate"):
            table.add_column(column, justify="left" if column == title else "right")
        for key, tally in [*rows.items(), ("all", counted.total)]:
            rate = f"{tally.up_rate:.0%}" if tally.up_rate is not None else "-"
            table.add_row(key, str(tally.up), str(tally.down), rate)
        console.print(table)
    if counted.orphaned:
        console.print(f"{counted.orphaned} ratings of answers no longer kept are not counted")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="feedback")
