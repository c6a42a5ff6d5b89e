"""Feedback commands: how the kept answers are rated (training on it is `eqm train feedback`)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Thumbs up/down on kept answers.", no_args_is_help=True)


@app.command()
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    baseline: Annotated[
        str | None,
        typer.Option(help="Compare the other model versions with this one (default: most rated)."),
    ] = None,
) -> None:
    """Count ratings per model version, per tool the answer used, and per day, with up-rates
    and their 95% intervals; with an A/B split, each version against the baseline.

    Example: eqm feedback stats --json
    """
    from agent.completions import CompletionLog
    from training.preference import feedback_stats

    with CompletionLog.open() as log:
        counted = feedback_stats(log, baseline=baseline)
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
        for column in (title, "up", "down", "up rate", "95% interval"):
            table.add_column(column, justify="left" if column == title else "right")
        for key, tally in [*rows.items(), ("all", counted.total)]:
            rate = f"{tally.up_rate:.0%}" if tally.up_rate is not None else "-"
            low, high = tally.up_rate_interval or (None, None)
            interval = f"{low:.0%} to {high:.0%}" if low is not None else "-"
            table.add_row(key, str(tally.up), str(tally.down), rate, interval)
        console.print(table)
    for c in counted.comparisons:
        console.print(
            f"{c.model} vs {c.baseline}: up-rate {c.difference:+.1%} "
            f"(95% interval {c.interval[0]:+.1%} to {c.interval[1]:+.1%}, p = {c.p_value:.3f})"
        )
    if counted.orphaned:
        console.print(f"{counted.orphaned} ratings of answers no longer kept are not counted")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="feedback")
