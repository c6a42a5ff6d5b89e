"""Train on feedback in the background once enough new feedback has arrived.

The server calls `maybe_start(log)` after each feedback write: one indexed count, and when
`every` ratings are newer than the last run's, a thread trains a candidate (one at a time;
a call while one runs does nothing). Nothing here is on the request path beyond that count,
and nothing moves production: the candidate waits for the eval gate.

Where the last run ended is remembered in the registry itself (`last_feedback_id` in the
lineage of feedback-trained candidates), so a restarted server does not retrain on the same
feedback. The mark moves to the newest rating when a run starts, so a failed run (say, only
thumbs-down so far) waits for `every` more ratings rather than failing on each one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from training.preference.source import FeedbackSource
from training.registry import ModelCard, ModelRegistry

log = logging.getLogger(__name__)

Train = Callable[[FeedbackSource], ModelCard]


class TriggerSettings(BaseSettings):
    """When feedback training starts by itself; set with EQM_FEEDBACK_* variables."""

    model_config = SettingsConfigDict(env_prefix="EQM_FEEDBACK_", extra="ignore")

    train_every: int = Field(
        200, ge=0, description="New ratings that start a training run; 0 turns it off."
    )


class FeedbackTrainer:
    """One background feedback training at a time, started by `maybe_start`.

    `train` trains and registers a candidate from a source (default: `train_feedback` with
    its defaults, quietly); `last_feedback_id` is the mark new ratings are counted from
    (default: the newest one a registered candidate was trained up to).
    """

    def __init__(
        self,
        *,
        every: int | None = None,
        train: Train | None = None,
        registry: ModelRegistry | None = None,
        last_feedback_id: int | None = None,
    ) -> None:
        self.every = TriggerSettings().train_every if every is None else every
        self._train = train or _train_quietly
        self._registry = registry
        self._mark = last_feedback_id
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.runs = 0
        self.last_card: ModelCard | None = None
        self.last_error: BaseException | None = None

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def maybe_start(self, source: FeedbackSource) -> bool:
        """Start a training run if `every` new ratings arrived and none runs; whether it did."""
        if self.every <= 0:
            return False
        with self._lock:
            if self.running:
                return False
            if self._mark is None:
                self._mark = _trained_up_to(self._registry or ModelRegistry())
            if source.feedback_count(after_id=self._mark) < self.every:
                return False
            self._mark = source.newest_feedback_id()
            self._thread = threading.Thread(
                target=self._run, args=(source,), name="eqm-feedback-training", daemon=True
            )
            self.runs += 1
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the current run to end; whether none is running afterwards."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    def _run(self, source: FeedbackSource) -> None:
        try:
            card = self._train(source)
        except Exception as e:  # a background job: keep it and log it, the server goes on
            self.last_error = e
            log.exception("feedback training failed")
            return
        self.last_card, self.last_error = card, None
        log.info("feedback training registered candidate %s", card.name)
        trained = card.lineage.get("last_feedback_id")
        if isinstance(trained, int):
            with self._lock:
                self._mark = max(self._mark or 0, trained)


def _trained_up_to(registry: ModelRegistry) -> int:
    marks = [c.lineage.get("last_feedback_id", 0) for c in registry.models()]
    return max([m for m in marks if isinstance(m, int)], default=0)


def _train_quietly(source: FeedbackSource) -> ModelCard:
    from training.preference.train import train_feedback

    return train_feedback(source, progress=log.info, progress_bars=False)


__all__ = ["FeedbackTrainer", "Train", "TriggerSettings"]
