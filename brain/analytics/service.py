"""Analyses of the people in one store, cached per person and data version.

Each person's data is read once per data version (bumped by every import that changed
something) and every result is kept under its arguments, so a repeated question costs a
dictionary lookup, and a new import for one person drops that person's entries only.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from threadpoolctl import threadpool_limits

from brain.analytics.data import PersonData, daily_frame, main_sleep, with_quadrants
from brain.analytics.result import AnalysisResult
from brain.store import Store

R = TypeVar("R")


@dataclass
class _PersonEntry:
    data: PersonData
    results: dict[str, Any] = field(default_factory=dict)


class Analytics:
    """The entry point for analyses: `Analytics(store).run(person, analysis, **args)`."""

    def __init__(self, store: Store, *, max_people: int = 64) -> None:
        # One BLAS thread per analysis: the matrices are small, and on a shared 2-core
        # machine BLAS threads fought and made calls 10-50x slower at the p95. BLAS only:
        # capping OpenMP too would cap torch's CPU threads in the same process.
        threadpool_limits(1, user_api="blas")
        self.store = store
        self.max_people = max_people
        self._entries: OrderedDict[str, _PersonEntry] = OrderedDict()
        self._lock = threading.Lock()

    def data(self, person: str) -> PersonData:
        """The person's data at its current version (read from the store when it changed)."""
        return self._entry(person).data

    def metrics(self, person: str) -> list[str]:
        """The person's metric names, sorted: what their tools offer and a model may name."""
        return sorted(self.data(person).daily.columns)

    def cached(
        self, person: str, name: str, compute: Callable[[PersonData], R], **arguments: Any
    ) -> R:
        """`compute(data)` for `person`, remembered under `name` and `arguments`."""
        entry = self._entry(person)
        key = name + json.dumps(arguments, sort_keys=True, default=str)
        with self._lock:
            if key in entry.results:
                return entry.results[key]
        result = compute(entry.data)
        with self._lock:
            entry.results.setdefault(key, result)
        return result

    def run(
        self,
        person: str,
        analysis: Callable[..., AnalysisResult],
        source: str = "daily",
        **arguments: Any,
    ) -> AnalysisResult:
        """Run a brain.analytics function on the person's `source` frame (daily, sleep or
        checkins) with keyword `arguments`, cached."""

        def compute(data: PersonData) -> AnalysisResult:
            return analysis(getattr(data, source), **arguments)

        return self.cached(
            person,
            f"{analysis.__module__}.{analysis.__name__}",
            compute,
            source=source,
            **arguments,
        )

    def clear_results(self) -> None:
        """Forget every cached result (to free memory); people's data stay loaded."""
        with self._lock:
            for entry in self._entries.values():
                entry.results.clear()

    def forget(self, person: str) -> None:
        """Drop the person's loaded data and results (after their data was deleted: a new
        person of the same name starts again at version 0)."""
        with self._lock:
            self._entries.pop(person, None)

    def _entry(self, person: str) -> _PersonEntry:
        version = self.store.person(person).data_version  # raises UnknownPerson
        with self._lock:
            entry = self._entries.get(person)
            if entry is not None and entry.data.data_version == version:
                self._entries.move_to_end(person)
                return entry
        entry = _PersonEntry(load(self.store, person, version))
        with self._lock:
            self._entries[person] = entry
            self._entries.move_to_end(person)
            while len(self._entries) > self.max_people:
                self._entries.popitem(last=False)
        return entry


def load(store: Store, person: str, version: int) -> PersonData:
    """Everything analyses read about `person`, from the store."""
    return PersonData(
        person=person,
        data_version=version,
        daily=daily_frame(store.timeline(person)),
        sleep=main_sleep(store.sleep_episodes(person)),
        checkins=with_quadrants(store.checkins(person)),
    )
