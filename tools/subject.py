"""Whose data a tool reads, and what the one asking may see."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Subject(BaseModel):
    """Injected by the server from the signed-in key, never chosen by the model.

    `person` is whose data every tool reads; `asker` is who is asking (the person, or a
    parent linked to that child); a parent reads a child's memories only when the child's
    link shares them. `asker_is_child` marks a person some parent is linked to, asking
    about themselves: a crisis answer then names helplines for young people.
    """

    model_config = ConfigDict(frozen=True)

    person: str
    asker: str
    can_read_memories: bool
    asker_is_child: bool = False

    @classmethod
    def self_(cls, person: str, *, child: bool = False) -> Subject:
        return cls(person=person, asker=person, can_read_memories=True, asker_is_child=child)

    @classmethod
    def parent_of(cls, child: str, parent: str, *, memories_shared: bool) -> Subject:
        return cls(person=child, asker=parent, can_read_memories=memories_shared)
