"""The model registry: cards written last, production moved only on purpose, CLI views."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent.cli import main
from training.errors import RegistryError
from training.registry import CARD, ModelCard, ModelRegistry


def card(name: str, day: int = 1, **metrics: float) -> ModelCard:
    return ModelCard(
        name=name,
        base="scratch",
        kind="full",
        data_hash="ab" * 32,
        config={"layers": 4},
        metrics=metrics,
        created=datetime(2026, 11, day, tzinfo=UTC),
    )


def make_folder(registry: ModelRegistry, name: str) -> Path:
    folder = registry.path(name)
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    return folder


def test_register_list_and_show(tmp_path: Path):
    registry = ModelRegistry(tmp_path)
    for name, day in (("eqm-b", 2), ("eqm-a", 1)):
        make_folder(registry, name)
        registry.register(card(name, day, exact_match=0.9))
    (tmp_path / "half-trained").mkdir()  # a folder without a card is not a model
    assert [c.name for c in registry.models()] == ["eqm-a", "eqm-b"]
    assert registry.card("eqm-b").metrics == {"exact_match": 0.9}
    with pytest.raises(RegistryError, match="already registered"):
        registry.register(card("eqm-a"))
    with pytest.raises(RegistryError, match="no registered model 'nope'; registered: eqm-a"):
        registry.card("nope")
    with pytest.raises(RegistryError, match="bad model name"):
        registry.path("../etc")
    with pytest.raises(RegistryError, match="no model folder"):
        registry.register(card("eqm-missing"))


def test_production_moves_only_once_without_a_promotion(tmp_path: Path):
    registry = ModelRegistry(tmp_path)
    assert registry.production() is None
    for name in ("eqm-a", "eqm-b"):
        make_folder(registry, name)
        registry.register(card(name))
    assert registry.install_first_production("eqm-a")
    assert not registry.install_first_production("eqm-b")  # only a promotion moves it now
    assert registry.production().name == "eqm-a"
    assert [p.model for p in registry.pointer().history] == ["eqm-a"]
    assert not list(tmp_path.glob("*.tmp"))  # atomic writes leave nothing behind


def test_cli_lists_and_shows(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("EQM_DATA_DIR", str(tmp_path))
    registry = ModelRegistry(tmp_path / "models")
    make_folder(registry, "eqm-default-v1")
    registry.register(card("eqm-default-v1", exact_match=0.96))
    registry.install_first_production("eqm-default-v1")
    with pytest.raises(SystemExit):
        main(["models", "list", "--json"])
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {
            "name": "eqm-default-v1",
            "kind": "full",
            "base": "scratch",
            "created": "2026-11-01T00:00:00+00:00",
            "production": True,
            "exact_match": 0.96,
        }
    ]
    with pytest.raises(SystemExit):
        main(["models", "show", "eqm-default-v1"])
    shown = json.loads(capsys.readouterr().out)
    assert shown["data_hash"] == "ab" * 32 and shown["production"] is True
    with pytest.raises(SystemExit) as exit_info:
        main(["models", "show", "nope"])
    assert exit_info.value.code == 1
    assert "no registered model 'nope'" in capsys.readouterr().err
    assert (registry.path("eqm-default-v1") / CARD).exists()
