"""Model registry commands: which models exist, how they were made, which one serves."""

from __future__ import annotations

import json
from typing import Annotated

import typer

app = typer.Typer(help="The model registry.", no_args_is_help=True)


@app.command("list")
def list_models(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List registered models, oldest first; the production one is marked with *.

    Example: eqm models list
    """
    from training.registry import ModelRegistry, card_summary

    registry = ModelRegistry()
    production = registry.pointer().production
    rows = [card_summary(card, production) for card in registry.models()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    elif not rows:
        typer.echo("no models registered yet")
    for row in [] if as_json else rows:
        mark = "*" if row["production"] else " "
        typer.echo(
            f"{mark} {row['name']:<32} {row['kind']:<5} base {row['base']:<24} {row['created']}"
        )


@app.command()
def show(name: Annotated[str, typer.Argument(help="The model's name.")]) -> None:
    """Print one model's card: base, kind, training data hash, config, metrics, lineage.

    Example: eqm models show eqm-default-v1
    """
    from training.registry import ModelRegistry

    registry = ModelRegistry()
    card = registry.card(name)
    typer.echo(
        json.dumps(
            {**card.model_dump(mode="json"), "production": registry.pointer().production == name},
            indent=2,
        )
    )


@app.command()
def promote(
    name: Annotated[str, typer.Argument(help="The model to make production.")],
    suite: Annotated[str, typer.Option(help="The suite its gate ran on.")] = "eqm-v1",
    force: Annotated[
        bool, typer.Option("--force", help="Promote without a passing gate (asks why).")
    ] = False,
    reason: Annotated[
        str | None, typer.Option(help="Why a forced promotion is right (kept in the history).")
    ] = None,
) -> None:
    """Make NAME the production model: only with a passing `eqm eval gate` against the
    current production, recorded in the registry; --force skips the gate, with a reason.

    Example: eqm models promote eqm-default-cebc913fd6-kto-1a2b3c4d
    """
    from evals.release import promote as promote_model
    from training.registry import ModelRegistry

    if force and reason is None:
        reason = typer.prompt("Why promote without a passing gate?")
    if reason is not None and not force:
        raise typer.BadParameter("--reason goes with --force")
    promotion = promote_model(
        ModelRegistry(), name, suite=suite, force_reason=reason if force else None
    )
    typer.echo(f"{promotion.model} is production ({promotion.reason})")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="models")
