"""What the memory store holds and returns: a person's own words, with the day's mood."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from brain.affect import Quadrant

SearchMode = Literal["hybrid", "vector", "bm25"]
"""How `search` ranks: fused meaning + words, meaning only, or words only."""


class Memory(BaseModel):
    """One piece of text a person wrote (a note, a reflection, a journal entry...)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(
        min_length=1, max_length=200, description="Stable; adding it again replaces the memory."
    )
    day: date
    source: str = Field(description="The importer or app it came from, e.g. how_we_feel.")
    kind: str = Field(description="note, reflection, journal or conversation.")
    text: str
    valence: float | None = Field(default=None, ge=-1, le=1, description="That day's mean.")
    arousal: float | None = Field(default=None, ge=-1, le=1, description="That day's mean.")
    quadrant: Quadrant | None = None


class MemoryHit(BaseModel):
    """A search result with the evidence for its place in the ranking.

    `score` means what the mode ranks by: the fused reciprocal-rank score (hybrid), the cosine
    similarity (vector) or the BM25 score (bm25). The ranks are 1-based positions among the
    memories that passed the filters; a rank is None when the mode did not rank by it, when
    no query word occurs in the text (BM25), or when the memory was outside the candidates
    that hybrid search fused.
    """

    model_config = ConfigDict(frozen=True)

    memory: Memory
    score: float
    vector_rank: int | None = None
    bm25_rank: int | None = None
