"""Memories in a Weaviate server (>= 1.27), for deployments that outgrow one SQLite file.

One collection holds everyone's memories with multi-tenancy: each person is a tenant (an id
derived from the name), so a query physically cannot reach another person's shard, and
forgetting a person drops their tenant. Vectors come from our embedder (self-provided).
Hybrid search runs Weaviate's near-vector and BM25 queries with the same filters and fuses
them in `ranking.fuse`, so both backends rank with the same formula and report both ranks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np

from brain.affect import Quadrant
from brain.errors import InvalidQuery
from tools.errors import ToolsError
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
    from weaviate import WeaviateClient
    from weaviate.classes.query import FilterReturn
    from weaviate.collections import Collection
    from weaviate.outputs.query import Object

COLLECTION = "EqmMemory"
VECTOR = "embedding"
"""The collection's one named vector: naming it works the same on every server >= 1.24."""
INSERT_BATCH = 500
_RETURNED = ["memory_id", "day", "source", "kind", "text", "valence", "arousal", "quadrant"]


class WeaviateWriteFailed(ToolsError):
    """Weaviate refused some memories of a batch (the message quotes its first reason)."""


def tenant_of(person: str) -> str:
    """A stable tenant name for a person: Weaviate allows only [A-Za-z0-9_-] up to 64."""
    return "p" + hashlib.blake2b(person.encode(), digest_size=16).hexdigest()


class WeaviateMemoryStore:
    """The memory store on a Weaviate server; connects (and creates the collection) at once."""

    def __init__(
        self,
        url: str,
        api_key: str | None = None,
        *,
        collection: str = COLLECTION,
        grpc_port: int = 50051,
    ) -> None:
        self._client = _connect(url, api_key, grpc_port)
        self._name = collection
        self._ensure_collection()

    def close(self) -> None:
        self._client.close()

    # writing --------------------------------------------------------------------------------

    def add(self, person: str, memories: Sequence[Memory], vectors: np.ndarray) -> None:
        from weaviate.classes.data import DataObject
        from weaviate.util import generate_uuid5

        check_person(person)
        matrix = check_batch(memories, vectors)
        if not memories:
            return
        collection = self._tenant_created(person)
        objects = [
            DataObject(
                properties=_properties(m), uuid=generate_uuid5(m.id), vector={VECTOR: v.tolist()}
            )
            for m, v in zip(memories, matrix, strict=True)
        ]
        for at in range(0, len(objects), INSERT_BATCH):
            result = collection.data.insert_many(objects[at : at + INSERT_BATCH])
            if result.has_errors:
                first = next(iter(result.errors.values()))
                raise WeaviateWriteFailed(
                    f"Weaviate refused {len(result.errors)} memories: {first.message}"
                )

    def delete_person(self, person: str) -> None:
        check_person(person)
        collection = self._client.collections.use(self._name)
        if collection.tenants.exists(tenant_of(person)):
            collection.tenants.remove([tenant_of(person)])

    # reading --------------------------------------------------------------------------------

    def ids(self, person: str) -> set[str]:
        collection = self._tenant(check_person(person))
        if collection is None:
            return set()
        return {
            str(o.properties["memory_id"])
            for o in collection.iterator(return_properties=["memory_id"])
        }

    def count(self, person: str) -> int:
        collection = self._tenant(check_person(person))
        if collection is None:
            return 0
        return int(collection.aggregate.over_all(total_count=True).total_count or 0)

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
        from weaviate.classes.query import MetadataQuery

        check_person(person)
        query = check_search(query_vector, k, start, end, mode)
        collection = self._tenant(person)
        if collection is None:
            return []
        filters = _filters(start, end, quadrant)
        size = pool_size(k) if mode == "hybrid" else k
        vector: list[tuple[Memory, float]] = []
        if query is not None:
            found = collection.query.near_vector(
                query.tolist(),
                target_vector=VECTOR,
                limit=size,
                filters=filters,
                return_properties=_RETURNED,
                return_metadata=MetadataQuery(distance=True),
            )
            vector = _ordered((_memory(o), 1 - (o.metadata.distance or 0.0)) for o in found.objects)
        matches: list[tuple[Memory, float]] = []
        query_words = set(words(query_text))
        if mode != "vector" and query_words:
            found = collection.query.bm25(
                query_text,
                query_properties=["text"],
                limit=size,
                filters=filters,
                return_properties=_RETURNED,
                return_metadata=MetadataQuery(score=True),
            )
            matches = _ordered((_memory(o), o.metadata.score or 0.0) for o in found.objects)
        if mode == "vector":
            return [
                MemoryHit(memory=m, score=s, vector_rank=r) for r, (m, s) in enumerate(vector, 1)
            ]
        if mode == "bm25":
            return [
                MemoryHit(memory=m, score=s, bm25_rank=r) for r, (m, s) in enumerate(matches, 1)
            ]
        memory = {m.id: m for m, _ in vector} | {m.id: m for m, _ in matches}
        fused = fuse(
            [m.id for m, _ in vector],
            [m.id for m, _ in matches],
            {m.id: coverage(query_words, m.text) for m, _ in matches},
            k,
        )
        return [
            MemoryHit(memory=memory[i], score=s, vector_rank=v, bm25_rank=b) for i, s, v, b in fused
        ]

    # schema ---------------------------------------------------------------------------------

    def _tenant(self, person: str) -> Collection[Any, Any] | None:
        """The collection scoped to the person's tenant; None when they have no memories."""
        collection = self._client.collections.use(self._name)
        name = tenant_of(person)
        return collection.with_tenant(name) if collection.tenants.exists(name) else None

    def _tenant_created(self, person: str) -> Collection[Any, Any]:
        """The collection scoped to the person's tenant, created on their first memory."""
        from weaviate.classes.tenants import Tenant

        collection = self._client.collections.use(self._name)
        name = tenant_of(person)
        if not collection.tenants.exists(name):
            collection.tenants.create([Tenant(name=name)])
        return collection.with_tenant(name)

    def _ensure_collection(self) -> None:
        if not self._client.collections.exists(self._name):
            self._client.collections.create(self._name, **collection_config())


def collection_config() -> dict[str, Any]:
    """How the memory collection is created: one tenant per person, our own vectors."""
    from weaviate.classes.config import (
        Configure,
        DataType,
        Property,
        StopwordsPreset,
        Tokenization,
    )

    def exact(name: str) -> Property:
        """A text property matched whole by filters, invisible to BM25."""
        return Property(
            name=name,
            data_type=DataType.TEXT,
            tokenization=Tokenization.FIELD,
            index_searchable=False,
        )

    return {
        "description": "What each person wrote, one tenant per person (EQM memories).",
        "multi_tenancy_config": Configure.multi_tenancy(enabled=True),
        "vector_config": Configure.Vectors.self_provided(name=VECTOR),
        # the embedded store's BM25 settings, so both backends weigh words alike
        "inverted_index_config": Configure.inverted_index(
            bm25_k1=BM25_K1, bm25_b=BM25_B, stopwords_preset=StopwordsPreset.EN
        ),
        "properties": [
            exact("memory_id"),
            Property(name="day", data_type=DataType.DATE, index_range_filters=True),
            exact("source"),
            exact("kind"),
            Property(name="text", data_type=DataType.TEXT, tokenization=Tokenization.WORD),
            Property(name="valence", data_type=DataType.NUMBER),
            Property(name="arousal", data_type=DataType.NUMBER),
            exact("quadrant"),
        ],
    }


def _connect(url: str, api_key: str | None, grpc_port: int) -> WeaviateClient:
    """A client for a self-hosted URL (REST there, gRPC on `grpc_port`) or Weaviate Cloud."""
    import weaviate
    from weaviate.classes.init import Auth

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidQuery(f"EQM_WEAVIATE_URL must be an http(s) URL, not {url!r}")
    auth = Auth.api_key(api_key) if api_key else None
    if parts.hostname.endswith((".weaviate.cloud", ".weaviate.network")):
        if auth is None:
            raise InvalidQuery("Weaviate Cloud needs an API key (EQM_WEAVIATE_API_KEY)")
        return weaviate.connect_to_weaviate_cloud(url, auth)
    secure = parts.scheme == "https"
    return weaviate.connect_to_custom(
        http_host=parts.hostname,
        http_port=parts.port or (443 if secure else 80),
        http_secure=secure,
        grpc_host=parts.hostname,
        grpc_port=grpc_port,
        grpc_secure=secure,
        auth_credentials=auth,
    )


def _filters(
    start: date | None, end: date | None, quadrant: Quadrant | None
) -> FilterReturn | None:
    from weaviate.classes.query import Filter

    conditions = []
    if start:
        conditions.append(Filter.by_property("day").greater_or_equal(_midnight(start)))
    if end:
        conditions.append(Filter.by_property("day").less_or_equal(_midnight(end)))
    if quadrant:
        conditions.append(Filter.by_property("quadrant").equal(quadrant))
    return Filter.all_of(conditions) if conditions else None


def _midnight(day: date) -> datetime:
    """Weaviate dates are RFC 3339 instants; a day is stored as its midnight UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _properties(memory: Memory) -> dict[str, object]:
    properties: dict[str, object] = {
        "memory_id": memory.id,
        "day": _midnight(memory.day),
        "source": memory.source,
        "kind": memory.kind,
        "text": memory.text,
        "valence": memory.valence,
        "arousal": memory.arousal,
        "quadrant": memory.quadrant,
    }
    return {name: value for name, value in properties.items() if value is not None}


def _memory(found: Object[Any, Any]) -> Memory:
    p = found.properties
    return Memory(
        id=p["memory_id"],
        day=p["day"].astimezone(UTC).date(),
        source=p["source"],
        kind=p["kind"],
        text=p["text"],
        valence=p.get("valence"),
        arousal=p.get("arousal"),
        quadrant=p.get("quadrant"),
    )


def _ordered(scored: Iterable[tuple[Memory, float]]) -> list[tuple[Memory, float]]:
    """Best first, equal scores by memory id, as the embedded store orders them."""
    return sorted(scored, key=lambda item: (-item[1], item[0].id))
