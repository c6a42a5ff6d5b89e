"""The default-model pipeline at toy scale: demo people -> corpus -> tokenizer -> student ->
registry, cached by content hash; and fine-tuning a registered model (full and LoRA)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from brain.config import Settings
from brain.demo.people import DemoPerson
from training.default_model import (
    DefaultModelSpec,
    build_default,
    cached_corpus,
    corpus_hash_key,
)
from training.errors import TrainingError
from training.fine_tune import fine_tune
from training.registry import ModelRegistry
from training.student import StudentConfig

TOY = DefaultModelSpec(
    base="scratch",  # a tiny model trained from nothing: the pipeline in seconds
    persons=[
        DemoPerson(name="alex", seed=7, days=90),
        DemoPerson(name="sam", seed=11, days=60, files=("how_we_feel", "wearable")),
    ],
    conversations=8,
    decisions=24,
    vocab_size=600,
    student=StudentConfig(
        hidden_size=32, layers=1, heads=2, kv_heads=1, intermediate_size=64, batch_size=4
    ),
)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("default-model")
    return Settings(data_dir=root / "data", cache_dir=root / "cache")


@pytest.fixture(scope="module")
def built(settings: Settings):
    return build_default(TOY, settings=settings, progress=lambda _: None, progress_bars=False)


def test_the_build_registers_a_production_model_with_its_lineage(built, settings: Settings):
    registry = ModelRegistry(settings.data_dir / "models")
    card = registry.card(built.name)
    assert built.installed_as_production and registry.pointer().production == built.name
    assert card.base == "scratch" and card.kind == "full"
    assert card.data_hash == built.corpus_hash
    assert (built.conversations, built.decisions) == (8, 24)
    assert card.config["training"]["conversations"] == 8 + 24  # one sequence each
    folder = registry.path(built.name)
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {
        p.name for p in folder.iterdir()
    }
    corpus, reused = cached_corpus(TOY, settings)
    assert reused and len(corpus.conversations) == 8 and len(corpus.decisions) == 24
    assert {c["person"] for c in corpus.examples} == {"alex", "sam"}


def test_a_second_build_reuses_the_cache_and_registers_nothing_new(built, settings: Settings):
    again = build_default(TOY, settings=settings, progress=lambda _: None, progress_bars=False)
    assert again.reused == ["corpus", "student"] and again.name == built.name
    assert not again.installed_as_production
    assert len(ModelRegistry(settings.data_dir / "models").models()) == 1


def test_the_corpus_key_follows_what_the_corpus_depends_on():
    assert corpus_hash_key(TOY) == corpus_hash_key(TOY.model_copy())
    assert corpus_hash_key(TOY) != corpus_hash_key(TOY.model_copy(update={"corpus_seed": 1}))
    # the student's shape does not change the corpus
    bigger = TOY.model_copy(update={"student": StudentConfig(hidden_size=64)})
    assert corpus_hash_key(TOY) == corpus_hash_key(bigger)


@pytest.mark.parametrize("method", ["full", "lora"])
def test_a_registered_model_fine_tunes_as_a_new_candidate(built, settings, method):
    registry = ModelRegistry(settings.data_dir / "models")
    report = fine_tune(
        registry.path(built.name),
        name=f"toy-{method}",
        method=method,
        spec=TOY,
        epochs=0.5,
        learning_rate=1e-3,
        settings=settings,
        progress=lambda _: None,
        progress_bars=False,
    )
    card = registry.card(report.name)
    assert card.kind == method and card.base == str(registry.path(built.name))
    assert registry.pointer().production == built.name  # a candidate never moves production
    files = {p.name for p in registry.path(report.name).iterdir()}
    if method == "lora":
        assert "adapter_config.json" in files and report.trainable < report.parameters
    else:
        assert "model.safetensors" in files and report.trainable == report.parameters


def test_a_base_folder_that_is_not_a_model_is_refused(settings: Settings, tmp_path: Path):
    with pytest.raises(TrainingError, match="no Hugging Face model folder"):
        fine_tune(tmp_path / "nope", name="nope", spec=TOY, settings=settings)
    assert "nope" not in {c.name for c in ModelRegistry(settings.data_dir / "models").models()}


def test_a_base_trained_here_keeps_its_own_tokenizer(built, settings: Settings):
    """Not Qwen's class, which AutoTokenizer picks for a qwen2 config.json: other token ids."""
    from training.fine_tune import load_base
    from training.tokenizer import load_tokenizer

    folder = ModelRegistry(settings.data_dir / "models").path(built.name)
    _, tokenizer = load_base(folder)
    text = "I walked 12345 steps on 2026-05-17"
    own = load_tokenizer(folder)
    assert type(tokenizer) is type(own) and tokenizer.encode(text) == own.encode(text)


def test_analytics_caps_blas_threads_but_leaves_torch_every_core(sqlite_store):
    """An analysis in the same process (a build's corpus step, the server's feedback
    training) once capped OpenMP too, and the student then trained on one core."""
    import torch
    from threadpoolctl import threadpool_info

    from brain.analytics.service import Analytics

    threads = torch.get_num_threads()
    Analytics(sqlite_store)
    assert torch.get_num_threads() == threads
    assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")


def test_training_never_reaches_a_hub():
    """On a GPU, transformers fetched a hub kernel at the first LoRA step and failed
    offline (seen on an H200): importing training/ turns hub access off unless set."""
    env = {k: v for k, v in os.environ.items() if k not in {"HF_HUB_OFFLINE", "USE_HUB_KERNELS"}}
    probe = (
        "import os, training; print(os.environ['HF_HUB_OFFLINE'], os.environ['USE_HUB_KERNELS'])"
    )
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["1", "0"], out.stderr
