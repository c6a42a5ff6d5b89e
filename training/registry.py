"""The model registry: versioned model folders with their metadata, and a production pointer.

Layout under `EQM_DATA_DIR/models/`:
    <name>/                 a Hugging Face model folder, or a LoRA adapter folder
    <name>/eqm-model.json   its card: base, kind, training data hash, config, metrics, created
    <name>/evals/<suite>.json          its latest eval report on a suite (`eqm eval run`)
    <name>/gates/<baseline>.json       the gate's verdict against a baseline (`eqm eval gate`)
    production.json         which model serves as "eqm", and the history of promotions

A model folder is registered by writing its card last, atomically, so a training run that
stops halfway leaves no half-registered model. Only a promotion moves the production pointer
(the eval gate decides promotions); registering never does, except that the very first model
of an empty registry may be installed as production with `install_first_production`.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from brain.config import Settings
from brain.files import staged_folder  # noqa: F401 - where training modules import it from
from training.errors import RegistryError

CARD = "eqm-model.json"
POINTER = "production.json"
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


class ModelCard(BaseModel):
    """What a registered model is and how it was made."""

    model_config = ConfigDict(frozen=True)

    name: str
    base: str = Field(description="What it was trained from: 'scratch' or a model name/path.")
    kind: Literal["full", "lora"]
    data_hash: str = Field(description="sha256 of the training data set.")
    config: dict[str, Any] = Field(default_factory=dict)
    metrics: dict[str, float] = Field(default_factory=dict)
    lineage: dict[str, Any] = Field(default_factory=dict, description="e.g. feedback ids used.")
    created: datetime


class Promotion(BaseModel):
    model: str
    at: datetime
    reason: str
    forced: bool = False
    gate: dict[str, Any] | None = Field(
        default=None, description="The passing gate report that allowed it."
    )


class ProductionPointer(BaseModel):
    production: str | None = None
    history: list[Promotion] = Field(default_factory=list)


def _atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` so readers see the old file or the new one, never half of one."""
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())  # on disk before it replaces the old file, power loss included
        temporary = Path(f.name)
    os.replace(temporary, path)


class ModelRegistry:
    """Models under one folder (default EQM_DATA_DIR/models)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Settings().data_dir / "models"
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        if not _NAME.match(name):
            raise RegistryError(
                f"bad model name {name!r}: use lower-case letters, digits, '.', '_' and '-'"
            )
        return self.root / name

    def register(self, card: ModelCard) -> ModelCard:
        """Record the card of a finished model folder (the folder must already be complete)."""
        folder = self.path(card.name)
        if not folder.is_dir():
            raise RegistryError(f"no model folder at {folder}")
        if (folder / CARD).exists():
            raise RegistryError(f"a model named {card.name!r} is already registered")
        _atomic_write(folder / CARD, card.model_dump_json(indent=2))
        return card

    def card(self, name: str) -> ModelCard:
        path = self.path(name) / CARD
        if not path.exists():
            known = ", ".join(c.name for c in self.models()) or "none yet"
            raise RegistryError(f"no registered model {name!r}; registered: {known}")
        return ModelCard.model_validate_json(path.read_text())

    def models(self) -> list[ModelCard]:
        """Every registered model, oldest first (folders without a card are not models)."""
        cards = [ModelCard.model_validate_json(p.read_text()) for p in self.root.glob(f"*/{CARD}")]
        return sorted(cards, key=lambda c: (c.created, c.name))

    def pointer(self) -> ProductionPointer:
        path = self.root / POINTER
        if not path.exists():
            return ProductionPointer()
        return ProductionPointer.model_validate_json(path.read_text())

    def production(self) -> ModelCard | None:
        name = self.pointer().production
        return self.card(name) if name else None

    def install_first_production(self, name: str) -> bool:
        """Make `name` production if nothing is yet (a fresh install's default model).

        Returns whether it did; an existing production model is only moved by a promotion.
        """
        if self.pointer().production is not None:
            return False
        self.move_production(name, "first model of an empty registry")
        return True

    def move_production(
        self,
        name: str,
        reason: str,
        *,
        forced: bool = False,
        gate: dict[str, Any] | None = None,
    ) -> Promotion:
        """The one place the pointer moves; `evals.release.promote` decides when (a passing
        gate, or `forced` with a reason), and the history keeps why."""
        self.card(name)  # must be registered
        pointer = self.pointer()
        promotion = Promotion(
            model=name, at=datetime.now(UTC), reason=reason, forced=forced, gate=gate
        )
        history = [*pointer.history, promotion]
        _atomic_write(
            self.root / POINTER,
            ProductionPointer(production=name, history=history).model_dump_json(indent=2),
        )
        return promotion

    def write_record(self, name: str, relative: str, text: str) -> Path:
        """Keep a file about a registered model (eval reports, gate verdicts) in its folder,
        written atomically; returns its path."""
        self.card(name)
        path = self.path(name) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, text)
        return path

    def read_record(self, name: str, relative: str) -> str | None:
        path = self.path(name) / relative
        return path.read_text() if path.exists() else None


def card_summary(card: ModelCard, production: str | None) -> dict[str, Any]:
    """One line's worth of a card, for `eqm models list`."""
    return {
        "name": card.name,
        "kind": card.kind,
        "base": card.base,
        "created": card.created.isoformat(timespec="seconds"),
        "production": card.name == production,
        **card.metrics,
    }
