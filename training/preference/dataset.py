"""Rated answers -> preference data: KTO rows and DPO pairs, cleaned, split and reported.

Each rating becomes one KTO row: `prompt` is the conversation up to the answer exactly as the
model read it (the record's request rendered with the model's chat template, the person's
tools included, ending in the generation prompt), `completion` the answer as the template
closes it (`...<|im_end|>` for ChatML), `label` whether it was a thumbs-up.

DPO pairs come from two places: the same prompt answered once with a thumbs-up and once with
a thumbs-down (chosen = up, rejected = down), and a thumbs-down with no such partner, paired
with what the deterministic teacher answers to the same question from the same tool results
(`training.teacher`): only when the teacher would have made exactly the calls the model
made, so the prompt the pair is trained on is one the teacher could have produced.

Cleaning drops, each counted under its reason, in this order:
    unknown_completion  a rating whose answer is no longer kept
    other_model         an answer by another model version than the base being trained
                        (kept with `any_version`)
    safety              the fixed safety response answered (not the model's words)
    fallback            the deterministic fallback replaced the model's answer
    unrenderable        the request does not render with the model's chat template
    too_long            prompt and answer together exceed `max_length` tokens
    conflicting         the same answer to the same prompt rated both up and down
    duplicate           the same prompt, answer and rating again
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from training.preference.source import FeedbackSource, MetricsSource, RatedRecord, Rating

REASONS = (
    "unknown_completion",
    "other_model",
    "safety",
    "fallback",
    "unrenderable",
    "too_long",
    "conflicting",
    "duplicate",
)
KTO_WEIGHT_RATIO = 1.1
"""Target of λ_D·n_D / (λ_U·n_U): the KTO paper (eq. 8) recommends [1, 4/3]; inside it, away
from the edges, so rounding never pushes it out."""


class PreferenceOptions(BaseModel):
    """How rated answers become preference data; recorded in the candidate's card."""

    model_config = ConfigDict(frozen=True)

    any_version: bool = Field(
        False, description="Keep answers of every model version, not only the base's."
    )
    validation_share: float = Field(
        0.1, ge=0, lt=1, description="Held out for evaluation (at least 1 of 10 or more)."
    )
    seed: int = Field(0, description="Seeds the shuffle and the validation slice.")
    max_length: int = Field(4096, ge=16, description="Longest prompt + answer, in tokens.")
    teacher_pairs: bool = Field(
        True, description="Pair an unpartnered thumbs-down with the teacher's answer."
    )
    max_pairs_per_prompt: int = Field(
        4, ge=1, description="Most up x down pairs one prompt contributes."
    )


class PreferenceReport(BaseModel):
    """What the data set holds and what was dropped, and why."""

    model_config = ConfigDict(frozen=True)

    rated: int = Field(description="Ratings read, including those of unknown answers.")
    kept: int = Field(description="Ratings that became KTO rows.")
    dropped_by_reason: dict[str, int]
    n_desirable: int = Field(description="Thumbs-up rows in training.")
    n_undesirable: int = Field(description="Thumbs-down rows in training.")
    desirable_weight: float = Field(description="KTO weights balancing the training rows.")
    undesirable_weight: float
    pairs: int = Field(description="DPO pairs (training and validation).")
    pairs_from_feedback: int
    pairs_from_teacher: int
    downs_without_pair: int = Field(
        description="Thumbs-down rows that neither a thumbs-up nor the teacher could pair."
    )
    validation_rows: int
    validation_pairs: int
    data_hash: str = Field(description="sha256 of every row and pair, in order.")


class PreferenceSet(BaseModel):
    """The data sets the trainers read, and which ratings they came from."""

    kto_train: list[dict[str, Any]] = Field(description="{prompt, completion, label}")
    kto_validation: list[dict[str, Any]]
    dpo_train: list[dict[str, Any]] = Field(description="{prompt, chosen, rejected}")
    dpo_validation: list[dict[str, Any]]
    kto_feedback_ids: list[int]
    dpo_feedback_ids: list[int]
    last_feedback_id: int = Field(description="The newest rating read (0 if none).")
    report: PreferenceReport


@dataclass
class _Row:
    record: RatedRecord
    rating: Rating
    prompt: str
    completion: str
    label: bool

    def kto(self) -> dict[str, Any]:
        return {"prompt": self.prompt, "completion": self.completion, "label": self.label}


def kto_weights(n_desirable: int, n_undesirable: int) -> tuple[float, float]:
    """(desirable_weight, undesirable_weight): the larger class weighs 1, the smaller is
    weighed up (or the desirable side down) so that λ_D·n_D / (λ_U·n_U) = KTO_WEIGHT_RATIO."""
    if n_desirable == 0 or n_undesirable == 0 or n_desirable == n_undesirable:
        return 1.0, 1.0
    if n_desirable < n_undesirable:
        return round(KTO_WEIGHT_RATIO * n_undesirable / n_desirable, 4), 1.0
    return 1.0, round(n_desirable / (KTO_WEIGHT_RATIO * n_undesirable), 4)


def build_preferences(
    source: FeedbackSource,
    tokenizer: Any,
    metrics: MetricsSource,
    *,
    model: str | None,
    options: PreferenceOptions | None = None,
) -> PreferenceSet:
    """The preference data in `source` for training `model` (the version whose answers
    count; None: every version), rendered with `tokenizer`'s chat template."""
    options = options or PreferenceOptions()
    dropped: Counter[str] = Counter()
    orphans = source.orphaned_feedback()
    dropped["unknown_completion"] = len(orphans)
    rated = list(source.rated())
    last_id = max([f.id for _, f in rated] + [f.id for f in orphans], default=0)

    rows: list[_Row] = []
    for record, rating in rated:
        reason = _unusable(record, model, options)
        if reason:
            dropped[reason] += 1
            continue
        rendered = render(record, record.answer, tokenizer, metrics)
        if rendered is None:
            dropped["unrenderable"] += 1
            continue
        prompt, completion = rendered
        if _tokens(tokenizer, prompt + completion) > options.max_length:
            dropped["too_long"] += 1
            continue
        rows.append(_Row(record, rating, prompt, completion, rating.rating == "up"))
    rows = _deduplicate(rows, dropped)

    pairs, from_feedback, from_teacher, unpaired = _pairs(rows, tokenizer, metrics, options)
    rng = random.Random(options.seed)
    rng.shuffle(rows)
    rng.shuffle(pairs)
    kto_validation, kto_train = _split_rows(rows, options.validation_share)
    dpo_validation, dpo_train = _split(pairs, options.validation_share)

    n_up = sum(r.label for r in kto_train)
    n_down = len(kto_train) - n_up
    weight_up, weight_down = kto_weights(n_up, n_down)
    data = {
        "kto_train": [r.kto() for r in kto_train],
        "kto_validation": [r.kto() for r in kto_validation],
        "dpo_train": [p["pair"] for p in dpo_train],
        "dpo_validation": [p["pair"] for p in dpo_validation],
    }
    report = PreferenceReport(
        rated=len(rated) + len(orphans),
        kept=len(rows),
        dropped_by_reason={reason: dropped[reason] for reason in REASONS},
        n_desirable=n_up,
        n_undesirable=n_down,
        desirable_weight=weight_up,
        undesirable_weight=weight_down,
        pairs=len(pairs),
        pairs_from_feedback=from_feedback,
        pairs_from_teacher=from_teacher,
        downs_without_pair=unpaired,
        validation_rows=len(kto_validation),
        validation_pairs=len(dpo_validation),
        data_hash=hashlib.sha256(
            json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest(),
    )
    return PreferenceSet(
        **data,
        kto_feedback_ids=sorted(r.rating.id for r in rows),
        dpo_feedback_ids=sorted({i for p in pairs for i in p["feedback_ids"]}),
        last_feedback_id=last_id,
        report=report,
    )


def render(
    record: RatedRecord, answer: str, tokenizer: Any, metrics: MetricsSource
) -> tuple[str, str] | None:
    """(prompt, completion) for `answer` to `record`'s request, or None when the request does
    not end where an answer belongs or the template cannot render it."""
    from tools import openai_tools

    messages = list(record.request)
    if not messages or messages[-1].get("role") not in ("user", "tool"):
        return None
    tools = openai_tools(metrics(record.person))
    try:
        prompt = tokenizer.apply_chat_template(
            messages, tools=tools, tokenize=False, add_generation_prompt=True
        )
        full = tokenizer.apply_chat_template(
            [*messages, {"role": "assistant", "content": answer}], tools=tools, tokenize=False
        )
    except Exception:  # jinja2 raises its own errors on malformed messages
        return None
    if not isinstance(prompt, str) or not full.startswith(prompt):
        return None
    return prompt, full[len(prompt) :].rstrip("\n")


def teacher_answer(record: RatedRecord, metrics: list[str]) -> str | None:
    """What the deterministic teacher answers to the record's last question, from the
    record's own tool results; None unless the teacher plans exactly the calls the model
    made (same tools, same arguments, same order)."""
    from training.teacher import answer, plan
    from training.teacher.planner import Plan

    questions = [m.get("content") for m in record.request if m.get("role") == "user"]
    if not questions or not all(isinstance(q, str) for q in questions):
        return None
    history: list[Plan] = []
    for question in questions[:-1]:
        history.append(plan(question, metrics, history))
    planned = plan(questions[-1], metrics, history)
    wanted = [(c.name, _canonical(c.arguments)) for c in planned.calls]
    made = [(t.name, _canonical(t.arguments)) for t in record.tool_trace]
    if wanted != made:
        return None
    return answer(planned, [call.outcome for call in record.tool_trace])


# steps ---------------------------------------------------------------------------------------


def _unusable(record: RatedRecord, model: str | None, options: PreferenceOptions) -> str | None:
    if model is not None and not options.any_version and record.model != model:
        return "other_model"
    if record.safety:
        return "safety"
    if record.fallback:
        return "fallback"
    return None


def _tokens(tokenizer: Any, text: str) -> int:
    return len(tokenizer.encode(text, add_special_tokens=False))


def _deduplicate(rows: list[_Row], dropped: Counter[str]) -> list[_Row]:
    """Drop both sides of a contradiction, then repeats (the oldest rating stays)."""
    labels: dict[tuple[str, str], set[bool]] = defaultdict(set)
    for row in rows:
        labels[row.prompt, row.completion].add(row.label)
    kept: list[_Row] = []
    seen: set[tuple[str, str, bool]] = set()
    for row in rows:
        key = (row.prompt, row.completion, row.label)
        if len(labels[row.prompt, row.completion]) > 1:
            dropped["conflicting"] += 1
        elif key in seen:
            dropped["duplicate"] += 1
        else:
            seen.add(key)
            kept.append(row)
    return kept


def _pairs(
    rows: list[_Row], tokenizer: Any, metrics: MetricsSource, options: PreferenceOptions
) -> tuple[list[dict[str, Any]], int, int, int]:
    """(pairs, from feedback, from the teacher, thumbs-down rows left unpaired); each pair is
    {"pair": {prompt, chosen, rejected}, "feedback_ids": [...]}."""
    by_prompt: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        by_prompt[row.prompt].append(row)
    pairs: list[dict[str, Any]] = []
    from_feedback = from_teacher = unpaired = 0
    for prompt, group in by_prompt.items():
        ups = [r for r in group if r.label]
        downs = [r for r in group if not r.label]
        if ups:
            combos = [(up, down) for down in downs for up in ups][: options.max_pairs_per_prompt]
            for up, down in combos:
                pairs.append(_pair(prompt, up.completion, down, [up.rating.id]))
            from_feedback += len(combos)
            continue
        for down in downs:
            chosen = None
            if options.teacher_pairs:
                text = teacher_answer(down.record, metrics(down.record.person))
                rendered = render(down.record, text, tokenizer, metrics) if text else None
                chosen = rendered[1] if rendered else None
            if chosen is None or chosen == down.completion:
                unpaired += 1
                continue
            pairs.append(_pair(prompt, chosen, down, []))
            from_teacher += 1
    return pairs, from_feedback, from_teacher, unpaired


def _pair(prompt: str, chosen: str, rejected: _Row, ids: list[int]) -> dict[str, Any]:
    return {
        "pair": {"prompt": prompt, "chosen": chosen, "rejected": rejected.completion},
        "feedback_ids": [*ids, rejected.rating.id],
    }


def validation_size(n: int, share: float) -> int:
    """Held-out items of `n`: `share` of them, at least 1 once there are 10, none below."""
    if n < 10 or share <= 0:
        return 0
    return max(1, round(n * share))


def _split(items: Sequence[Any], share: float) -> tuple[list[Any], list[Any]]:
    k = validation_size(len(items), share)
    return list(items[:k]), list(items[k:])


def _split_rows(rows: list[_Row], share: float) -> tuple[list[_Row], list[_Row]]:
    """Like `_split`, but never takes a label's last row out of training."""
    k = validation_size(len(rows), share)
    left = Counter(r.label for r in rows)
    validation: list[_Row] = []
    train: list[_Row] = []
    for row in rows:
        if len(validation) < k and left[row.label] > 1:
            validation.append(row)
            left[row.label] -= 1
        else:
            train.append(row)
    return validation, train


def _canonical(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


__all__ = [
    "KTO_WEIGHT_RATIO",
    "REASONS",
    "PreferenceOptions",
    "PreferenceReport",
    "PreferenceSet",
    "build_preferences",
    "kto_weights",
    "render",
    "teacher_answer",
    "validation_size",
]
