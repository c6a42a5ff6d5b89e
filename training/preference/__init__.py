"""Feedback -> a better candidate model: thumbs up/down on kept answers become KTO rows and
DPO pairs (`dataset`), TRL trains a candidate on them and registers it without touching
production (`train`), and `stats` counts the ratings. `eqm worker` (agent/worker.py) runs
`train_feedback` whenever the API server finds a training due.

    from agent.completions import CompletionLog
    from training.preference import train_feedback

    with CompletionLog.open() as log:
        card = train_feedback(log, base="eqm-default-...")   # or the production model
"""

from training.preference.dataset import (
    KTO_WEIGHT_RATIO,
    PreferenceOptions,
    PreferenceReport,
    PreferenceSet,
    build_preferences,
    kto_weights,
    teacher_answer,
)
from training.preference.errors import FeedbackError
from training.preference.source import FeedbackSource, MetricsSource, StoreMetrics
from training.preference.stats import FeedbackStats, Tally, feedback_stats
from training.preference.train import (
    FeedbackTrainingConfig,
    prepare_feedback,
    resolve_base,
    train_feedback,
)

__all__ = [
    "KTO_WEIGHT_RATIO",
    "FeedbackError",
    "FeedbackSource",
    "FeedbackStats",
    "FeedbackTrainingConfig",
    "MetricsSource",
    "PreferenceOptions",
    "PreferenceReport",
    "PreferenceSet",
    "StoreMetrics",
    "Tally",
    "build_preferences",
    "feedback_stats",
    "kto_weights",
    "prepare_feedback",
    "resolve_base",
    "teacher_answer",
    "train_feedback",
]
