"""Retrieval quality of memory search on the demo journal: recall@5 and MRR@10 per mode.

    .venv/bin/python benchmarks/memory_retrieval.py

Imports the demo person's How We Feel export (every note and reflection, with the moods)
into a temporary store, embeds the memories with the packaged model, and scores vector-only,
BM25-only and hybrid search on tools/memories/eval_queries.json: "paraphrase" queries (the
words differ from the notes') and "keyword" queries (names, projects, exact phrases). Plain
reciprocal rank fusion of the same two rankings is scored too, as the baseline that the
coverage-weighted fusion in tools/memories/ranking.py replaced.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from brain.demo import generate
from brain.demo.params import TZ
from brain.store import Store
from tools.memories import EmbeddedMemoryStore, SentenceTransformerEmbedder, sync_memories
from tools.memories.evaluation import EvalQuery, evaluate, load_queries, score
from tools.memories.ingest import memories_from_store
from tools.memories.ranking import RRF_K, pool_size


def plain_rrf(
    memory_store: EmbeddedMemoryStore, queries: list[EvalQuery], vectors: np.ndarray
) -> list[list[str]]:
    """Top 10 by 1/(60 + vector rank) + 1/(60 + BM25 rank), ties by id."""
    rankings = []
    for query, vector in zip(queries, vectors, strict=True):
        fused: dict[str, float] = {}
        for mode in ("vector", "bm25"):
            hits = memory_store.search("alex", query.query, vector, k=pool_size(10), mode=mode)
            for rank, hit in enumerate(hits, 1):
                fused[hit.memory.id] = fused.get(hit.memory.id, 0.0) + 1 / (RRF_K + rank)
        rankings.append(sorted(fused, key=lambda i: (-fused[i], i))[:10])
    return rankings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    embedder = SentenceTransformerEmbedder()
    with tempfile.TemporaryDirectory() as work:
        journal = generate(Path(work) / "demo", days=730)[0]
        with Store.open(f"sqlite:///{work}/eqm.sqlite3") as store:
            store.import_file("alex", journal, timezone=TZ.key)
            memory_store = EmbeddedMemoryStore(Path(work) / "memories.sqlite3")
            started = time.perf_counter()
            sync_memories(store, memory_store, embedder, "alex")
            synced = time.perf_counter() - started
            memories = memories_from_store(store, "alex")
        print(f"\n{len(memories)} demo memories, embedded and stored in {synced:.1f} s\n")
        print("| queries | n | ranking | recall@5 | MRR@10 |\n| --- | ---: | --- | ---: | ---: |")
        for kind in ("paraphrase", "keyword"):
            queries = load_queries(kind)
            vectors = embedder.embed([q.query for q in queries])
            scores = [
                evaluate(memory_store, "alex", memories, queries, vectors, mode)
                for mode in ("vector", "bm25", "hybrid")
            ]
            baseline = plain_rrf(memory_store, queries, vectors)
            scores.append(score("plain RRF (baseline)", memories, queries, baseline))
            for s in scores:
                print(
                    f"| {kind} | {s.queries} | {s.ranking} | {s.recall_at_5:.3f} "
                    f"| {s.mrr_at_10:.3f} |"
                )
        memory_store.close()


if __name__ == "__main__":
    main()
