"""The `eqm` command line: thin commands over the libraries, errors turned into exit codes.

Each command parses its arguments, makes one library call and prints the result. Library
errors (any `brain.errors.EQMError`) become a one-line `error: ...` on stderr and exit code 1.
Heavy libraries are imported inside commands so that `eqm --help` answers at once.
"""

from __future__ import annotations

import signal
import sys

import typer

from agent.cli import (
    brain,
    data,
    evals,
    feedback,
    model,
    models,
    serve,
    tools,
    train,
    users,
    worker,
)

app = typer.Typer(
    name="eqm",
    help="EQM: understand your moods from your own life data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data.register(app)
brain.register(app)
tools.register(app)
models.register(app)
model.register(app)
train.register(app)
feedback.register(app)
evals.register(app)
users.register(app)
serve.register(app)
worker.register(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; exits with 0, 1 for a library error, 2 for a usage error."""
    if argv is None:  # the `eqm` process itself, not a call from Python
        signal.signal(signal.SIGTERM, _interrupt)
    from brain.errors import EQMError

    try:
        app(args=argv, prog_name="eqm")
    except EQMError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(1)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (what systemd, Docker and Kubernetes send) as Ctrl-C: `with` blocks unwind, so
    a model server's whole process group is stopped and no vLLM is left holding its port."""
    raise KeyboardInterrupt
