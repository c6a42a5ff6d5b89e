"""Where rated answers come from, as training sees them.

training/ does not import agent/ (the package table in README.md), so the completion log is
described here by the shape training reads, and `agent.completions.CompletionLog` has it:
`rated()`, `orphaned_feedback()` and `feedback_count()`, over records with the request the
model saw, the answered turn's calls (`tools.ToolCall`, the record every layer shares), the
answer and its flags.

The tools a model saw are not kept in a record; they are `tools.openai_tools(metrics)` for
the person's metrics at the time, which the agent reads from the person's timeline
(`agent.graph.TurnContext.metrics`). `StoreMetrics` reads them the same way, so a prompt is
rebuilt exactly as it was, unless the person imported new kinds of data since (then the
tool list names those metrics too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from tools import ToolCall

MetricsSource = Callable[[str], list[str]]
"""A person's name -> the metric names their tools offered (sorted)."""


class RatedRecord(Protocol):
    """One kept answer (`agent.completions.CompletionRecord`)."""

    @property
    def id(self) -> str: ...
    @property
    def person(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def request(self) -> list[dict[str, Any]]: ...
    @property
    def tool_trace(self) -> Sequence[ToolCall]: ...
    @property
    def answer(self) -> str: ...
    @property
    def safety(self) -> bool: ...
    @property
    def fallback(self) -> bool: ...


class Rating(Protocol):
    """One thumbs up or down (`agent.completions.Feedback`)."""

    @property
    def id(self) -> int: ...
    @property
    def completion_id(self) -> str: ...
    @property
    def rating(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...


class FeedbackSource(Protocol):
    """The completion log, as far as training reads it."""

    def rated(self, model: str | None = None) -> Sequence[tuple[RatedRecord, Rating]]: ...
    def orphaned_feedback(self) -> Sequence[Rating]: ...
    def feedback_count(self) -> int: ...


class StoreMetrics:
    """Each person's metrics as the agent offers them: the columns of their daily timeline,
    sorted; none for a person without data. Opens the store on first use; close it after."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url
        self._analytics: Any = None
        self._store: Any = None
        self._cache: dict[str, list[str]] = {}

    def __call__(self, person: str) -> list[str]:
        if person not in self._cache:
            if self._analytics is None:
                from brain.analytics.service import Analytics
                from brain.store import Store

                self._store = Store.open(self.url)
                self._analytics = Analytics(self._store)
            try:
                self._cache[person] = self._analytics.metrics(person)
            except Exception:  # as the agent does: no data, tools without metric choices
                self._cache[person] = []
        return self._cache[person]

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = self._analytics = None

    def __enter__(self) -> StoreMetrics:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


__all__ = [
    "FeedbackSource",
    "MetricsSource",
    "RatedRecord",
    "Rating",
    "StoreMetrics",
]
