"""Speed of memory search: embedding throughput, index build and search p50/p95 per size.

    .venv/bin/python benchmarks/memory_search.py [--sizes 10000 100000] [--queries 200]

Texts are synthetic: two to four sentences drawn from the demo journal per memory. Embedding
100,000 of them would take minutes, so a few thousand are embedded for real and every memory
reuses one of those vectors with small Gaussian noise (renormalised); BM25 sees the real
synthetic texts. Latency is `EmbeddedMemoryStore.search` alone, with query vectors embedded
beforehand; one query's embedding is timed separately.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np

from brain.affect import QUADRANTS
from brain.demo import simulate
from tools.memories import EmbeddedMemoryStore, Memory, SearchMode, SentenceTransformerEmbedder
from tools.memories.evaluation import load_queries

REAL_VECTORS = 3000
NOISE = 0.02
FIRST_DAY = date(2017, 1, 1)
SPAN_DAYS = 3650


class Case(NamedTuple):
    name: str
    mode: SearchMode = "hybrid"
    window_days: int | None = None
    quadrant: bool = False


CASES = (
    Case("hybrid"),
    Case("hybrid, 90-day window", window_days=90),
    Case("hybrid, 90 days + quadrant", window_days=90, quadrant=True),
    Case("vector", mode="vector"),
    Case("bm25", mode="bm25"),
)


def journal_sentences() -> list[str]:
    """Every distinct sentence of the demo journal's notes and reflections."""
    truth = simulate(days=730)
    texts = [c.note for c in truth.checkins] + [c.reflection for c in truth.checkins]
    return sorted({s for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if s})


def synthetic_texts(rng: np.random.Generator, sentences: list[str], n: int) -> list[str]:
    picks = rng.integers(len(sentences), size=(n, 4))
    lengths = rng.integers(2, 5, size=n)
    return [" ".join(sentences[i] for i in picks[j, : lengths[j]]) for j in range(n)]


def milliseconds(seconds: list[float]) -> tuple[float, float]:
    """(p50, p95) in milliseconds."""
    p50, p95 = np.percentile(np.asarray(seconds) * 1000, [50, 95])
    return float(p50), float(p95)


def synthetic_store(
    path: Path, rng: np.random.Generator, sentences: list[str], real: np.ndarray, size: int
) -> tuple[EmbeddedMemoryStore, float]:
    """A store with `size` memories of one person over ten years, and the seconds to add them."""
    texts = synthetic_texts(rng, sentences, size)
    vectors = real[rng.integers(len(real), size=size)]
    vectors = vectors + rng.normal(0, NOISE, vectors.shape).astype(np.float32)
    days = rng.integers(SPAN_DAYS, size=size)
    moods = rng.integers(len(QUADRANTS), size=size)
    memories = [
        Memory(
            id=f"m{i:07d}",
            day=FIRST_DAY + timedelta(days=int(days[i])),
            source="synthetic",
            kind="note",
            text=texts[i],
            quadrant=QUADRANTS[moods[i]],
        )
        for i in range(size)
    ]
    store = EmbeddedMemoryStore(path)
    started = time.perf_counter()
    store.add("bench", memories, vectors)
    return store, time.perf_counter() - started


def time_case(
    store: EmbeddedMemoryStore,
    rng: np.random.Generator,
    case: Case,
    questions: list[str],
    vectors: np.ndarray,
) -> list[float]:
    timings = []
    for i, (question, vector) in enumerate(zip(questions, vectors, strict=True)):
        start = end = None
        if case.window_days:
            start = FIRST_DAY + timedelta(days=int(rng.integers(SPAN_DAYS - case.window_days)))
            end = start + timedelta(days=case.window_days - 1)
        quadrant = QUADRANTS[i % len(QUADRANTS)] if case.quadrant else None
        began = time.perf_counter()
        store.search(
            "bench", question, vector, start=start, end=end, quadrant=quadrant, mode=case.mode
        )
        timings.append(time.perf_counter() - began)
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    embedder = SentenceTransformerEmbedder()
    embedder.embed(["warm up"])

    sentences = journal_sentences()
    started = time.perf_counter()
    embedder.embed(sentences)
    sentence_rate = len(sentences) / (time.perf_counter() - started)
    real_texts = synthetic_texts(rng, sentences, REAL_VECTORS)
    started = time.perf_counter()
    real_vectors = embedder.embed(real_texts)
    throughput = REAL_VECTORS / (time.perf_counter() - started)
    singles = []
    for text in real_texts[:50]:
        started = time.perf_counter()
        embedder.embed([text])
        singles.append(time.perf_counter() - started)
    questions = [q.query for kind in ("paraphrase", "keyword") for q in load_queries(kind)]
    questions = [questions[i % len(questions)] for i in range(args.queries)]
    query_vectors = embedder.embed(questions)

    print(f"\nCPU cores: {os.cpu_count()}; torch threads: {_torch_threads()}")
    print(
        f"Embedding, batched: {sentence_rate:.0f} sentences/s ({len(sentences)} distinct journal "
        f"sentences), {throughput:.0f} memories/s ({REAL_VECTORS} memories of 2-4 sentences)"
    )
    print(f"Embedding one query alone: p50 {milliseconds(singles)[0]:.1f} ms")
    print(
        f"Vectors: {REAL_VECTORS} embedded for real, the rest reuse them with N(0, {NOISE}) "
        "noise per dimension\n"
    )
    print(
        "| memories | add s | index build s | search | p50 ms | p95 ms |\n"
        "| ---: | ---: | ---: | --- | ---: | ---: |"
    )
    with tempfile.TemporaryDirectory() as work:
        for size in args.sizes:
            path = Path(work) / f"memories-{size}.sqlite3"
            store, added = synthetic_store(path, rng, sentences, real_vectors, size)
            started = time.perf_counter()
            store.search("bench", questions[0], query_vectors[0])
            built = time.perf_counter() - started
            for case in CASES:
                p50, p95 = milliseconds(time_case(store, rng, case, questions, query_vectors))
                print(
                    f"| {size:,} | {added:.1f} | {built:.2f} | {case.name} | {p50:.1f} "
                    f"| {p95:.1f} |"
                )
            store.close()


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


if __name__ == "__main__":
    main()
