"""Memories without a server: rows and vectors in a SQLite file, and per person an in-memory
index (a numpy matrix for cosine similarity, a BM25 index for words) that is rebuilt on the
first search after that person's memories changed, in this process or another one.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from brain.affect import QUADRANTS, Quadrant
from brain.config import Settings
from brain.errors import InvalidQuery
from tools.memories.model import Memory, MemoryHit, SearchMode
from tools.memories.ranking import (
    BM25_B,
    BM25_K1,
    check_batch,
    check_person,
    check_search,
    coverage,
    fuse,
    pool_size,
    words,
)

if TYPE_CHECKING:
    import bm25s

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memories (
    person TEXT NOT NULL,
    id TEXT NOT NULL,
    day TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    valence REAL,
    arousal REAL,
    quadrant TEXT,
    vector BLOB NOT NULL,
    PRIMARY KEY (person, id)
);
-- a new random revision on every change tells each process its cached index is stale
CREATE TABLE IF NOT EXISTS memory_revisions (person TEXT PRIMARY KEY, revision TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS memory_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_UPSERT = """
INSERT INTO memories (person, id, day, source, kind, text, valence, arousal, quadrant, vector)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (person, id) DO UPDATE SET
    day = excluded.day, source = excluded.source, kind = excluded.kind, text = excluded.text,
    valence = excluded.valence, arousal = excluded.arousal, quadrant = excluded.quadrant,
    vector = excluded.vector
"""

_VECTOR_DTYPE = np.dtype("<f4")


@dataclass(frozen=True, slots=True)
class _Index:
    """One person's memories sorted by (day, id), so a date range is a slice of every array."""

    revision: str
    ids: list[str]
    rows: list[tuple[str, str, str, float | None, float | None]]  # source, kind, text, v, a
    days: np.ndarray  # date ordinals
    id_order: np.ndarray  # each memory's position in id order: the tie-breaker
    quadrants: np.ndarray  # index into QUADRANTS, -1 when the day has no mood
    matrix: np.ndarray  # unit float32 rows
    bm25: bm25s.BM25 | None  # None when no memory has a single word

    def span(self, start: date | None, end: date | None) -> tuple[int, int]:
        """The slice of positions whose day lies in [start, end]."""
        lo = 0 if start is None else np.searchsorted(self.days, start.toordinal(), "left")
        hi = len(self.ids) if end is None else np.searchsorted(self.days, end.toordinal(), "right")
        return int(lo), max(int(lo), int(hi))

    def memory(self, position: int) -> Memory:
        source, kind, text, valence, arousal = self.rows[position]
        code = int(self.quadrants[position])
        return Memory(
            id=self.ids[position],
            day=date.fromordinal(int(self.days[position])),
            source=source,
            kind=kind,
            text=text,
            valence=valence,
            arousal=arousal,
            quadrant=QUADRANTS[code] if code >= 0 else None,
        )


class EmbeddedMemoryStore:
    """The default memory store: one SQLite file, no server, safe to share between threads."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else Settings().data_dir / "memories.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._indexes: dict[str, _Index] = {}

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # writing --------------------------------------------------------------------------------

    def add(self, person: str, memories: Sequence[Memory], vectors: np.ndarray) -> None:
        check_person(person)
        matrix = check_batch(memories, vectors).astype(_VECTOR_DTYPE, copy=False)
        if not memories:
            return
        rows = [
            (
                person,
                m.id,
                m.day.isoformat(),
                m.source,
                m.kind,
                m.text,
                m.valence,
                m.arousal,
                m.quadrant,
                vector.tobytes(),
            )
            for m, vector in zip(memories, matrix, strict=True)
        ]
        with self._lock, self._db:
            self._check_dimension(matrix.shape[1])
            self._db.executemany(_UPSERT, rows)
            self._touch(person)

    def delete_person(self, person: str) -> None:
        check_person(person)
        with self._lock, self._db:
            self._db.execute("DELETE FROM memories WHERE person = ?", (person,))
            self._db.execute("DELETE FROM memory_revisions WHERE person = ?", (person,))
            self._indexes.pop(person, None)

    def _touch(self, person: str) -> None:
        self._db.execute(
            "INSERT INTO memory_revisions VALUES (?, ?) "
            "ON CONFLICT (person) DO UPDATE SET revision = excluded.revision",
            (person, uuid.uuid4().hex),
        )
        self._indexes.pop(person, None)

    def _check_dimension(self, dimension: int) -> None:
        """Vectors from two different models cannot be compared: refuse to mix them."""
        self._db.execute(
            "INSERT OR IGNORE INTO memory_settings VALUES ('dimension', ?)", (str(dimension),)
        )
        (stored,) = self._db.execute(
            "SELECT value FROM memory_settings WHERE name = 'dimension'"
        ).fetchone()
        if int(stored) != dimension:
            raise InvalidQuery(
                f"{self.path} holds {stored}-dimensional vectors, not {dimension}: the embedding "
                "model changed; delete the file to re-embed every memory"
            )

    # reading --------------------------------------------------------------------------------

    def ids(self, person: str) -> set[str]:
        check_person(person)
        with self._lock:
            rows = self._db.execute("SELECT id FROM memories WHERE person = ?", (person,))
            return {memory_id for (memory_id,) in rows}

    def count(self, person: str) -> int:
        check_person(person)
        with self._lock:
            query = "SELECT count(*) FROM memories WHERE person = ?"
            return int(self._db.execute(query, (person,)).fetchone()[0])

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
        check_person(person)
        query = check_search(query_vector, k, start, end, mode)
        index = self._index(person)
        if index is None:
            return []
        if query is not None and query.shape[0] != index.matrix.shape[1]:
            raise InvalidQuery(
                f"the query vector has {query.shape[0]} dimensions, the memories "
                f"{index.matrix.shape[1]}"
            )
        lo, hi = index.span(start, end)
        selected = np.arange(lo, hi)
        if quadrant is not None:
            selected = selected[index.quadrants[lo:hi] == QUADRANTS.index(quadrant)]
        if selected.size == 0:
            return []
        size = pool_size(k) if mode == "hybrid" else k
        vector = [] if query is None else _vector_ranking(index, query, lo, hi, selected, size)
        matches = [] if mode == "vector" else _bm25_ranking(index, query_text, selected, size)
        if mode == "vector":
            return [_hit(index, p, s, rank, None) for rank, (p, s) in enumerate(vector, 1)]
        if mode == "bm25":
            return [_hit(index, p, s, None, rank) for rank, (p, s) in enumerate(matches, 1)]
        position = {index.ids[p]: p for p, _ in vector} | {index.ids[p]: p for p, _ in matches}
        query_words = set(words(query_text))
        fused = fuse(
            [index.ids[p] for p, _ in vector],
            [index.ids[p] for p, _ in matches],
            {index.ids[p]: coverage(query_words, index.rows[p][2]) for p, _ in matches},
            k,
        )
        return [_hit(index, position[i], score, v, b) for i, score, v, b in fused]

    def _index(self, person: str) -> _Index | None:
        """The person's index, rebuilt when the stored revision moved on; None if no memories."""
        with self._lock:
            row = self._db.execute(
                "SELECT revision FROM memory_revisions WHERE person = ?", (person,)
            ).fetchone()
            if row is None:
                return None
            cached = self._indexes.get(person)
            if cached is None or cached.revision != row[0]:
                cached = self._indexes[person] = self._build(person, row[0])
            return cached

    def _build(self, person: str, revision: str) -> _Index:
        import bm25s

        rows = self._db.execute(
            "SELECT id, day, source, kind, text, valence, arousal, quadrant, vector "
            "FROM memories WHERE person = ? ORDER BY day, id",
            (person,),
        ).fetchall()
        ids = [row[0] for row in rows]
        dimension = len(rows[0][8]) // _VECTOR_DTYPE.itemsize
        codes = {name: code for code, name in enumerate(QUADRANTS)}
        tokens = [words(row[4]) for row in rows]
        bm25 = bm25s.BM25(k1=BM25_K1, b=BM25_B) if any(tokens) else None
        if bm25:
            bm25.index(tokens, show_progress=False)
        return _Index(
            revision=revision,
            ids=ids,
            rows=[(row[2], row[3], row[4], row[5], row[6]) for row in rows],
            days=np.array([date.fromisoformat(row[1]).toordinal() for row in rows]),
            id_order=np.argsort(np.argsort(np.array(ids), kind="stable")),
            quadrants=np.array([codes.get(row[7], -1) for row in rows], dtype=np.int8),
            matrix=np.frombuffer(b"".join(row[8] for row in rows), _VECTOR_DTYPE).reshape(
                len(rows), dimension
            ),
            bm25=bm25,
        )


def _vector_ranking(
    index: _Index, query: np.ndarray, lo: int, hi: int, selected: np.ndarray, size: int
) -> list[tuple[int, float]]:
    # multiplying the contiguous slice avoids copying rows for the date filter
    scores = (index.matrix[lo:hi] @ query)[selected - lo]
    return _top(scores, selected, index.id_order, size)


def _bm25_ranking(
    index: _Index, text: str, selected: np.ndarray, size: int
) -> list[tuple[int, float]]:
    if index.bm25 is None or not (token_ids := index.bm25.get_tokens_ids(words(text))):
        return []
    scores = index.bm25.get_scores_from_ids(token_ids)[selected]
    matching = scores > 0
    return _top(scores[matching], selected[matching], index.id_order, size)


def _top(
    scores: np.ndarray, positions: np.ndarray, id_order: np.ndarray, size: int
) -> list[tuple[int, float]]:
    """(position, score) of the best `size`, best first, equal scores in id order."""
    chosen = np.arange(scores.size)
    if size < scores.size:
        cut = np.partition(scores, scores.size - size)[scores.size - size]
        chosen = np.flatnonzero(scores >= cut)  # keeps every memory tied at the cut
    order = chosen[np.lexsort((id_order[positions[chosen]], -scores[chosen]))][:size]
    return [(int(positions[i]), float(scores[i])) for i in order]


def _hit(index: _Index, position: int, score: float, v: int | None, b: int | None) -> MemoryHit:
    return MemoryHit(memory=index.memory(position), score=score, vector_rank=v, bm25_rank=b)
