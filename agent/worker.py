"""The worker behind `eqm worker`: runs the feedback training jobs the API server records.

One job at a time: claim, train while a thread beats the job's heartbeat, then finish or
fail it. Ctrl-C or SIGTERM (KeyboardInterrupt) mid-run releases the job, pending, for the
next worker, and the interrupted training registers nothing. What trains is a callable, so
this loop knows nothing of TRL: the CLI passes `train_feedback`.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from agent.jobs import STALE_AFTER, TrainingJob, TrainingJobs

log = logging.getLogger(__name__)

Train = Callable[[TrainingJob], str]
"""Trains and registers a candidate for a job; returns its name. An exception fails the job."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def run_worker(
    jobs: TrainingJobs,
    train: Train,
    *,
    once: bool = False,
    poll_seconds: float = 5.0,
    stale_after: timedelta = STALE_AFTER,
    progress: Callable[[str], object] = log.info,
) -> int:
    """Run jobs until interrupted (or, with `once`, until none is left); how many ran."""
    name, ran = worker_name(), 0
    while True:
        job = jobs.claim(name, stale_after=stale_after)
        if job is None:
            if once:
                return ran
            time.sleep(poll_seconds)
            continue
        progress(f"job {job.id}: training on feedback up to #{job.up_to_feedback_id}")
        beat_every = stale_after.total_seconds() / 4
        run_job(jobs, job, train, name, beat_every=beat_every, progress=progress)
        ran += 1


def run_job(
    jobs: TrainingJobs,
    job: TrainingJob,
    train: Train,
    worker: str,
    *,
    beat_every: float,
    progress: Callable[[str], object],
) -> None:
    """Run one claimed job to its end: done, failed, or (interrupted) pending again."""
    stopped = threading.Event()

    def beat() -> None:
        while not stopped.wait(beat_every):
            jobs.beat(job.id, worker)

    beater = threading.Thread(target=beat, name=f"eqm-job-{job.id}-heartbeat", daemon=True)
    beater.start()
    try:
        candidate = train(job)
    except KeyboardInterrupt:
        jobs.release(job.id, worker)
        progress(f"job {job.id}: interrupted, nothing registered; it waits for the next worker")
        raise
    except Exception as e:  # the job's end, not the worker's: it goes on with the next one
        jobs.fail(job.id, worker, f"{type(e).__name__}: {e}")
        progress(f"job {job.id}: failed: {e}")
        log.debug("job %s failed", job.id, exc_info=True)
        return
    finally:
        stopped.set()
        beater.join()
    jobs.finish(job.id, worker, candidate)
    progress(f"job {job.id}: registered candidate {candidate}")


__all__ = ["Train", "run_job", "run_worker", "worker_name"]
