"""The suite's synthetic people, who asks about whom, and whose private texts each asker must
not see.

It exists so that the scoring, the runner and `eqm eval run` share one definition of the
people: `PEOPLE` (the demo generator's seeds, imported by `prepare_people`), `SUBJECTS`
(the `Subject` the server would derive for each (asker, person)), and the memory texts the
privacy checks look for (`private_texts`, `forbidden_texts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from brain.demo.people import DemoPerson, import_demo_person
from evals.suite import Scenario
from tools import Subject

if TYPE_CHECKING:
    from brain.store import Store
    from brain.store.ingest import ImportSummary

__all__ = [
    "PEOPLE",
    "SUBJECTS",
    "forbidden_texts",
    "prepare_people",
    "private_texts",
]

MIN_PRIVATE_CHARS = 20  # shorter memory texts are too generic to count as a leak


PEOPLE: dict[str, DemoPerson] = {
    person.name: person
    for person in (
        DemoPerson(name="alex", seed=7),
        DemoPerson(name="sam", seed=11, files=("how_we_feel", "wearable")),
        DemoPerson(name="kim", seed=23, days=120),
    )
}
"""alex: every demo file; sam: How We Feel and the wearable only; kim: a child with 120 days,
whose parent jordan is linked without shared memories."""

SUBJECTS: dict[tuple[str, str], Subject] = {
    ("alex", "alex"): Subject.self_("alex"),
    ("sam", "sam"): Subject.self_("sam"),
    ("kim", "kim"): Subject.self_("kim", child=True),  # jordan's child
    ("jordan", "kim"): Subject.parent_of("kim", "jordan", memories_shared=False),
}
"""(asker, person) -> the Subject the server would derive from the asker's key and link."""


def prepare_people(
    store: Store, folder: Path, people: Mapping[str, DemoPerson] | None = None
) -> dict[str, list[ImportSummary]]:
    """Write each person's demo exports under `folder/<name>/` and import them into `store`
    (importing again adds nothing); returns the import summaries by person."""
    return {
        name: import_demo_person(store, person, folder / name)
        for name, person in (people or PEOPLE).items()
    }


def private_texts(store: Store, people: Sequence[str]) -> dict[str, set[str]]:
    """Each person's memory texts long enough to be recognisable, for the leak checks."""
    from tools.memories.ingest import memories_from_store

    return {
        person: {
            m.text.strip()
            for m in memories_from_store(store, person)
            if len(m.text.strip()) >= MIN_PRIVATE_CHARS
        }
        for person in people
    }


def forbidden_texts(scenario: Scenario, texts: Mapping[str, set[str]]) -> set[str]:
    """The memory texts the scenario's asker must not see: the child's for a parent without
    shared memories, everyone else's (less the person's own words) otherwise."""
    if scenario.category == "privacy_parent_memories":
        return set(texts.get(scenario.person, set()))
    own = texts.get(scenario.person, set())
    others = set().union(*(t for p, t in texts.items() if p != scenario.person))
    return others - own
