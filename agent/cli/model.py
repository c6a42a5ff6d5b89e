"""Model commands: build EQM's default model, and serve a registered model with vLLM."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Build and serve models.", no_args_is_help=True)


@app.command("build-default")
def build_default(
    conversations: Annotated[
        int | None, typer.Option(min=10, help="Teacher conversations (default: the spec's).")
    ] = None,
    epochs: Annotated[float | None, typer.Option(min=0.01, help="Training epochs.")] = None,
) -> None:
    """Build EQM's default model from scratch (demo data, teacher corpus, tokenizer, student)
    and register it; reuses the cached corpus and model when nothing they depend on changed.

    Example: eqm model build-default
    """
    from training.default_model import DefaultModelSpec
    from training.default_model import build_default as build

    spec = DefaultModelSpec()
    if conversations is not None:
        spec = spec.model_copy(update={"conversations": conversations})
    if epochs is not None:
        spec = spec.model_copy(
            update={"student": spec.student.model_copy(update={"epochs": epochs})}
        )
    report = build(spec, progress=typer.echo)
    production = " (installed as production)" if report.installed_as_production else ""
    typer.echo(f"registered {report.name}{production}: {report.model_dump_json()}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="model")
