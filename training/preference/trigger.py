"""Train on feedback in the background once enough new feedback has arrived.

The server calls `maybe_start(log)` after each feedback write: one indexed count, and when
`every` ratings are newer than the last run's, a training run starts as a child process (one
at a time; a call while one runs does nothing). Training never runs inside the server: it
would compete with chat turns for the same cores and memory and die with the server. The
child is `eqm train feedback` (the command the server passes), so it registers a candidate
exactly as a person running it would, and nothing moves production: the candidate waits for
the eval gate. `stop()` (the server calls it on shutdown) sends it SIGTERM, which it takes
as Ctrl-C: it stops with nothing registered and leaves no process behind.

Where the last run ended is remembered in the registry itself (`last_feedback_id` in the
lineage of feedback-trained candidates), so a restarted server does not retrain on the same
feedback. The mark moves to the newest rating when a run starts, so a failed run (say, only
thumbs-down so far) waits for `every` more ratings rather than failing on each one.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Mapping, Sequence

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from training.preference.errors import FeedbackError
from training.preference.source import FeedbackSource
from training.registry import ModelCard, ModelRegistry

log = logging.getLogger(__name__)

STOP_SECONDS = 30.0
"""How long a run has to stop after SIGTERM before it is killed."""


class TriggerSettings(BaseSettings):
    """When feedback training starts by itself; set with EQM_FEEDBACK_* variables."""

    model_config = SettingsConfigDict(env_prefix="EQM_FEEDBACK_", extra="ignore")

    train_every: int = Field(
        200, ge=0, description="New ratings that start a training run; 0 turns it off."
    )


class FeedbackTrainer:
    """One background feedback training process at a time, started by `maybe_start`.

    `command` trains and registers a candidate in `registry` (the server passes `eqm train
    feedback`), run with `env` added to this process's environment; its output goes to this
    module's log line by line. `last_feedback_id` is the mark new ratings are counted from
    (default: the newest one a registered candidate was trained up to).
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        registry: ModelRegistry,
        env: Mapping[str, str] | None = None,
        every: int | None = None,
        last_feedback_id: int | None = None,
    ) -> None:
        self.command = list(command)
        self.env = {**os.environ, **(env or {})}
        self.every = TriggerSettings().train_every if every is None else every
        self._registry = registry
        self._mark = last_feedback_id
        self._lock = threading.Lock()
        self._process: subprocess.Popen[str] | None = None
        self._watcher: threading.Thread | None = None
        self.runs = 0
        self.last_card: ModelCard | None = None
        self.last_error: FeedbackError | None = None

    @property
    def running(self) -> bool:
        watcher = self._watcher
        return watcher is not None and watcher.is_alive()

    def maybe_start(self, source: FeedbackSource) -> bool:
        """Start a training run if `every` new ratings arrived and none runs; whether it did."""
        if self.every <= 0:
            return False
        with self._lock:
            if self.running:
                return False
            if self._mark is None:
                self._mark = _trained_up_to(self._registry)
            if source.feedback_count(after_id=self._mark) < self.every:
                return False
            self._mark = source.newest_feedback_id()
            self._process = subprocess.Popen(
                self.command,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # a Ctrl-C meant for the server reaches it via stop()
            )
            self._watcher = threading.Thread(
                target=self._watch, args=(self._process,), name="eqm-feedback-training"
            )
            self.runs += 1
            self._watcher.start()
            return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the current run to end; whether none is running afterwards."""
        watcher = self._watcher
        if watcher is not None:
            watcher.join(timeout)
        return not self.running

    def stop(self) -> None:
        """Stop a run in progress (SIGTERM, then SIGKILL after STOP_SECONDS) and wait for it;
        the interrupted run registers nothing. Safe to call when none runs."""
        process = self._process
        if process is None or process.poll() is not None:
            self.wait()
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
        self.wait()

    def _watch(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        tail: deque[str] = deque(maxlen=20)
        for line in process.stdout:
            tail.append(line.rstrip())
            log.info("feedback training: %s", tail[-1])
        code = process.wait()
        if code != 0:  # a background job: keep the error and log it, the server goes on
            self.last_error = FeedbackError(
                f"feedback training exited with {code}: " + " / ".join(tail)
            )
            log.error("%s", self.last_error)
            return
        card = _newest_trained(self._registry)
        self.last_card, self.last_error = card, None
        if card is not None:
            log.info("feedback training registered candidate %s", card.name)
            with self._lock:
                self._mark = max(self._mark or 0, card.lineage["last_feedback_id"])


def _trained(registry: ModelRegistry) -> list[ModelCard]:
    return [c for c in registry.models() if isinstance(c.lineage.get("last_feedback_id"), int)]


def _trained_up_to(registry: ModelRegistry) -> int:
    return max((c.lineage["last_feedback_id"] for c in _trained(registry)), default=0)


def _newest_trained(registry: ModelRegistry) -> ModelCard | None:
    return max(_trained(registry), key=lambda c: c.created, default=None)


__all__ = ["FeedbackTrainer", "TriggerSettings"]
