"""`eqm worker`: run the feedback training jobs the API server records (agent/jobs.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from agent.cli.train import INTERRUPTED

if TYPE_CHECKING:
    from agent.completions import CompletionLog
    from agent.jobs import TrainingJob


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run the jobs waiting now, then exit.")
    ] = False,
    poll: Annotated[
        float, typer.Option(min=0.1, help="Seconds between looks for a new job.")
    ] = 5.0,
    max_steps: Annotated[
        int | None, typer.Option(min=1, help="Stop each training after this many steps.")
    ] = None,
) -> None:
    """Train a candidate whenever the API server finds feedback training due (every
    EQM_FEEDBACK_TRAIN_EVERY ratings), one job at a time, and register it (never as
    production: the eval gate promotes). Run one next to `eqm serve`; `eqm demo` starts one.
    Ctrl-C or SIGTERM stops it: a job it was running waits for the next worker.

    Example: eqm worker
    """
    from agent.completions import CompletionLog
    from agent.jobs import TrainingJobs
    from agent.worker import run_worker

    try:
        with CompletionLog.open() as log:

            def train(job: TrainingJob) -> str:
                return train_candidate(log, max_steps)

            jobs = TrainingJobs(log.engine)
            ran = run_worker(jobs, train, once=once, poll_seconds=poll, progress=typer.echo)
    except KeyboardInterrupt:
        typer.echo("worker stopped", err=True)
        raise typer.Exit(INTERRUPTED) from None
    typer.echo(f"no job waiting; {ran} run this time")


def train_candidate(log: CompletionLog, max_steps: int | None) -> str:
    """Train on all the feedback with the defaults; the registered candidate's name. TRL is
    imported only when there is a job, so an idle worker starts and stops at once."""
    from training.preference import FeedbackTrainingConfig, train_feedback

    config = FeedbackTrainingConfig(max_steps=max_steps or -1)
    return train_feedback(log, config=config, progress=typer.echo).name


def register(root: typer.Typer) -> None:
    root.command()(worker)
