"""Where people's data lives: raw records, imports, and the derived daily timeline."""

from brain.store.models import ImportSummary, Person
from brain.store.store import Store

__all__ = ["ImportSummary", "Person", "Store"]
