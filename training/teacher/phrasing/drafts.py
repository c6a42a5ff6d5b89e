"""The records a question passes through, and the two helpers every generator draws with.

A generator returns a `Draft` (the bare question and what its plan must hold); dressed and
varied, it becomes the `Question` the corpus uses. Kept apart so that every generator
module shares them without importing the others.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from training.teacher.phrasing.words import MOODS, NOUNS


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    clean: str
    intent: str


class Draft(BaseModel):
    """A generator's question before the variations, with what its plan must hold."""

    intent: str
    text: str
    metrics: tuple[str, ...] = ()
    query: str | None = None


Generator = Callable[[random.Random, list[str]], Draft]


def pick_metric(rng: random.Random, metrics: list[str], *, mood: bool | None = None) -> str:
    names = [m for m in NOUNS if m in metrics and (mood is None or (m in MOODS) == mood)]
    return rng.choice(names)


def fill(rng: random.Random, templates: tuple[str, ...], **slots: str) -> str:
    return " ".join(rng.choice(templates).format(**slots).split())
