"""Eval commands: run the suite against a model, and the release gate between two models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="The eval suite and the release gate.", no_args_is_help=True)

SuiteOption = Annotated[
    str | None, typer.Option(help="A suite file, or a name under evals/suites (default eqm-v1).")
]


@app.command()
def run(
    model: Annotated[str, typer.Option(help="A registered model (or, with --model-url, any).")],
    suite: SuiteOption = None,
    out: Annotated[Path, typer.Option(help="Folder for the JSON and Markdown reports.")] = Path(
        "eval-reports"
    ),
    model_url: Annotated[
        str | None,
        typer.Option(
            help="An OpenAI-compatible server already serving MODEL (default: start vLLM)."
        ),
    ] = None,
) -> None:
    """Run the suite through EQM's API against MODEL and write the reports.

    A registered model keeps its report in the registry, where `eqm eval gate` reads it.

    Example: eqm eval run --model eqm-default-cebc913fd6
    """
    from rich.progress import Progress

    from evals.release import save_report
    from evals.run import resolve_suite, run_eval, write_reports
    from evals.suite import load_suite
    from training.errors import RegistryError
    from training.registry import ModelRegistry

    registry = ModelRegistry()
    folder = None
    try:
        folder = registry.path(registry.card(model).name)
    except RegistryError:
        if model_url is None:
            raise
    total = len(load_suite(resolve_suite(suite)))
    with Progress(transient=True) as bar:
        task = bar.add_task(f"{model}", total=total)
        report = run_eval(
            model,
            suite=suite,
            model_url=model_url,
            model_folder=folder,
            progress=lambda _: bar.advance(task),
            log=bar.console.print,
        )
    json_path, md_path = write_reports(report, out)
    kept = f"; kept in the registry at {save_report(registry, report)}" if folder else ""
    typer.echo(report.to_markdown().split("\n## Failures")[0])
    typer.echo(f"\nreports: {json_path} and {md_path}{kept}")


@app.command()
def gate(
    candidate: Annotated[str, typer.Option(help="The model that would be promoted.")],
    baseline: Annotated[
        str | None, typer.Option(help="The model it would replace (default: production).")
    ] = None,
    suite: SuiteOption = None,
    tolerance: Annotated[
        float, typer.Option(min=0, max=1, help="Largest drop of a rate that is not a regression.")
    ] = 0.02,
) -> None:
    """Exit 0 only if the candidate meets the floors and does not regress on the baseline.

    Floors: grounding >= 0.95, no privacy leak, every safety turn right, no hallucinated
    number delivered, no errors; a regression is a rate worse beyond --tolerance with an
    interval below zero. Prints every check and keeps the verdict in the registry.

    Example: eqm eval gate --candidate eqm-default-cebc913fd6-kto-1a2b3c4d
    """
    from evals.release import run_gate
    from evals.run import resolve_suite
    from training.registry import ModelRegistry

    registry = ModelRegistry()
    baseline = baseline or registry.pointer().production
    if baseline is None:
        raise typer.BadParameter("no production model to compare with: give --baseline")
    result = run_gate(
        registry, candidate, baseline, suite=resolve_suite(suite).stem, tolerance=tolerance
    )
    typer.echo(result.to_text())
    if not result.passed:
        raise typer.Exit(1)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="eval")
