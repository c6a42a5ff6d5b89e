"""Feedback training jobs (agent/jobs.py) and the worker that runs them (agent/worker.py), on
SQLite and PostgreSQL: a job falls due after N new ratings, once however many requests race,
one at a time; a worker claims, beats, finishes or fails it; a stopped worker releases it and
a killed one's job is claimed again once its heartbeat is stale."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest

from agent.completions import CompletionLog, CompletionRecord
from agent.jobs import TrainingJob, TrainingJobs
from agent.worker import run_worker


@pytest.fixture
def log(store_url: str):
    with CompletionLog.open(store_url) as opened:
        yield opened


@pytest.fixture
def jobs(log: CompletionLog) -> TrainingJobs:
    return TrainingJobs(log.engine)


def rate(log: CompletionLog, n: int) -> None:
    """n new answers, each rated up by its asker."""
    start = log.feedback_count()
    for i in range(start, start + n):
        record = CompletionRecord(
            id=f"c{i}", asker="alex", person="alex", model="m", request=[], tool_trace=[],
            answer="a", grounded=True, latency_ms=1.0,
        )  # fmt: skip
        log.record(record)
        log.add_feedback(record.id, "alex", "up")


def test_a_job_falls_due_after_n_new_ratings_and_counts_from_the_last_one(log, jobs):
    rate(log, 2)
    assert jobs.request_if_due(3) is None
    rate(log, 1)
    job = jobs.request_if_due(3)
    assert job is not None
    assert (job.status, job.up_to_feedback_id, job.attempts) == ("pending", 3, 0)
    rate(log, 5)
    assert jobs.request_if_due(3) is None  # one open job at a time
    claimed = jobs.claim("w1")
    assert claimed is not None and claimed.id == job.id
    assert jobs.fail(job.id, "w1", "only thumbs-down so far")
    assert jobs.request_if_due(100) is None and jobs.request_if_due(0) is None
    second = jobs.request_if_due(5)  # the 5 after the first job's mark
    assert second is not None and second.up_to_feedback_id == 8
    assert [j.status for j in jobs.jobs()] == ["failed", "pending"]


def test_racing_requests_record_one_job(log, jobs):
    rate(log, 4)
    made: list[TrainingJob | None] = []
    barrier = threading.Barrier(8)

    def request() -> None:
        barrier.wait()
        made.append(jobs.request_if_due(4))

    threads = [threading.Thread(target=request) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([j for j in made if j is not None]) == 1
    assert len(jobs.jobs()) == 1


def test_a_job_is_one_workers_until_it_ends_or_goes_stale(log, jobs):
    rate(log, 1)
    job = jobs.request_if_due(1)
    assert job is not None
    assert jobs.claim("w1") is not None
    assert jobs.claim("w2") is None  # running, heartbeat fresh
    assert not jobs.finish(job.id, "w2", "x")  # not w2's
    assert jobs.beat(job.id, "w1")
    stale = jobs.claim("w2", stale_after=timedelta(0))  # as if w1 died
    assert stale is not None and (stale.worker, stale.attempts) == ("w2", 2)
    assert not jobs.beat(job.id, "w1")  # w1 learns it lost the job
    assert jobs.finish(job.id, "w2", "candidate-1")
    (done,) = jobs.jobs()
    assert (done.status, done.candidate) == ("done", "candidate-1") and done.finished_at
    assert jobs.claim("w3", stale_after=timedelta(0)) is None  # a finished job is never retaken


def test_the_worker_runs_each_job_fails_what_raises_and_releases_what_is_interrupted(log, jobs):
    rate(log, 1)
    jobs.request_if_due(1)

    def failing(job: TrainingJob) -> str:
        raise ValueError("no thumbs-up yet")

    assert run_worker(jobs, failing, once=True) == 1
    (failed,) = jobs.jobs()
    assert (failed.status, failed.error) == ("failed", "ValueError: no thumbs-up yet")

    rate(log, 1)
    jobs.request_if_due(1)

    def interrupted(job: TrainingJob) -> str:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_worker(jobs, interrupted, once=True)
    released = jobs.jobs()[-1]
    assert (released.status, released.worker) == ("pending", None)  # for the next worker
    assert run_worker(jobs, lambda job: f"candidate-{job.id}", once=True) == 1
    assert [(j.status, j.candidate) for j in jobs.jobs()] == [
        ("failed", None),
        ("done", "candidate-2"),
    ]


# A worker whose training never ends, beating every 0.1 s: killed with -9 mid-job.
HANGING_WORKER = """
import sys, time
from datetime import timedelta
from agent.completions import CompletionLog
from agent.jobs import TrainingJobs
from agent.worker import run_worker

def train(job):
    print(job.id, flush=True)
    time.sleep(600)

with CompletionLog.open(sys.argv[1]) as log:
    run_worker(TrainingJobs(log.engine), train, stale_after=timedelta(seconds=0.4))
"""


def test_a_job_whose_worker_was_killed_is_run_by_the_next_worker(store_url, log, jobs):
    rate(log, 1)
    job = jobs.request_if_due(1)
    assert job is not None
    worker = subprocess.Popen(
        [sys.executable, "-c", HANGING_WORKER, store_url], stdout=subprocess.PIPE, text=True
    )
    assert worker.stdout is not None and worker.stdout.readline().strip() == str(job.id)
    time.sleep(0.5)  # a few heartbeats
    assert jobs.claim("next", stale_after=timedelta(seconds=0.4)) is None  # it is alive
    worker.send_signal(signal.SIGKILL)
    worker.wait(30)
    time.sleep(0.5)  # its heartbeat goes stale
    ran = run_worker(jobs, lambda j: "candidate", once=True, stale_after=timedelta(seconds=0.4))
    assert ran == 1
    (done,) = jobs.jobs()
    assert (done.status, done.attempts, done.candidate) == ("done", 2, "candidate")
