"""Training commands: fine-tune a model on the teacher's corpus, or train on feedback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

INTERRUPTED = 130  # the shell's code for Ctrl-C

app = typer.Typer(help="Train candidate models.", no_args_is_help=True)


@app.command()
def sft(
    base: Annotated[Path, typer.Option(help="A local Hugging Face model folder to start from.")],
    name: Annotated[str, typer.Option(help="Registry name for the result.")],
    method: Annotated[
        Literal["auto", "lora", "full"],
        typer.Option(help="LoRA adapter or full fine-tuning; auto: LoRA above 1B parameters."),
    ] = "auto",
    epochs: Annotated[float, typer.Option(min=0.01, help="Passes over the corpus.")] = 1.0,
    learning_rate: Annotated[
        float | None, typer.Option(help="Peak learning rate (default 1e-4 LoRA, 2e-5 full).")
    ] = None,
    conversations: Annotated[
        int | None, typer.Option(min=10, help="Teacher conversations (default: the spec's).")
    ] = None,
) -> None:
    """Fine-tune BASE on the teacher's corpus and register it (never as production).

    Example: eqm train sft --base ~/models/Qwen2.5-7B-Instruct --name qwen7b-eqm-v1
    """
    from training.default_model import DefaultModelSpec
    from training.fine_tune import fine_tune

    spec = DefaultModelSpec()
    if conversations is not None:
        spec = spec.model_copy(update={"conversations": conversations})
    report = fine_tune(
        base,
        name=name,
        method=method,
        spec=spec,
        epochs=epochs,
        learning_rate=learning_rate,
        progress=typer.echo,
    )
    typer.echo(f"registered {report.name}: {report.model_dump_json()}")


@app.command()
def feedback(
    method: Annotated[
        Literal["auto", "kto", "dpo"],
        typer.Option(help="KTO on up/down, DPO on pairs; auto: DPO once there are enough pairs."),
    ] = "auto",
    base: Annotated[
        str | None,
        typer.Option(help="Registered model (or model folder) to train; default: production."),
    ] = None,
    epochs: Annotated[float, typer.Option(min=0.01, help="Passes over the data.")] = 1.0,
    max_steps: Annotated[
        int | None, typer.Option(min=1, help="Stop after this many steps.")
    ] = None,
    any_version: Annotated[
        bool,
        typer.Option("--any-version", help="Also learn from answers of other model versions."),
    ] = False,
    learning_rate: Annotated[
        float | None, typer.Option(help="Peak learning rate (default 5e-5).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seeds the data order, split and training.")] = 0,
) -> None:
    """Train a candidate on the thumbs up/down feedback and register it (never as production).

    Example: eqm train feedback --method kto --base eqm-default-cebc913fd6
    """
    import json

    from agent.completions import CompletionLog
    from training.preference import FeedbackTrainingConfig, PreferenceOptions, train_feedback

    overrides = {"learning_rate": learning_rate} if learning_rate else {}
    config = FeedbackTrainingConfig(
        method=method,
        epochs=epochs,
        max_steps=max_steps or -1,
        seed=seed,
        data=PreferenceOptions(any_version=any_version),
        **overrides,
    )
    try:
        with CompletionLog.open() as log:
            card = train_feedback(log, base=base, config=config, progress=typer.echo)
    except KeyboardInterrupt:
        typer.echo("interrupted: nothing was registered", err=True)
        raise typer.Exit(INTERRUPTED) from None
    typer.echo(json.dumps(card.lineage["report"], indent=2))
    typer.echo(f"registered candidate {card.name} ({card.kind}, {card.config['method']})")
    typer.echo(json.dumps(card.metrics))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="train")
