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


@app.command("build-safety")
def build_safety() -> None:
    """Fine-tune the crisis and diagnosis classifier the safety check reads with (a few
    minutes on 2 cores, once; cached under EQM_CACHE_DIR like the default model).

    Example: eqm model build-safety
    """
    from brain.config import Settings
    from tools.safety.classifier import cached_classifier

    typer.echo(f"safety classifier: {cached_classifier(Settings().cache_dir, typer.echo)}")


@app.command()
def serve(
    name: Annotated[
        str | None, typer.Argument(help="A registered model (default: production).")
    ] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    adapter: Annotated[
        list[str] | None,
        typer.Option(help="Also serve this registered LoRA model of the same base (repeatable)."),
    ] = None,
) -> None:
    """Serve a registered model with vLLM's OpenAI-compatible server until Ctrl-C.

    Tool calls come back as OpenAI `tool_calls` (hermes parser); LoRA models are served on
    their base with --enable-lora. Logs go to EQM_DATA_DIR/logs. Point the agent at the
    printed URL with EQM_MODEL_URL.

    Example: eqm model serve --port 8000
    """
    import time

    from training.registry import ModelRegistry
    from training.serving import ModelServer, ServerConfig

    registry = ModelRegistry()
    name = name or registry.pointer().production
    if name is None:
        raise typer.BadParameter("no production model yet: run `eqm model build-default`")
    registry.card(name)  # a clear error for an unknown name
    adapters = {a: registry.path(registry.card(a).name) for a in adapter or []}
    config = ServerConfig(
        model=registry.path(name), name=name, host=host, port=port, adapters=adapters
    )
    typer.echo(f"starting vLLM for {name} on {host}:{port} ...")
    with ModelServer(config) as server:
        typer.echo(
            f"serving {', '.join(server.served_models)} at {server.url} "
            f"(ready in {server.startup_seconds:.0f} s; log {server.log_path}); Ctrl-C stops"
        )
        try:
            while server.running():
                time.sleep(0.5)
        except KeyboardInterrupt:
            typer.echo("stopping")
            return
    raise typer.Exit(1)  # the server ended by itself; its log says why


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="model")
