"""A demo person in a store: their exports written and imported as a new user would import
them. The teacher's corpus, the eval suite, the benchmarks and the tests all start here."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from brain.demo.exports import generate
from brain.demo.params import TZ
from brain.store import Store
from brain.store.models import ImportSummary

__all__ = ["DEMO_FILES", "LIFELOG_FILES", "DemoFile", "DemoPerson", "import_demo_person"]

DemoFile = Literal[
    "how_we_feel", "apple_health", "spotify", "wearable", "browser", "bank", "air_quality"
]
DEMO_FILES: tuple[DemoFile, ...] = ("how_we_feel", "apple_health", "spotify", "wearable")
"""The files `generate` writes, in its order."""
LIFELOG_FILES: tuple[DemoFile, ...] = ("browser", "bank", "air_quality")
"""And those it writes after them with `lifelog=True`."""


class DemoPerson(BaseModel):
    """One synthetic person: the demo generator's seed and days, and which of its export
    files they import (people differ in what they track)."""

    model_config = ConfigDict(frozen=True)

    name: str
    seed: int = 7
    days: int = 730
    files: tuple[DemoFile, ...] = DEMO_FILES


def import_demo_person(store: Store, person: DemoPerson, folder: Path) -> list[ImportSummary]:
    """Write `person`'s exports under `folder` and import the chosen ones into `store`
    (importing again adds nothing); returns one summary per imported file."""
    lifelog = bool(set(person.files) & set(LIFELOG_FILES))
    paths = generate(folder, days=person.days, seed=person.seed, lifelog=lifelog)
    kinds = DEMO_FILES + LIFELOG_FILES if lifelog else DEMO_FILES
    return [
        store.import_file(person.name, path, timezone=TZ.key)
        for kind, path in zip(kinds, paths, strict=True)
        if kind in person.files
    ]
