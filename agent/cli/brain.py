"""Analytics commands: a readable overview of what the data say about one person."""

from __future__ import annotations

import typer

from agent.cli.data import User

app = typer.Typer(help="What the analytics say about a person's data.", no_args_is_help=True)
MOOD = ("valence", "arousal")
WATCHED = ("valence", "arousal", "sleep_hours", "steps", "resting_hr", "hrv_sdnn_ms")
RECENT_DAYS = 30


@app.command()
def summary(user: User) -> None:
    """Print an overview: what goes with mood, chronotype, weekday profile, recent anomalies.

    Example: eqm brain summary --user alex
    """
    from rich.console import Console
    from rich.progress import Progress

    from brain.analytics.anomalies import anomalies
    from brain.analytics.chronotype import chronotype
    from brain.analytics.correlation import correlation_scan, describe
    from brain.analytics.service import Analytics
    from brain.analytics.weekday import weekday_profile
    from brain.store import Store

    console = Console()
    with Store.open() as store, Progress(console=console, transient=True) as progress:
        analytics = Analytics(store)
        steps = [
            ("Reading the timeline", lambda: analytics.data(user)),
            ("Correlations", lambda: analytics.run(user, correlation_scan, top=1000)),
            ("Chronotype", lambda: analytics.run(user, chronotype, source="sleep")),
            ("Weekday profile", lambda: analytics.run(user, weekday_profile, source="checkins")),
            (
                "Recent anomalies",
                lambda: [
                    analytics.run(user, anomalies, metric=metric, last_days=RECENT_DAYS)
                    for metric in WATCHED
                    if metric in analytics.data(user).daily.columns
                ],
            ),
        ]
        task = progress.add_task("Analysing", total=len(steps))
        results = []
        for label, step in steps:
            progress.update(task, description=label)
            results.append(step())
            progress.advance(task)
    data, scan, sleep, weekdays, unusual = results
    console.print(
        f"[bold]{user}[/bold]: {len(data.daily)} days, "
        f"{len(data.daily.columns)} metrics (data version {data.data_version})\n"
    )
    console.print("[bold]What goes with your mood[/bold]")
    mood_pairs = [p for p in scan.top if p.y in MOOD and p.x not in (*MOOD, "checkins")][:5]
    for pair in mood_pairs:
        console.print(f"  - {describe(pair.x, pair.y, pair.lag, pair.r, pair.n)}")
    if not mood_pairs:
        console.print("  - nothing clear yet")
    for title, result in (("Chronotype", sleep), ("Weekdays", weekdays)):
        console.print(f"\n[bold]{title}[/bold]\n  {result.summary}")
        for caveat in result.caveats:
            console.print(f"  [dim]{caveat}[/dim]")
    console.print(f"\n[bold]The last {RECENT_DAYS} days[/bold]")
    flagged = [result for result in unusual if result.count]
    for result in flagged:
        console.print(f"  - {result.summary}")
    if not flagged:
        console.print("  - nothing unusual in " + ", ".join(r.metric for r in unusual))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="brain")
