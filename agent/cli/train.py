"""Training commands: fine-tune a model on the teacher's corpus (feedback training later)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

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


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="train")
