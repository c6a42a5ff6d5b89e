"""What every backend shares: argument checks, the words BM25 sees, and hybrid fusion.

Hybrid ranking is reciprocal rank fusion (RRF, Cormack et al. 2009) with one change measured
on `eval_queries.json`: a memory's BM25 term is scaled by coverage², the share of the query's
words that the memory contains. Plain RRF trusts a BM25 rank however it was earned, so a
paraphrased question ("wiped out after a night out") drags in memories that merely share
"night"; with coverage a BM25 rank counts fully only when the memory has the query's words,
as for names and projects ("Atlas deadline"). Both backends fuse here, on the client, so
they rank alike, report each memory's two ranks and break ties the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np

from brain.errors import InvalidQuery
from tools.memories.model import Memory, SearchMode

RRF_K = 60
MAX_K = 200
BM25_K1 = 1.2  # Weaviate's defaults, set on both backends so that they weigh words alike
BM25_B = 0.75

STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "  # noqa: SIM905
    "then there these they this to was will with".split()
)
"""Lucene's English stop words, which are also Weaviate's "en" preset and bm25s's list."""

_WORD = re.compile(r"\b\w\w+\b")

Fused = tuple[str, float, int | None, int | None]
"""(memory id, fused score, vector rank, bm25 rank), ranks 1-based."""


def words(text: str) -> list[str]:
    """The words BM25 indexes: lower case, two or more letters or digits, no stop words."""
    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]


def coverage(query_words: set[str], text: str) -> float:
    """The share of the query's distinct words that occur in a text (0 to 1)."""
    if not query_words:
        return 0.0
    return len(query_words & set(words(text))) / len(query_words)


def pool_size(k: int) -> int:
    """How many of each ranking to fuse: enough that no memory outside both could win.

    Outside both pools a memory scores below 2 / (RRF_K + pool); at least k memories (the
    vector ranking's first k) score 1 / (RRF_K + k) or more. Fusing truncated rankings is what
    search engines do; a memory in one pool but past the other gets nothing from the other.
    """
    return 2 * k + RRF_K


def fuse(
    vector_ids: Sequence[str], bm25_ids: Sequence[str], coverages: Mapping[str, float], k: int
) -> list[Fused]:
    """The best k of two rankings, best first, ties by id; `coverages` covers `bm25_ids`."""
    vector_rank = {memory_id: rank for rank, memory_id in enumerate(vector_ids, 1)}
    bm25_rank = {memory_id: rank for rank, memory_id in enumerate(bm25_ids, 1)}
    fused: list[Fused] = []
    for memory_id in vector_rank.keys() | bm25_rank.keys():
        v, b = vector_rank.get(memory_id), bm25_rank.get(memory_id)
        score = 1 / (RRF_K + v) if v else 0.0
        if b:
            score += coverages[memory_id] ** 2 / (RRF_K + b)
        fused.append((memory_id, score, v, b))
    fused.sort(key=lambda item: (-item[1], item[0]))
    return fused[:k]


def check_person(person: str) -> str:
    """The person a call is scoped to; an empty name would scope it to no one."""
    if not person.strip():
        raise InvalidQuery("a memory call must name a person")
    return person


def check_search(
    query_vector: np.ndarray | None,
    k: int,
    start: date | None,
    end: date | None,
    mode: SearchMode,
) -> np.ndarray | None:
    """The query vector as unit float32, after refusing arguments no backend can answer."""
    if mode not in ("hybrid", "vector", "bm25"):
        raise InvalidQuery(f"unknown search mode {mode!r}; use hybrid, vector or bm25")
    if not 1 <= k <= MAX_K:
        raise InvalidQuery(f"k must be between 1 and {MAX_K}, not {k}")
    if start and end and start > end:
        raise InvalidQuery(f"the start date {start} is after the end date {end}")
    if mode == "bm25":
        return None
    if query_vector is None:
        raise InvalidQuery(f"{mode} search needs a query vector")
    return unit_rows(np.asarray(query_vector, dtype=np.float32).reshape(1, -1))[0]


def check_batch(memories: Sequence[Memory], vectors: np.ndarray) -> np.ndarray:
    """The vectors as unit float32 rows, one per memory."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(memories):
        raise InvalidQuery(
            f"expected one vector row per memory ({len(memories)}), got shape {matrix.shape}"
        )
    return unit_rows(matrix) if len(memories) else matrix


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1, so a dot product is the cosine similarity."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if not np.all(np.isfinite(matrix)) or np.any(norms == 0):
        raise InvalidQuery("vectors must be finite and non-zero")
    return (matrix / norms).astype(np.float32, copy=False)
