"""From the timeline store to memories: what a person wrote, with the mood of that day."""

from __future__ import annotations

import math

import pandas as pd
from sqlalchemy import select

from brain.affect import quadrant_of
from brain.store import Store
from brain.store.schema import raw_records
from tools.memories.embedder import Embedder
from tools.memories.model import Memory
from tools.memories.store import MemoryStore

TEXT_KINDS = {
    "note": "note",
    "reflection": "reflection",
    "journal": "journal",
    "conversation_summary": "conversation",
}
"""Raw-record metric -> memory kind, for the records that are a person's own words."""

SYNC_BATCH = 512
"""Memories embedded and stored per step, so an interrupted first sync keeps its progress."""


def memories_from_store(store: Store, person: str) -> list[Memory]:
    """Every text record of the person as a memory, oldest first.

    The same words on the same day (one note exported by two apps) become one memory.
    """
    r = raw_records.c
    owner = store.person(person)
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(r.record_key, r.day, r.source, r.metric, r.text)
            .where(r.person_id == owner.id, r.metric.in_(TEXT_KINDS), r.text.is_not(None))
            .order_by(r.day, r.record_key)
        ).all()
    moods = store.timeline(person, metrics=["valence", "arousal"])
    memories: dict[tuple[object, str], Memory] = {}
    for key, day, source, metric, text in rows:
        if not text.strip() or (day, text) in memories:
            continue
        valence, arousal = _mood(moods, day, "valence"), _mood(moods, day, "arousal")
        memories[day, text] = Memory(
            id=key.hex(),
            day=day,
            source=source,
            kind=TEXT_KINDS[metric],
            text=text,
            valence=valence,
            arousal=arousal,
            quadrant=None if valence is None or arousal is None else quadrant_of(valence, arousal),
        )
    return list(memories.values())


def sync_memories(store: Store, memory_store: MemoryStore, embedder: Embedder, person: str) -> int:
    """Add the person's memories that the memory store lacks; returns how many were added.

    Only new memories are embedded, so a sync after each import costs little.
    """
    known = memory_store.ids(person)
    new = [m for m in memories_from_store(store, person) if m.id not in known]
    for at in range(0, len(new), SYNC_BATCH):
        batch = new[at : at + SYNC_BATCH]
        memory_store.add(person, batch, embedder.embed([m.text for m in batch]))
    return len(new)


def _mood(moods: pd.DataFrame, day: object, metric: str) -> float | None:
    if metric not in moods.columns or day not in moods.index:
        return None
    value = float(moods.at[day, metric])
    return None if math.isnan(value) else value
