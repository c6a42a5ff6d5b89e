"""Feedback training jobs: the API server records that a training is due, a worker runs it.

Training never runs in the API server: it would compete with chat turns for the same cores
and memory and die with the server. After each rating the server calls `request_if_due`
(two indexed queries); when `every` ratings are newer than the last job's mark and no job is
open, it records a pending job, once however many requests race for it. `eqm worker` claims
pending jobs one at a time, beats a heartbeat while it trains, and finishes, fails or (when
stopped) releases the job. A worker that died (kill -9, a lost machine) stops beating: after
`stale_after` its job can be claimed again, so a crash of either process leaves the other
running and the job resumable.

A job's mark is the newest rating when it fell due; the next job counts from there, so a
failed run (say, only thumbs-down so far) waits for `every` more ratings rather than failing
on each one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from agent.tables import UtcDateTime, create_tables, feedback, now, training_jobs

JobStatus = Literal["pending", "running", "done", "failed"]

STALE_AFTER = timedelta(minutes=2)
"""A running job whose worker has not beaten for this long is claimed again."""


class TrainingJob(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    created_at: UtcDateTime
    up_to_feedback_id: int
    status: JobStatus
    worker: str | None
    heartbeat_at: UtcDateTime | None
    attempts: int
    finished_at: UtcDateTime | None
    candidate: str | None
    error: str | None


class TrainingJobs:
    """The training job queue in the store's database (on an engine shared with its tables)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        create_tables(engine)

    def request_if_due(self, every: int) -> TrainingJob | None:
        """Record a pending job if `every` (> 0) ratings are newer than the last job's mark and
        none is open; the new job, or None."""
        if every <= 0:
            return None
        with self.engine.begin() as connection:
            open_job = select(training_jobs.c.id).where(training_jobs.c.open_slot.is_(True))
            if connection.execute(open_job).first():
                return None
            mark = connection.execute(select(func.max(training_jobs.c.up_to_feedback_id)))
            newer = feedback.c.id > (mark.scalar() or 0)
            count, newest = connection.execute(
                select(func.count(), func.max(feedback.c.id)).where(newer)
            ).one()
            if count < every:
                return None
            values = {
                "created_at": now(),
                "up_to_feedback_id": newest,
                "status": "pending",
                "open_slot": True,
                "attempts": 0,
            }
            try:
                with connection.begin_nested():
                    row = connection.execute(
                        insert(training_jobs).values(**values).returning(training_jobs)
                    )
                    return TrainingJob.model_validate(row.mappings().one())
            except IntegrityError:  # another request recorded it first
                return None

    def claim(self, worker: str, *, stale_after: timedelta = STALE_AFTER) -> TrainingJob | None:
        """Take the oldest pending job, or a running one whose worker stopped beating, for
        `worker`; None when there is none (or another worker took it first)."""
        claimable = or_(
            training_jobs.c.status == "pending",
            and_(
                training_jobs.c.status == "running",
                training_jobs.c.heartbeat_at < now() - stale_after,
            ),
        )
        oldest = select(training_jobs.c.id).where(claimable).order_by(training_jobs.c.id)
        with self.engine.begin() as connection:
            job_id = connection.execute(oldest.limit(1)).scalar()
            if job_id is None:
                return None
            take = (
                update(training_jobs)
                .where(training_jobs.c.id == job_id, claimable)  # unless another took it
                .values(
                    status="running",
                    worker=worker,
                    heartbeat_at=now(),
                    attempts=training_jobs.c.attempts + 1,
                )
                .returning(training_jobs)
            )
            taken = connection.execute(take).mappings().first()
        return None if taken is None else TrainingJob.model_validate(taken)

    def beat(self, job_id: int, worker: str) -> bool:
        """The worker is alive; False when the job is no longer this worker's."""
        return self._update(job_id, worker, heartbeat_at=now())

    def finish(self, job_id: int, worker: str, candidate: str) -> bool:
        """The job registered `candidate`."""
        return self._close(job_id, worker, "done", candidate=candidate)

    def fail(self, job_id: int, worker: str, error: str) -> bool:
        """The job cannot succeed as it is (`error` says why); the next one waits for more
        ratings."""
        return self._close(job_id, worker, "failed", error=error)

    def release(self, job_id: int, worker: str) -> bool:
        """The worker was stopped mid-run: the job waits, pending, for the next claim."""
        return self._update(job_id, worker, status="pending", worker=None, heartbeat_at=None)

    def jobs(self) -> list[TrainingJob]:
        """Every job, oldest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(training_jobs).order_by(training_jobs.c.id))
            return [TrainingJob.model_validate(r) for r in rows.mappings()]

    def _close(self, job_id: int, worker: str, status: JobStatus, **values: str) -> bool:
        return self._update(
            job_id, worker, status=status, open_slot=None, finished_at=now(), **values
        )

    def _update(self, job_id: int, owner: str, **values: object) -> bool:
        """Change a job only while it is running for `owner`."""
        with self.engine.begin() as connection:
            return bool(
                connection.execute(
                    update(training_jobs)
                    .where(
                        training_jobs.c.id == job_id,
                        training_jobs.c.worker == owner,
                        training_jobs.c.status == "running",
                    )
                    .values(**values)
                ).rowcount
            )


__all__ = ["STALE_AFTER", "JobStatus", "TrainingJob", "TrainingJobs"]
