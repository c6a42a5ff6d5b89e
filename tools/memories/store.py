"""The contract every memory backend keeps, so the agent's tool works the same on each.

Every call names exactly one person and sees only that person's memories: scoping is part of
the contract, not something callers filter afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

import numpy as np

from brain.affect import Quadrant
from tools.memories.model import Memory, MemoryHit, SearchMode


class MemoryStore(Protocol):
    """Where memories and their vectors live, searchable by meaning, words or both."""

    def add(self, person: str, memories: Sequence[Memory], vectors: np.ndarray) -> None:
        """Store memories with one vector row each; a memory id already there is replaced."""
        ...

    def ids(self, person: str) -> set[str]:
        """The ids stored for a person, so callers embed only what is new."""
        ...

    def search(
        self,
        person: str,
        query_text: str,
        query_vector: np.ndarray | None,
        *,
        k: int = 5,
        start: date | None = None,
        end: date | None = None,
        quadrant: Quadrant | None = None,
        mode: SearchMode = "hybrid",
    ) -> list[MemoryHit]:
        """The best `k` memories among those in [start, end] (and in `quadrant`), best first.

        `query_vector` may be None only in bm25 mode. Ties break by memory id.
        """
        ...

    def count(self, person: str) -> int: ...

    def delete_person(self, person: str) -> None:
        """Forget every memory of a person (nothing happens if there are none)."""
        ...

    def close(self) -> None: ...
