"""Fine-tune any local Hugging Face model folder on the teacher's corpus: the path from the
small default model to a real base (e.g. a Qwen2.5-7B-Instruct folder on a GPU).

Large bases get a LoRA adapter (only the adapter is saved and registered, kind "lora", and
vLLM serves it on top of the base with --enable-lora); small ones are tuned in full.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from brain.config import Settings
from training.default_model import DefaultModelSpec, Progress, cached_corpus
from training.errors import TrainingError
from training.registry import ModelCard, ModelRegistry, staged_folder
from training.student import LoraSettings, StudentConfig, sft_train

LORA_ABOVE = 1_000_000_000  # parameters; above this, "auto" means a LoRA adapter


class FineTuneReport(BaseModel):
    name: str
    kind: str
    parameters: int
    trainable: int
    steps: int
    seconds: float
    tokens_per_second: float


def load_base(base: Path):
    """The base model and its tokenizer, as the classes they were saved as."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from training.tokenizer import load_tokenizer

    if not (base / "config.json").is_file():
        raise TrainingError(f"no Hugging Face model folder at {base} (it has no config.json)")
    settings_file = base / "tokenizer_config.json"
    config = json.loads(settings_file.read_text()) if settings_file.is_file() else {}
    # a tokenizer trained here must not be swapped for Qwen's own class (see training.tokenizer)
    if config.get("tokenizer_class") in {"PreTrainedTokenizerFast", "TokenizersBackend"}:
        tokenizer = load_tokenizer(base)
    else:
        tokenizer = AutoTokenizer.from_pretrained(base)
    if not tokenizer.chat_template:
        raise TrainingError(f"the tokenizer in {base} has no chat template to render tool calls")
    import torch

    dtype = torch.bfloat16 if torch.cuda.is_available() else torch.float32
    model = AutoModelForCausalLM.from_pretrained(base, dtype=dtype)
    return model, tokenizer


def fine_tune(
    base: Path,
    *,
    name: str,
    method: str = "auto",
    spec: DefaultModelSpec | None = None,
    epochs: float = 1.0,
    learning_rate: float | None = None,
    settings: Settings | None = None,
    progress: Progress = print,
    progress_bars: bool = True,
) -> FineTuneReport:
    """Train `base` on the corpus of `spec` and register the result as `name`."""
    spec = spec or DefaultModelSpec()
    settings = settings or Settings()
    registry = ModelRegistry(settings.data_dir / "models")
    target = registry.path(name)
    if target.exists():
        raise TrainingError(f"a model folder named {name!r} already exists in {registry.root}")
    base = base.resolve()
    model, tokenizer = load_base(base)
    parameters = sum(p.numel() for p in model.parameters())
    lora = method == "lora" or (method == "auto" and parameters > LORA_ABOVE)
    examples = cached_corpus(spec, settings, progress)[0].examples
    training = StudentConfig(
        epochs=epochs,
        learning_rate=learning_rate or (1e-4 if lora else 2e-5),
        batch_size=4,
        max_length=4096,
    )
    progress(
        f"{'LoRA' if lora else 'full'} fine-tuning of {base.name} "
        f"({parameters / 1e6:.1f}M parameters) on {len(examples)} teacher examples"
    )
    started = time.perf_counter()
    with staged_folder(target) as folder:
        run = sft_train(
            model,
            tokenizer,
            examples,
            folder,
            training,
            progress=progress_bars,
            lora=LoraSettings() if lora else None,
        )
    from training.teacher.corpus import corpus_hash

    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    registry.register(
        ModelCard(
            name=name,
            base=str(base),
            kind="lora" if lora else "full",
            data_hash=corpus_hash(examples),
            config={"training": training.model_dump(), "run": run.model_dump()},
            metrics={},
            lineage={"teacher": "training.teacher (deterministic planner)"},
            created=datetime.now(UTC),
        )
    )
    return FineTuneReport(
        name=name,
        kind="lora" if lora else "full",
        parameters=parameters,
        trainable=trainable,
        steps=run.steps,
        seconds=round(time.perf_counter() - started, 1),
        tokens_per_second=round(run.tokens * training.epochs / max(run.seconds, 1e-9), 1),
    )
