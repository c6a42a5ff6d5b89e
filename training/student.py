"""The student: a small Qwen2-architecture model trained from scratch with TRL's SFTTrainer
on the teacher's conversations.

Each conversation becomes one token sequence, rendered with the chat template, with a
completion mask over its assistant turns: the loss falls only on what the model must learn
to write (tool calls and grounded answers), and the system prompt and tools, which every
turn shares, are read once per conversation rather than once per turn (on two cores, most
of the training time). Each turn is tokenized exactly as vLLM will see it at inference: the
prompt up to `<|im_start|>assistant\n`, then the model's own tokens. Rendering here, rather
than handing TRL raw messages, also keeps every example's tool arguments exactly as written
(a datasets table would merge all argument dicts into one schema, filling gaps with nulls).
"""

from __future__ import annotations

import json
import time
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from training.packing import BranchCollator, pack


class StudentConfig(BaseModel):
    """The student's shape and how it is trained; every field is recorded in its model card."""

    hidden_size: int = Field(256, description="Width of the residual stream.")
    layers: int = Field(4, description="Transformer blocks.")
    heads: int = Field(4, description="Attention heads.")
    kv_heads: int = Field(2, description="Key/value heads (grouped-query attention).")
    intermediate_size: int = Field(768, description="Width of the MLP.")
    max_length: int = Field(4096, description="Longest training conversation, in tokens.")
    epochs: float = Field(1.0, description="Passes over the training pairs.")
    learning_rate: float = Field(
        1e-3,
        description="Peak learning rate (cosine schedule); a "
        "model from scratch needs far more than TRL's default.",
    )
    batch_size: int = Field(8, description="Pairs per step.")
    frozen_layers: int = Field(
        0,
        ge=0,
        description="Lower transformer blocks, and the embeddings, kept as a pretrained base "
        "has them: a step back-propagates through the upper blocks only.",
    )
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


def tokenize_conversation(
    conversation: dict[str, Any], tokenizer: Any, markers: tuple[str, str] | None = None
) -> dict[str, Any]:
    """The whole conversation as {"input_ids", "completion_mask"}: 1 on assistant turns,
    and "prefix_length": how many of its tokens are the system turn (prompt and tools).

    Rendered once, not once per turn as `turn_pairs` does (it renders every prefix twice,
    most of what tokenizing a corpus costs): each assistant turn lies between the template's
    `turn_markers`. Each piece is tokenized on its own, so a prompt's tokens are those a
    server sees, and the result is `turn_pairs`' pieces token for token."""
    start, end = markers or turn_markers(tokenizer)
    messages, tools = conversation["messages"], conversation.get("tools") or None
    text = tokenizer.apply_chat_template(messages, tools=tools, tokenize=False)
    system = ""
    if messages[0]["role"] == "system" or tools:
        system = tokenizer.apply_chat_template(messages[:1], tools=tools, tokenize=False)
        system = system if text.startswith(system) and system.endswith("\n") else ""
    ids: list[int] = tokenizer.encode(system, add_special_tokens=False) if system else []
    mask: list[int] = [0] * len(ids)
    prefix_length = len(ids)
    done = len(system)
    for _ in range(sum(message["role"] == "assistant" for message in messages)):
        cut = text.find(start, done)
        stop = text.find(end, cut) if cut >= 0 else -1
        if stop < 0:
            raise ValueError(
                f"the chat template does not render each assistant turn between {start!r} "
                f"and {end!r}"
            )
        cut, stop = cut + len(start), stop + len(end)
        for piece, bit in ((text[done:cut], 0), (text[cut:stop], 1)):
            piece_ids = tokenizer.encode(piece, add_special_tokens=False)
            ids += piece_ids
            mask += [bit] * len(piece_ids)
        done = stop
    return {"input_ids": ids, "completion_mask": mask, "prefix_length": prefix_length}


def whole_turns(example: dict[str, Any], limit: int) -> dict[str, Any] | None:
    """`example` cut after its last assistant turn that ends within `limit` tokens: a long
    conversation trains on its first turns, never on half a turn; None if none fits."""
    mask = example["completion_mask"]
    ends = [
        i + 1
        for i in range(min(len(mask), limit))
        if mask[i] and (i + 1 == len(mask) or not mask[i + 1])
    ]
    if not ends:
        return None
    return example | {
        "input_ids": example["input_ids"][: ends[-1]],
        "completion_mask": mask[: ends[-1]],
    }


def turn_markers(tokenizer: Any) -> tuple[str, str]:
    """What the chat template writes before and after an assistant's turn: its generation
    prompt ("<|im_start|>assistant\\n" in ChatML) and its end of turn ("<|im_end|>")."""
    probe = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}]
    pair = turn_pairs({"messages": probe}, tokenizer)[0]
    bare = tokenizer.apply_chat_template(probe[:1], tokenize=False)
    start, end = pair["prompt"][len(bare) :], pair["completion"][len("ok") :]
    if not (pair["prompt"].startswith(bare) and pair["completion"].startswith("ok")):
        raise ValueError("the chat template renders a turn differently once it is answered")
    if not (start and end):
        raise ValueError(
            "the chat template does not mark where an assistant's turn begins and ends"
        )
    return start, end


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


class LoraSettings(BaseModel):
    """A LoRA adapter on every linear layer: how large bases are tuned on one GPU."""

    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05

    def peft_config(self) -> Any:
        from peft import LoraConfig

        return LoraConfig(
            r=self.rank,
            lora_alpha=self.alpha,
            lora_dropout=self.dropout,
            target_modules="all-linear",
            task_type="CAUSAL_LM",
        )


def _completion_loss_trainer() -> type:
    """TRL's SFTTrainer, with the loss computed from the language-model head applied only
    where a label is trained (the assistant's tokens, ~15% of a conversation). The head is
    most of a small model's arithmetic, and off a GPU TRL's fused head scores every position
    (and its entropy): this halves a CPU step. Same loss: summed cross-entropy over the
    completion tokens, divided by their count."""
    import torch
    from trl import SFTTrainer

    class CompletionLossTrainer(SFTTrainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            labels = inputs["labels"][:, 1:]
            keep = labels != -100
            names = ("input_ids", "attention_mask", "position_ids")
            hidden = model.get_decoder()(**{k: inputs[k] for k in names if k in inputs})
            logits = model.get_output_embeddings()(hidden.last_hidden_state[:, :-1][keep])
            total = torch.nn.functional.cross_entropy(logits.float(), labels[keep], reduction="sum")
            count = keep.sum() if num_items_in_batch is None else num_items_in_batch
            loss = total / torch.as_tensor(count, device=total.device).clamp(min=1)
            return (loss, None) if return_outputs else loss

    return CompletionLossTrainer


def freeze_lower(model: Any, layers: int) -> None:
    """Keep the embeddings (tied to the output head) and the lowest `layers` blocks fixed.
    On 2 cores, SmolLM2-135M trains at 217 tokens/s with only the embeddings fixed, 318 with
    10 of its 30 blocks too (benchmarks/default_model.py)."""
    model.get_input_embeddings().requires_grad_(False)
    for block in model.get_decoder().layers[:layers]:
        block.requires_grad_(False)


class TrainingRun(BaseModel):
    steps: int
    seconds: float
    final_loss: float | None
    conversations: int
    left_out: int = Field(0, description="Examples whose first turn is over max_length.")
    tokens: int = Field(description="Tokens of the examples, each with its own prefix.")
    packed_tokens: int = Field(0, description="Tokens computed: each shared prefix once.")


def sft_train(
    model: Any,
    tokenizer: Any,
    conversations: list[dict[str, Any]],
    output_dir: Path,
    config: StudentConfig,
    *,
    max_steps: int = -1,
    progress: bool = True,
    lora: LoraSettings | None = None,
) -> TrainingRun:
    """Supervised fine-tuning on the conversations' assistant turns; saves to `output_dir`
    (with `lora`, only the adapter). On a GPU it trains in bf16, on a CPU in fp32."""
    import torch
    from datasets import Dataset
    from trl import SFTConfig

    gpu = torch.cuda.is_available()
    if config.frozen_layers:
        freeze_lower(model, config.frozen_layers)

    markers = turn_markers(tokenizer)
    tokenized = [tokenize_conversation(c, tokenizer, markers) for c in conversations]
    examples = [e for e in map(partial(whole_turns, limit=config.max_length), tokenized) if e]
    if not examples:
        raise ValueError(f"every training conversation is longer than {config.max_length} tokens")
    sequences = pack([(e, e["prefix_length"]) for e in examples], config.max_length)
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
        use_cpu=not gpu,
        bf16=gpu and torch.cuda.is_bf16_supported(),
        activation_checkpointing=False,  # slower for small models; LoRA keeps big ones in memory
        # the dataset below is final (labels -100 outside the assistant's turns, each length
        # known): TRL's own passes over it, and the sampler's over every row for its length,
        # cost ~30 s of a build and change nothing
        dataset_kwargs={"skip_prepare_dataset": True},
        remove_unused_columns=False,
        report_to=[],
        logging_steps=10,
        train_sampling_strategy="group_by_length",  # less padding, fewer wasted FLOPs
        save_strategy="no",
        disable_tqdm=not progress,
    )
    trainer = _completion_loss_trainer()(
        model=model,
        args=arguments,
        # "length" is what group_by_length sorts by
        train_dataset=Dataset.from_list(sequences),
        data_collator=BranchCollator(tokenizer.pad_token_id),
        processing_class=tokenizer,
        peft_config=lora.peft_config() if lora else None,
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
        conversations=len(examples),
        left_out=len(tokenized) - len(examples),
        tokens=sum(len(e["input_ids"]) for e in examples),
        packed_tokens=sum(s["length"] for s in sequences),
    )
    (Path(output_dir) / "training_run.json").write_text(json.dumps(run.model_dump(), indent=2))
    return run
