"""Memory search: one conformance suite for every backend, ingest from the demo person, and
retrieval quality on the labelled demo queries.

The suite runs on the embedded store always and on Weaviate where EQM_WEAVIATE_URL points at
a server. Vectors come from the real packaged model, loaded once per session.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pytest

from brain.affect import quadrant_of
from brain.demo import simulate
from brain.demo.journal import INJECTIONS
from brain.errors import InvalidQuery
from brain.store import Store
from tools.memories import (
    EmbeddedMemoryStore,
    Memory,
    MemoryStore,
    SentenceTransformerEmbedder,
    memories_from_store,
    sync_memories,
)
from tools.memories.evaluation import evaluate, load_queries
from tools.memories.ranking import words

WEAVIATE_URL = os.environ.get("EQM_WEAVIATE_URL")


def memory(
    memory_id: str, day: str, text: str, valence: float | None, arousal: float | None
) -> Memory:
    mood = None if valence is None or arousal is None else quadrant_of(valence, arousal)
    return Memory(
        id=memory_id,
        day=date.fromisoformat(day),
        source="test",
        kind="note",
        text=text,
        valence=valence,
        arousal=arousal,
        quadrant=mood,
    )


PARTY = "Hangover again after Jonas's birthday party."

ANA = [
    memory(
        "a01", "2025-01-05", "Ran 10 km along the river before work, felt unstoppable.", 0.7, 0.6
    ),
    memory(
        "a02", "2025-01-12", "Couldn't sleep, kept replaying the argument with Priya.", -0.6, 0.5
    ),
    memory("a03", "2025-02-01", "Rainy Sunday on the sofa with tea and a novel.", 0.5, -0.5),
    memory("a04", "2025-02-14", "Dinner with Jonas, too many beers, slept badly.", -0.3, -0.2),
    memory("a05", "2025-03-03", "Presented the Atlas roadmap to the team, it went well.", 0.4, 0.7),
    memory("a06", "2025-03-20", "Exhausted and flat after a week of deadlines.", -0.6, -0.6),
    memory("a07", "2025-04-02", "Long walk in the forest, everything felt calm.", 0.6, -0.4),
    memory("a08", "2025-04-18", "Mum called, we laughed about old holidays.", 0.6, 0.3),
    memory("a09", "2025-05-09", "Panicky before the dentist appointment.", -0.5, 0.6),
    memory("a10", "2025-05-30", "Quiet evening, meditated for twenty minutes.", 0.4, -0.6),
    memory("a11", "2025-06-15", PARTY, None, None),
    memory("a12", "2025-06-16", PARTY, None, None),
]
BEN = [
    memory(
        "b01", "2025-02-14", "Too many beers with Jonas, slept badly, woke up wrecked.", -0.4, -0.3
    ),
    memory("b02", "2025-03-03", "Presented the Atlas roadmap and the team loved it.", 0.6, 0.6),
    memory("b03", "2025-06-15", PARTY, -0.5, -0.5),
]
QUERIES = [
    "jogging beside the water",
    "Atlas roadmap",
    "a night of drinking with Jonas",
    PARTY,
    "feeling anxious",
]


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def vectors(embedder: SentenceTransformerEmbedder) -> dict[str, np.ndarray]:
    """The embedding of every text this suite adds or asks, computed once."""
    texts = sorted({m.text for m in ANA + BEN} | set(QUERIES) | {"Rainy Sunday, wrote letters."})
    return dict(zip(texts, embedder.embed(texts), strict=True))


def rows(vectors: dict[str, np.ndarray], memories: Sequence[Memory]) -> np.ndarray:
    return np.stack([vectors[m.text] for m in memories])


@pytest.fixture(params=["embedded", "weaviate"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MemoryStore]:
    if request.param == "embedded":
        store: MemoryStore = EmbeddedMemoryStore(tmp_path / "memories.sqlite3")
    else:
        if not WEAVIATE_URL:
            pytest.skip("EQM_WEAVIATE_URL is not set: the Weaviate conformance run needs a server")
        from tools.memories.weaviate_store import WeaviateMemoryStore

        api_key = os.environ.get("EQM_WEAVIATE_API_KEY")
        store = WeaviateMemoryStore(WEAVIATE_URL, api_key, collection="EqmMemoryTest")
    yield store
    store.close()


@pytest.fixture
def people(backend: MemoryStore) -> Iterator[tuple[str, str]]:
    """Two people with unique names (a shared Weaviate server may hold other runs' tenants)."""
    suffix = uuid.uuid4().hex[:8]
    ana, ben = f"ana-{suffix}", f"ben-{suffix}"
    yield ana, ben
    for person in (ana, ben):
        backend.delete_person(person)


@pytest.fixture
def filled(
    backend: MemoryStore, people: tuple[str, str], vectors: dict[str, np.ndarray]
) -> tuple[MemoryStore, str, str]:
    ana, ben = people
    backend.add(ana, ANA, rows(vectors, ANA))
    backend.add(ben, BEN, rows(vectors, BEN))
    return backend, ana, ben


def search(
    store: MemoryStore, person: str, query: str, vectors: dict[str, np.ndarray], **options
) -> list[str]:
    return [hit.memory.id for hit in store.search(person, query, vectors[query], **options)]


# conformance --------------------------------------------------------------------------------


def test_adding_the_same_memories_again_changes_nothing(filled, vectors):
    store, ana, _ = filled
    before = [search(store, ana, q, vectors, k=20) for q in QUERIES]
    store.add(ana, ANA, rows(vectors, ANA))
    assert store.count(ana) == len(ANA)
    assert store.ids(ana) == {m.id for m in ANA}
    assert [search(store, ana, q, vectors, k=20) for q in QUERIES] == before


def test_adding_a_known_id_replaces_that_memory(filled, vectors):
    store, ana, _ = filled
    edited = ANA[2].model_copy(update={"text": "Rainy Sunday, wrote letters."})
    store.add(ana, [edited], rows(vectors, [edited]))
    assert store.count(ana) == len(ANA)
    hits = store.search(ana, "letters", None, mode="bm25")
    assert [(h.memory.id, h.memory.text) for h in hits] == [("a03", edited.text)]


def test_a_date_range_keeps_only_its_days_both_ends_included(filled, vectors):
    store, ana, _ = filled
    start, end = date(2025, 2, 14), date(2025, 4, 2)
    for mode in ("hybrid", "vector"):
        found = search(
            store,
            ana,
            "a night of drinking with Jonas",
            vectors,
            k=20,
            start=start,
            end=end,
            mode=mode,
        )
        assert sorted(found) == ["a04", "a05", "a06", "a07"]
    assert search(store, ana, "Atlas roadmap", vectors, start=date(2025, 4, 1), mode="bm25") == []
    only = search(
        store, ana, "Atlas roadmap", vectors, start=date(2025, 3, 3), end=date(2025, 3, 3)
    )
    assert only == ["a05"]


def test_a_quadrant_keeps_only_memories_of_days_in_it(filled, vectors):
    store, ana, _ = filled
    for mode in ("hybrid", "vector"):
        found = search(
            store,
            ana,
            "feeling anxious",
            vectors,
            k=20,
            quadrant="high_energy_unpleasant",
            mode=mode,
        )
        assert sorted(found) == ["a02", "a09"]
    # days without a mood (a11, a12) belong to no quadrant
    for quadrant in ("low_energy_unpleasant", "low_energy_pleasant", "high_energy_pleasant"):
        assert not {"a11", "a12"} & set(search(store, ana, PARTY, vectors, k=20, quadrant=quadrant))


def test_k_caps_the_number_of_hits(filled, vectors):
    store, ana, _ = filled
    assert len(search(store, ana, "feeling anxious", vectors, k=3, mode="vector")) == 3
    assert len(search(store, ana, "feeling anxious", vectors, k=1)) == 1
    assert len(search(store, ana, "feeling anxious", vectors, k=50, mode="vector")) == len(ANA)
    with pytest.raises(InvalidQuery):
        store.search(ana, "feeling anxious", vectors["feeling anxious"], k=0)


def test_each_mode_ranks_by_its_own_evidence(filled, vectors):
    store, ana, _ = filled
    meaning = store.search(
        ana, "jogging beside the water", vectors["jogging beside the water"], mode="vector"
    )
    assert meaning[0].memory.id == "a01"
    assert [h.vector_rank for h in meaning] == [1, 2, 3, 4, 5] and meaning[0].bm25_rank is None
    assert [h.score for h in meaning] == sorted((h.score for h in meaning), reverse=True)
    # no word of the query occurs in any memory, so BM25 finds nothing
    assert store.search(ana, "jogging beside the water", None, mode="bm25") == []
    words_hits = store.search(ana, "Atlas roadmap", None, k=20, mode="bm25")
    assert [h.memory.id for h in words_hits] == ["a05"] and words_hits[0].bm25_rank == 1
    hybrid = store.search(ana, "Atlas roadmap", vectors["Atlas roadmap"], mode="hybrid")
    assert hybrid[0].memory.id == "a05"
    assert hybrid[0].vector_rank is not None and hybrid[0].bm25_rank == 1
    assert [h.score for h in hybrid] == sorted((h.score for h in hybrid), reverse=True)


def test_a_person_never_sees_anothers_memories(filled, vectors):
    store, ana, ben = filled
    for query in QUERIES:
        for mode in ("hybrid", "vector", "bm25"):
            assert set(search(store, ana, query, vectors, k=50, mode=mode)) <= {m.id for m in ANA}
            assert set(search(store, ben, query, vectors, k=50, mode=mode)) <= {m.id for m in BEN}
    assert (store.count(ana), store.count(ben)) == (len(ANA), len(BEN))
    assert store.ids(ben) == {"b01", "b02", "b03"}
    assert search(store, "nobody", PARTY, vectors) == [] and store.count("nobody") == 0
    with pytest.raises(InvalidQuery):
        store.search(" ", PARTY, vectors[PARTY])


def test_deleting_a_person_forgets_only_them(filled, vectors):
    store, ana, ben = filled
    store.delete_person(ana)
    store.delete_person(ana)
    assert store.count(ana) == 0 and store.ids(ana) == set()
    assert search(store, ana, PARTY, vectors) == []
    assert search(store, ben, PARTY, vectors, k=1) == ["b03"]
    store.add(ana, ANA[:2], rows(vectors, ANA[:2]))
    assert store.count(ana) == 2


def test_results_are_deterministic_and_ties_go_by_id(filled, vectors):
    store, ana, _ = filled
    for mode in ("hybrid", "vector", "bm25"):
        runs = [store.search(ana, PARTY, vectors[PARTY], k=4, mode=mode) for _ in range(3)]
        assert runs[0] == runs[1] == runs[2]
        # a11 and a12 say the same words: they tie in each ranking, and the smaller id wins
        assert [h.memory.id for h in runs[0][:2]] == ["a11", "a12"]
        if mode != "hybrid":
            assert runs[0][0].score == runs[0][1].score
    # what comes back is what went in, field by field
    stored = store.search(ana, "Atlas roadmap", vectors["Atlas roadmap"], k=1)[0].memory
    assert stored == ANA[4]


def test_arguments_no_backend_can_answer_are_refused(filled, vectors):
    store, ana, _ = filled
    with pytest.raises(InvalidQuery):
        store.search(ana, "x", vectors[PARTY], start=date(2025, 2, 1), end=date(2025, 1, 1))
    with pytest.raises(InvalidQuery):
        store.search(ana, "Atlas", None, mode="hybrid")
    with pytest.raises(InvalidQuery):
        store.add(ana, ANA[:2], rows(vectors, ANA[:1]))


# the embedded store's own promises ----------------------------------------------------------


def test_the_embedded_store_persists_and_sees_other_writers(tmp_path: Path, vectors):
    path = tmp_path / "memories.sqlite3"
    first, second = EmbeddedMemoryStore(path), EmbeddedMemoryStore(path)
    first.add("ana", ANA[:4], rows(vectors, ANA[:4]))
    assert search(second, "ana", "Atlas roadmap", vectors, k=10, mode="vector") != []
    first.add("ana", ANA[4:], rows(vectors, ANA[4:]))  # second's cached index is now stale
    assert search(second, "ana", "Atlas roadmap", vectors, mode="bm25") == ["a05"]
    first.close()
    reopened = EmbeddedMemoryStore(path)
    assert search(reopened, "ana", PARTY, vectors) == search(second, "ana", PARTY, vectors)
    with pytest.raises(InvalidQuery, match="dimension"):
        reopened.add("ana", ANA[:1], np.ones((1, 8), dtype=np.float32))


def test_the_embedded_store_serves_threads(tmp_path: Path, vectors):
    store = EmbeddedMemoryStore(tmp_path / "memories.sqlite3")
    store.add("ana", ANA[:1], rows(vectors, ANA[:1]))
    errors: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(30):
                assert search(store, "ana", PARTY, vectors, k=3)
        except BaseException as e:  # a failure in a thread must reach the test
            errors.append(e)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for reader in readers:
        reader.start()
    for m in ANA[1:]:
        store.add("ana", [m], rows(vectors, [m]))
    for reader in readers:
        reader.join()
    assert errors == [] and store.count("ana") == len(ANA)


# the Weaviate adapter's own promises, checked without a server ------------------------------


def test_weaviate_tenants_are_stable_valid_and_distinct():
    from tools.memories.weaviate_store import tenant_of

    names = [tenant_of(p) for p in ("alex", "Alex", "alex ", "Zoë Ünal", "x" * 500)]
    assert len(set(names)) == len(names) and tenant_of("alex") == names[0]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name) for name in names)


def test_weaviate_objects_round_trip_every_field():
    from weaviate.outputs.query import MetadataReturn, Object

    from tools.memories.weaviate_store import _memory, _properties, collection_config

    declared = {p.name for p in collection_config()["properties"]}
    for original in (ANA[0], ANA[10]):
        sent = _properties(original)
        assert set(sent) <= declared
        returned = Object(
            uuid=uuid.uuid4(),
            metadata=MetadataReturn(),
            properties=sent,
            references=None,
            vector={},
            collection="EqmMemory",
        )
        assert _memory(returned) == original


def test_weaviate_filters_cover_the_days_and_the_quadrant():
    from tools.memories.weaviate_store import _filters

    assert _filters(None, None, None) is None
    every = _filters(date(2025, 1, 1), date(2025, 1, 31), "low_energy_pleasant")
    midnight = [datetime(2025, 1, d, tzinfo=UTC) for d in (1, 31)]
    assert [(f.target, f.operator.value, f.value) for f in every.filters] == [
        ("day", "GreaterThanEqual", midnight[0]),
        ("day", "LessThanEqual", midnight[1]),
        ("quadrant", "Equal", "low_energy_pleasant"),
    ]


# ingest from the demo person ----------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_memories(
    demo_store: Store, embedder: SentenceTransformerEmbedder, tmp_path_factory
) -> Iterator[tuple[EmbeddedMemoryStore, list[Memory]]]:
    """The demo person's memories, synced into an embedded store once for this module."""
    store = EmbeddedMemoryStore(tmp_path_factory.mktemp("memories") / "memories.sqlite3")
    assert sync_memories(demo_store, store, embedder, "alex") > 0
    yield store, memories_from_store(demo_store, "alex")
    store.close()


def test_every_note_and_reflection_becomes_a_memory_with_its_days_mood(demo_store, demo_memories):
    store, memories = demo_memories
    truth = simulate(days=730)
    written = {(c.day, t) for c in truth.checkins for t in (c.note, c.reflection) if t}
    assert {(m.day, m.text) for m in memories} == written
    assert store.count("alex") == len(memories) == len(written)
    assert {m.kind for m in memories} == {"note", "reflection"}
    assert {m.source for m in memories} == {"how_we_feel"}
    assert all(re.fullmatch(r"[0-9a-f]{32}", m.id) for m in memories)
    moods = demo_store.timeline("alex", metrics=["valence", "arousal"])
    for m in memories:
        assert m.valence == moods.at[m.day, "valence"] and m.arousal == moods.at[m.day, "arousal"]
        assert m.quadrant == quadrant_of(m.valence, m.arousal)


def test_a_second_sync_embeds_nothing(demo_store, demo_memories):
    store, memories = demo_memories

    class Refusing:
        dimension = 384

        def embed(self, texts: Sequence[str]) -> np.ndarray:
            raise AssertionError(f"asked to embed {len(texts)} texts again")

    assert sync_memories(demo_store, store, Refusing(), "alex") == 0
    assert store.count("alex") == len(memories)


def test_injected_instructions_are_stored_and_returned_as_plain_text(demo_memories, embedder):
    store, memories = demo_memories
    for injection in INJECTIONS:
        [planted] = [m for m in memories if injection in m.text]
        for mode in ("hybrid", "bm25"):
            [hit] = store.search("alex", injection, embedder.embed([injection])[0], k=1, mode=mode)
            assert hit.memory == planted


# retrieval quality --------------------------------------------------------------------------


def test_paraphrase_queries_share_no_content_word_with_their_answers():
    function_words = {"my", "me", "when", "got", "what", "how", "did", "do"}

    def stems(text: str) -> set[str]:
        return {re.sub(r"(ing|ed|es|s)$", "", w) for w in words(text)} - function_words

    for query in load_queries("paraphrase"):
        assert not stems(query.query) & stems(" ".join(query.relevant)), query.query


def test_hybrid_search_keeps_the_meaning_that_words_miss(demo_memories, embedder):
    store, memories = demo_memories
    queries = load_queries("paraphrase")
    assert len(queries) >= 40
    vectors = embedder.embed([q.query for q in queries])
    recall = {
        mode: evaluate(store, "alex", memories, queries, vectors, mode).recall_at_5
        for mode in ("vector", "bm25", "hybrid")
    }
    assert recall["hybrid"] >= max(recall["bm25"], recall["vector"]) - 0.05, recall
    assert recall["vector"] > recall["bm25"], recall


def test_hybrid_search_keeps_exact_words_too(demo_memories, embedder):
    store, memories = demo_memories
    queries = load_queries("keyword")
    vectors = embedder.embed([q.query for q in queries])
    hybrid = evaluate(store, "alex", memories, queries, vectors, "hybrid").recall_at_5
    bm25 = evaluate(store, "alex", memories, queries, vectors, "bm25").recall_at_5
    assert hybrid >= bm25 - 0.05
