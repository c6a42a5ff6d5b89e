"""Data commands: import exports, show the timeline, write the demo data set."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

User = Annotated[str, typer.Option("--user", "-u", help="Whose data (created on first import).")]


def import_(
    path: Annotated[Path, typer.Argument(help="The export file (CSV, JSON, export.xml or .zip).")],
    user: User,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="Skip detection: apple_health, how_we_feel, daylio, spotify, google_maps, "
            "browser, bank, air_quality, csv_wide, csv_long, events.",
        ),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            help="Name the columns a bank export's guess misses: "
            "'date=Booking Date,amount=Betrag' (roles: date, time, amount, debit, credit, "
            "description, category, currency, type, status).",
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            help="IANA time zone for timestamps without an offset "
            "(default: the person's, UTC for a new person)."
        ),
    ] = None,
    mood_scale: Annotated[
        str | None,
        typer.Option(
            help="Daylio mood names on the circumplex: "
            "'rad=1,good=0.5,meh=0,bad=-0.5,awful=-1,tense=-0.5:0.6'."
        ),
    ] = None,
) -> None:
    """Import one export file and print a JSON summary of what was kept and rejected.

    Example: eqm import ~/Downloads/export.zip --user alex
    """
    from rich.console import Console
    from rich.progress import DownloadColumn, Progress, TimeRemainingColumn, TransferSpeedColumn

    from brain.importers.bank import parse_columns
    from brain.importers.daylio import parse_mood_scale
    from brain.store import Store

    try:
        scale = parse_mood_scale(mood_scale) if mood_scale else None
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--mood-scale") from None
    try:
        roles = parse_columns(columns) if columns else None
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--columns") from None
    console = Console(stderr=True)
    bar = Progress(
        *Progress.get_default_columns()[:-1],
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,  # the summary alone when piped or in a script
    )
    size = path.stat().st_size if path.is_file() else None
    with Store.open() as store, bar:
        task = bar.add_task(f"Importing {path.name}", total=size)
        summary = store.import_file(
            user,
            path,
            fmt=format,
            timezone=tz,
            mood_scale=scale,
            columns=roles,
            on_read=lambda n: bar.advance(task, n),
        )
    typer.echo(summary.model_dump_json(indent=2))


def timeline(
    user: User,
    start: Annotated[
        datetime | None,
        typer.Option("--from", help="First day (YYYY-MM-DD).", formats=["%Y-%m-%d"]),
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option("--to", help="Last day (YYYY-MM-DD).", formats=["%Y-%m-%d"]),
    ] = None,
    metrics: Annotated[
        str | None, typer.Option(help="Comma-separated metrics to show (default: all).")
    ] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
) -> None:
    """Print the daily timeline: one row per day, one column per metric.

    Example: eqm timeline --user alex --from 2026-10-01 --csv
    """
    from brain.store import Store

    wanted = [m.strip() for m in metrics.split(",") if m.strip()] if metrics else None
    with Store.open() as store:
        table = store.timeline(user, start and start.date(), end and end.date(), wanted)
    if csv:
        typer.echo(table.to_csv(float_format="%.6g"), nl=False)
    elif table.empty:
        typer.echo("no data in this period")
    else:
        typer.echo(table.to_string(float_format=lambda v: f"{round(v, 3):g}", na_rep="-"))


def demo_data(
    outdir: Annotated[Path, typer.Argument(help="Folder to write the export files into.")],
    days: Annotated[int, typer.Option(min=14, max=3650, help="Days of data.")] = 730,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
) -> None:
    """Write a synthetic two-year life-log for one person in real export formats.

    The data come from a documented structural causal model (brain/demo/scm.py) with known
    effects, so analyses can be checked against the truth.

    Example: eqm demo-data demo/ && eqm import demo/how_we_feel.csv --user alex
    """
    from brain.demo import generate

    paths = generate(outdir, days=days, seed=seed, lifelog=True)
    typer.echo(json.dumps([str(p) for p in paths], indent=2))


DEMO_PERSON = "alex"
DEMO_COLUMNS = [
    "valence",
    "arousal",
    "checkins",
    "sleep_hours",
    "steps",
    "caffeine_mg",
    "alcohol_drinks",
    "music_minutes",
    "hours_at_work",
]


def demo(
    days: Annotated[int, typer.Option(min=14, max=3650, help="Days of demo data.")] = 730,
    port: Annotated[int, typer.Option(min=1, max=65535, help="API server port.")] = 8080,
    model_port: Annotated[int, typer.Option(min=1, max=65535, help="Model server port.")] = 8000,
    wait: Annotated[
        bool, typer.Option(help="Keep serving after the example questions, until Ctrl-C.")
    ] = True,
) -> None:
    """The main job: make the demo person's data and import it (every export format, into the
    local store), build EQM's default model if there is none, start the model server and the
    API server, create the demo person and a linked parent, print the API's and the web app's
    URLs and their keys, and ask the example questions through the API. Ctrl-C stops
    everything.

    Running it again adds no data: the files are the same and imports are idempotent.

    Example: eqm demo
    """
    from brain.config import Settings
    from brain.demo import generate
    from brain.demo.params import TZ
    from brain.store import Store

    outdir = Settings().data_dir / "demo-data"
    typer.echo(f"writing {days} days of demo exports to {outdir}/")
    paths = generate(outdir, days=days, lifelog=True)
    with Store.open() as store:
        for path in paths:
            summary = store.import_file(DEMO_PERSON, path, timezone=TZ.key)
            typer.echo(
                f"  {summary.format:<13} {path.name:<42} kept {summary.kept:>7,}  duplicates "
                f"{summary.duplicates:>7,}  rejected {summary.rejected:>3}  "
                f"({summary.seconds:.1f} s)"
            )
        table = store.timeline(DEMO_PERSON)
    recent = table.tail(14).reindex(columns=[c for c in DEMO_COLUMNS if c in table.columns])
    typer.echo(
        f"\n{DEMO_PERSON}'s timeline: {len(table)} days, {len(table.columns)} metrics; "
        "the last two weeks:\n"
    )
    typer.echo(recent.to_string(float_format=lambda v: f"{round(v, 2):g}", na_rep="-"))
    typer.echo(f"\nSee it all with: eqm timeline --user {DEMO_PERSON}")

    from training.default_model import build_default
    from training.registry import ModelRegistry

    if ModelRegistry().pointer().production is None:
        typer.echo("\nbuilding EQM's default model (first run only; cached afterwards)")
        report = build_default(progress=typer.echo)
        typer.echo(f"default model {report.name} is production")

    from brain.config import Settings
    from tools.safety.classifier import cached_classifier

    cached_classifier(Settings().cache_dir, progress=typer.echo)  # first run only

    from agent.cli.serve import run_demo

    run_demo(DEMO_PERSON, port=port, model_port=model_port, wait=wait)


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
    app.command()(timeline)
    app.command("demo-data")(demo_data)
    app.command()(demo)
