"""The student: a small Qwen2-architecture model trained from scratch with TRL's SFTTrainer
on the teacher's conversations.

Each assistant turn of a conversation becomes one prompt/completion pair: the prompt is the
chat-template rendering of everything before the turn (tools included), the completion is
the turn itself. The loss then falls only on what the model must learn to write: tool calls
and grounded answers, not the system prompt it is given. Rendering here, rather than handing
TRL raw messages, also keeps every example's tool arguments exactly as written (a datasets
table would merge all argument dicts into one schema, filling the gaps with nulls).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field


class StudentConfig(BaseModel):
    """The student's shape and how it is trained; every field is recorded in its model card."""

    hidden_size: int = Field(256, description="Width of the residual stream.")
    layers: int = Field(4, description="Transformer blocks.")
    heads: int = Field(4, description="Attention heads.")
    kv_heads: int = Field(2, description="Key/value heads (grouped-query attention).")
    intermediate_size: int = Field(768, description="Width of the MLP.")
    max_length: int = Field(2048, description="Longest training example, in tokens.")
    epochs: float = Field(1.0, description="Passes over the training pairs.")
    learning_rate: float = Field(
        1e-3,
        description="Peak learning rate (cosine schedule); a "
        "model from scratch needs far more than TRL's default.",
    )
    batch_size: int = Field(8, description="Pairs per step.")
    seed: int = Field(0, description="Seeds initialisation, shuffling and dropout.")


def turn_pairs(conversation: dict[str, Any], tokenizer: Any) -> list[dict[str, str]]:
    """One {"prompt", "completion"} pair per assistant turn of `conversation`
    ({"messages": [...], "tools": [...]}), rendered with the tokenizer's chat template."""
    messages, tools = conversation["messages"], conversation.get("tools") or None
    pairs = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        prompt = tokenizer.apply_chat_template(
            messages[:i], tools=tools, tokenize=False, add_generation_prompt=True
        )
        full = tokenizer.apply_chat_template(messages[: i + 1], tools=tools, tokenize=False)
        if not full.startswith(prompt):
            raise ValueError(f"the chat template does not extend turn {i} of the conversation")
        pairs.append({"prompt": prompt, "completion": full[len(prompt) :].rstrip("\n")})
    return pairs


def build_student(tokenizer: Any, config: StudentConfig) -> Any:
    """A randomly initialised Qwen2 causal LM sized by `config` for `tokenizer`."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(config.seed)
    model_config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=config.hidden_size,
        num_hidden_layers=config.layers,
        num_attention_heads=config.heads,
        num_key_value_heads=config.kv_heads,
        intermediate_size=config.intermediate_size,
        max_position_embeddings=config.max_length,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    return Qwen2ForCausalLM(model_config)


class TrainingRun(BaseModel):
    steps: int
    seconds: float
    final_loss: float | None
    pairs: int


def sft_train(
    model: Any,
    tokenizer: Any,
    conversations: list[dict[str, Any]],
    output_dir: Path,
    config: StudentConfig,
    *,
    max_steps: int = -1,
    progress: bool = True,
) -> TrainingRun:
    """Supervised fine-tuning on the conversations' assistant turns; saves to `output_dir`."""
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    pairs = [pair for conversation in conversations for pair in turn_pairs(conversation, tokenizer)]
    longest = max(len(tokenizer(p["prompt"] + p["completion"]).input_ids) for p in pairs)
    if longest > config.max_length:  # TRL would cut the completion off and drop the example
        raise ValueError(
            f"a training example has {longest} tokens, more than max_length "
            f"{config.max_length}: raise max_length or shorten the prompt"
        )
    arguments = SFTConfig(
        output_dir=str(output_dir),
        num_train_epochs=config.epochs,
        max_steps=max_steps,
        learning_rate=config.learning_rate,
        lr_scheduler_type="cosine",
        warmup_steps=10,
        per_device_train_batch_size=config.batch_size,
        max_length=config.max_length,
        seed=config.seed,
        use_cpu=True,
        bf16=False,
        activation_checkpointing=False,  # slower for a model this small
        completion_only_loss=True,
        report_to=[],
        logging_steps=10,
        save_strategy="no",
        disable_tqdm=not progress,
    )
    trainer = SFTTrainer(
        model=model,
        args=arguments,
        train_dataset=Dataset.from_list(pairs),
        processing_class=tokenizer,
    )
    started = time.perf_counter()
    result = trainer.train()
    seconds = time.perf_counter() - started
    trainer.save_model(str(output_dir))
    tokenizer.save_pretrained(str(output_dir))
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    run = TrainingRun(
        steps=result.global_step,
        seconds=round(seconds, 2),
        final_loss=losses[-1] if losses else result.training_loss,
        pairs=len(pairs),
    )
    (Path(output_dir) / "training_run.json").write_text(json.dumps(run.model_dump(), indent=2))
    return run
