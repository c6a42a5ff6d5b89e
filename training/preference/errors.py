"""What feedback training raises on purpose: part of training's one exception family."""

from training.errors import TrainingError


class FeedbackError(TrainingError):
    """Feedback cannot become a candidate model: too little usable feedback, an unknown base,
    or another feedback training already running. Nothing is registered when it is raised."""


__all__ = ["FeedbackError"]
