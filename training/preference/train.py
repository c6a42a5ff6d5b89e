"""Feedback -> a candidate model: KTO on thumbs up/down, or DPO on preference pairs, with TRL.

The base is a registered model (default: production) or a local model folder; the result is
registered as a candidate `<base>-<method>-<hash8>` whose card holds the base, the feedback
ids used, the data hash, the config, the loss per logged step and the data report. The
production pointer never moves here: a candidate is promoted only through the eval gate.

Small bases are tuned in full, bases above 1B parameters get a LoRA adapter. DPO combines
the preference loss with an SFT loss on the chosen answers (`loss_type=["sigmoid", "sft"]`):
plain DPO on a small model drifts away from the tool-call format it learned, the SFT term
keeps it. Training is seeded; Ctrl-C (KeyboardInterrupt) or any error stops it with nothing
registered (the model folder is staged and appears only once complete); one feedback training
runs at a time per registry (a file lock).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from brain.config import Settings
from training.default_model import Progress
from training.errors import RegistryError
from training.fine_tune import LORA_ABOVE, load_base
from training.preference.dataset import PreferenceOptions, PreferenceSet, build_preferences
from training.preference.errors import FeedbackError
from training.preference.source import FeedbackSource, MetricsSource, StoreMetrics
from training.registry import ModelCard, ModelRegistry, staged_folder
from training.student import LoraSettings

Method = Literal["kto", "dpo", "auto"]
CURVE_KEYS = ("loss", "learning_rate", "rewards/margins", "rewards/accuracies", "kl")


class FeedbackTrainingConfig(BaseModel):
    """How feedback trains a candidate; every field is recorded in the candidate's card."""

    model_config = ConfigDict(frozen=True)

    method: Method = Field(
        "auto", description="kto, dpo, or auto: DPO once there are `min_dpo_pairs` pairs."
    )
    min_dpo_pairs: int = Field(32, ge=1, description="Pairs for `auto` to choose DPO.")
    epochs: float = Field(1.0, gt=0, description="Passes over the training data.")
    max_steps: int = Field(-1, description="Stop after this many steps (-1: the epochs).")
    learning_rate: float = Field(
        5e-5,
        gt=0,
        description="Peak learning rate (cosine); TRL's 1e-6 barely moves a small model.",
    )
    batch_size: int = Field(
        8, ge=2, description="Examples per step; KTO needs 2 or more (its KL estimate)."
    )
    beta: float = Field(0.1, gt=0, description="How far from the base the policy may move.")
    sft_weight: float = Field(1.0, ge=0, description="DPO: weight of the SFT loss on chosen.")
    seed: int = Field(0, description="Seeds training, the data order and split (`data.seed`).")
    data: PreferenceOptions = Field(default_factory=PreferenceOptions)
    lora: LoraSettings = Field(
        default_factory=LoraSettings, description="The adapter for bases above 1B."
    )

    @model_validator(mode="after")
    def _steps_or_epochs(self) -> FeedbackTrainingConfig:
        if self.max_steps == 0 or self.max_steps < -1:
            raise ValueError("max_steps must be -1 (train the epochs) or a positive count")
        return self


class Base(BaseModel):
    """The model feedback trains: its name (the model version answers are matched against),
    its folder, and its registry card when it is registered."""

    name: str
    folder: Path
    card: ModelCard | None = None


def resolve_base(base: str | None, registry: ModelRegistry) -> Base:
    """A registered name, else a local model folder; None means the production model."""
    if base is None:
        production = registry.pointer().production
        if production is None:
            raise FeedbackError("there is no production model to train from: pass a base")
        base = production
    try:
        card = registry.card(base)
    except RegistryError as e:
        folder = Path(base).expanduser()
        if (folder / "config.json").is_file():
            return Base(name=folder.resolve().name, folder=folder.resolve())
        raise FeedbackError(
            f"no base model {base!r}: not a registered model ({e}) nor a model folder"
        ) from None
    if card.kind != "full":
        raise FeedbackError(
            f"{base!r} is a LoRA adapter: train from its base model {card.base!r} instead"
        )
    return Base(name=card.name, folder=registry.path(card.name).resolve(), card=card)


def prepare_feedback(
    source: FeedbackSource,
    tokenizer: Any,
    metrics: MetricsSource,
    *,
    base: str,
    config: FeedbackTrainingConfig,
) -> tuple[Literal["kto", "dpo"], PreferenceSet]:
    """The data set and the method it supports; a FeedbackError when it supports neither."""
    data = build_preferences(
        source,
        tokenizer,
        metrics,
        model=base,
        options=config.data,
    )
    report = data.report
    if report.rated == 0:
        raise FeedbackError("no feedback yet: rate some answers first (POST /v1/feedback)")
    dropped = ", ".join(f"{k} {v}" for k, v in report.dropped_by_reason.items() if v) or "none"
    method = config.method
    if method == "auto":
        method = "dpo" if report.pairs >= config.min_dpo_pairs else "kto"
    if method == "kto" and (report.n_desirable == 0 or report.n_undesirable == 0):
        raise FeedbackError(
            f"KTO needs at least one thumbs-up and one thumbs-down answer of {base!r} to train "
            f"on; usable: {report.n_desirable} up, {report.n_undesirable} down "
            f"(of {report.rated} ratings; dropped: {dropped})"
        )
    if method == "dpo" and not data.dpo_train:
        raise FeedbackError(
            f"DPO needs at least one preference pair (an up and a down answer to the same "
            f"prompt, or a down answer the teacher can answer); there are none to train on "
            f"(of {report.rated} ratings of {base!r}; dropped: {dropped})"
        )
    return method, data


def train_feedback(
    source: FeedbackSource,
    *,
    base: str | None = None,
    config: FeedbackTrainingConfig | None = None,
    metrics: MetricsSource | None = None,
    registry: ModelRegistry | None = None,
    settings: Settings | None = None,
    callbacks: list[Any] | None = None,
    progress: Progress = print,
    progress_bars: bool = True,
) -> ModelCard:
    """Train a candidate on the feedback in `source` and register it (never as production).

    `metrics` gives each person's tool metrics (default: their timeline in the store, as the
    agent reads it); `callbacks` are extra transformers TrainerCallbacks.
    """
    config = config or FeedbackTrainingConfig()
    config = config.model_copy(
        update={"data": config.data.model_copy(update={"seed": config.seed})}
    )
    settings = settings or Settings()
    registry = registry or ModelRegistry(settings.data_dir / "models")
    resolved = resolve_base(base, registry)
    if source.feedback_count() == 0:
        raise FeedbackError("no feedback yet: rate some answers first (POST /v1/feedback)")
    with (
        _one_at_a_time(registry),
        _metrics(metrics, settings) as person_metrics,
        _bars(progress_bars),
    ):
        model, tokenizer = load_base(resolved.folder)
        method, data = prepare_feedback(
            source, tokenizer, person_metrics, base=resolved.name, config=config
        )
        report = data.report
        parameters = sum(p.numel() for p in model.parameters())
        lora = parameters > LORA_ABOVE
        digest = _hash(report.data_hash, method, config.model_dump_json(), resolved.name)
        name = _candidate_name(resolved.name, method, digest)
        if registry.path(name).exists():
            raise FeedbackError(
                f"{name!r} is already in the registry: the same base, feedback and config"
            )
        progress(
            f"{method.upper()} on {resolved.name} ({parameters / 1e6:.1f}M parameters, "
            f"{'LoRA' if lora else 'full'}): {_sizes(method, data)}"
        )
        started = time.perf_counter()
        with staged_folder(registry.path(name)) as folder:
            run = _train(
                method,
                model,
                tokenizer,
                data,
                folder,
                config,
                lora=config.lora if lora else None,
                callbacks=callbacks or [],
                progress_bars=progress_bars,
            )
            tokenizer.save_pretrained(str(folder))
        seconds = round(time.perf_counter() - started, 1)
        progress(f"{run['steps']} steps in {seconds:.0f} s")
        ids = data.kto_feedback_ids if method == "kto" else data.dpo_feedback_ids
        return registry.register(
            ModelCard(
                name=name,
                base=resolved.name,
                kind="lora" if lora else "full",
                data_hash=report.data_hash,
                config={
                    "feedback_training": config.model_dump(mode="json"),
                    "method": method,
                    "run": {
                        "steps": run["steps"],
                        "train_seconds": run["train_seconds"],
                        "seconds": seconds,
                    },
                },
                metrics=run["metrics"],
                lineage={
                    "base": resolved.name,
                    "base_folder": str(resolved.folder),
                    "method": method,
                    "feedback_ids": ids,
                    "last_feedback_id": data.last_feedback_id,
                    "data_hash": report.data_hash,
                    "report": report.model_dump(mode="json"),
                    "curves": run["curves"],
                },
                created=datetime.now(UTC),
            )
        )


# training ------------------------------------------------------------------------------------


def _train(
    method: str,
    model: Any,
    tokenizer: Any,
    data: PreferenceSet,
    folder: Path,
    config: FeedbackTrainingConfig,
    *,
    lora: LoraSettings | None,
    callbacks: list[Any],
    progress_bars: bool,
) -> dict[str, Any]:
    """Train in `folder` and save the model (or adapter) there; steps, metrics, curves."""
    import torch

    gpu = torch.cuda.is_available()
    common = {
        "output_dir": str(folder),
        "num_train_epochs": config.epochs,
        "max_steps": config.max_steps,
        "learning_rate": config.learning_rate,
        "lr_scheduler_type": "cosine",
        "warmup_steps": 0.1,
        "per_device_train_batch_size": config.batch_size,
        "per_device_eval_batch_size": config.batch_size,
        "max_length": config.data.max_length,
        "beta": config.beta,
        "seed": config.seed,
        "data_seed": config.seed,
        "use_cpu": not gpu,
        "bf16": gpu and torch.cuda.is_bf16_supported(),
        # recompute each layer's activations in the backward pass instead of keeping them:
        # the KTO test's peak fell from 10.2 to 6.3 GB and DPO's from 14.7 to 8.4 GB, in
        # no more time (the 135M default model, batch 2, prompts of ~1,000 tokens)
        "activation_checkpointing": True,
        "logging_steps": 1,
        "save_strategy": "no",
        "eval_strategy": "no",
        "report_to": [],
        "disable_tqdm": not progress_bars,
        "dataloader_num_workers": 0,
    }
    if method == "kto":
        from trl import KTOConfig, KTOTrainer

        report = data.report
        arguments = KTOConfig(
            **common,
            desirable_weight=report.desirable_weight,
            undesirable_weight=report.undesirable_weight,
            train_sampling_strategy="sequential",  # rows are shuffled; the KL term needs order
        )
        trainer_class, train, validation = KTOTrainer, data.kto_train, data.kto_validation
    else:
        from trl import DPOConfig, DPOTrainer

        arguments = DPOConfig(
            **common,
            loss_type=["sigmoid", "sft"],
            loss_weights=[1.0, config.sft_weight],
        )
        trainer_class, train, validation = DPOTrainer, data.dpo_train, data.dpo_validation
    return _run(trainer_class, arguments, model, tokenizer, train, validation, lora, callbacks)


def _run(
    trainer_class: type,
    arguments: Any,
    model: Any,
    tokenizer: Any,
    train: list[dict[str, Any]],
    validation: list[dict[str, Any]],
    lora: LoraSettings | None,
    callbacks: list[Any],
) -> dict[str, Any]:
    from datasets import Dataset
    from transformers import PrinterCallback

    folder = arguments.output_dir
    trainer = trainer_class(
        model=model,
        args=arguments,
        train_dataset=Dataset.from_list(train),
        eval_dataset=Dataset.from_list(validation) if validation else None,
        processing_class=tokenizer,
        peft_config=lora.peft_config() if lora else None,
        callbacks=callbacks,
    )
    trainer.remove_callback(PrinterCallback)  # the loss goes to the card, not to stdout
    metrics: dict[str, float] = {}
    if validation:
        metrics |= _numbers(trainer.evaluate(), prefix="before_")
    result = trainer.train()
    if validation:
        metrics |= _numbers(trainer.evaluate())
    metrics["train_loss"] = float(result.training_loss)
    trainer.save_model(folder)
    curves = [
        {"step": entry["step"], **{k: entry[k] for k in CURVE_KEYS if k in entry}}
        for entry in trainer.state.log_history
        if "loss" in entry
    ]
    return {
        "steps": result.global_step,
        "train_seconds": round(float(result.metrics.get("train_runtime", 0.0)), 2),
        "metrics": metrics,
        "curves": curves,
    }


def _numbers(values: dict[str, Any], prefix: str = "") -> dict[str, float]:
    keep = ("eval_loss", "eval_rewards/accuracies", "eval_rewards/margins", "eval_kl")
    return {prefix + k: float(v) for k, v in values.items() if k in keep}


# helpers -------------------------------------------------------------------------------------


@contextmanager
def _bars(shown: bool) -> Iterator[None]:
    """Without progress bars, also none from datasets' preprocessing and the weight loading."""
    import datasets
    from transformers.utils import logging as transformers_logging

    if shown:
        yield
        return
    was = datasets.is_progress_bar_enabled(), transformers_logging.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    transformers_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was[0]:
            datasets.enable_progress_bars()
        if was[1]:
            transformers_logging.enable_progress_bar()


@contextmanager
def _one_at_a_time(registry: ModelRegistry) -> Iterator[None]:
    with (registry.root / ".feedback-training.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FeedbackError(
                f"another feedback training is running on {registry.root}"
            ) from None
        yield


@contextmanager
def _metrics(given: MetricsSource | None, settings: Settings) -> Iterator[MetricsSource]:
    if given is not None:
        yield given
        return
    with StoreMetrics(settings.resolved_database_url()) as metrics:
        yield metrics


def _candidate_name(base: str, method: str, digest: str) -> str:
    suffix = f"-{method}-{digest[:8]}"
    return base.lower()[: 100 - len(suffix)] + suffix


def _sizes(method: str, data: PreferenceSet) -> str:
    report = data.report
    if method == "kto":
        return (
            f"{report.n_desirable} up / {report.n_undesirable} down rows "
            f"(weights {report.desirable_weight:g} / {report.undesirable_weight:g}), "
            f"{report.validation_rows} held out"
        )
    return (
        f"{len(data.dpo_train)} pairs ({report.pairs_from_feedback} from feedback, "
        f"{report.pairs_from_teacher} with the teacher), {report.validation_pairs} held out"
    )


def _hash(*parts: str) -> str:
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


__all__ = [
    "LORA_ABOVE",
    "Base",
    "FeedbackTrainingConfig",
    "Method",
    "prepare_feedback",
    "resolve_base",
    "train_feedback",
]
