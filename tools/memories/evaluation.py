"""Retrieval quality on the demo journal, so ranking changes are judged by numbers.

recall@5 is the share of a query's relevant memories in the top 5, out of at most 5 (many
queries have dozens of relevant notes, and only 5 can be shown); MRR@10 is the mean of
1 / rank of the first relevant memory in the top 10 (0 when there is none).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from tools.memories.model import Memory, SearchMode
from tools.memories.store import MemoryStore

EVAL_QUERIES = Path(__file__).with_name("eval_queries.json")

QueryKind = Literal["paraphrase", "keyword"]


class EvalQuery(BaseModel):
    """A question and the strings whose presence makes a memory a right answer to it."""

    query: str
    kind: QueryKind
    relevant: list[str] = Field(min_length=1)

    def relevant_ids(self, memories: Sequence[Memory]) -> set[str]:
        return {m.id for m in memories if any(s in m.text for s in self.relevant)}


class Score(BaseModel):
    ranking: str
    queries: int
    recall_at_5: float
    mrr_at_10: float


def load_queries(kind: QueryKind, path: Path = EVAL_QUERIES) -> list[EvalQuery]:
    entries = json.loads(path.read_text())["queries"]
    return [query for query in map(EvalQuery.model_validate, entries) if query.kind == kind]


def evaluate(
    memory_store: MemoryStore,
    person: str,
    memories: Sequence[Memory],
    queries: Sequence[EvalQuery],
    query_vectors: np.ndarray,
    mode: SearchMode,
) -> Score:
    """How well one search mode ranks (query vectors in the order of `queries`)."""
    rankings = [
        [hit.memory.id for hit in memory_store.search(person, q.query, v, k=10, mode=mode)]
        for q, v in zip(queries, query_vectors, strict=True)
    ]
    return score(mode, memories, queries, rankings)


def score(
    ranking: str,
    memories: Sequence[Memory],
    queries: Sequence[EvalQuery],
    rankings: Sequence[Sequence[str]],
) -> Score:
    """recall@5 and MRR@10 of ranked memory ids, one ranking per query."""
    recall, reciprocal = [], []
    for query, ranked in zip(queries, rankings, strict=True):
        relevant = query.relevant_ids(memories)
        if not relevant:
            raise ValueError(f"no memory is relevant to {query.query!r}: fix its labels")
        recall.append(len(relevant.intersection(ranked[:5])) / min(5, len(relevant)))
        first = next((rank for rank, i in enumerate(ranked[:10], 1) if i in relevant), None)
        reciprocal.append(1 / first if first else 0.0)
    return Score(
        ranking=ranking,
        queries=len(queries),
        recall_at_5=float(np.mean(recall)),
        mrr_at_10=float(np.mean(reciprocal)),
    )
