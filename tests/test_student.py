"""The student model: built for the tokenizer, trained a few steps with TRL, saved, reloaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools import openai_tools
from training.student import (
    StudentConfig,
    build_student,
    sft_train,
    tokenize_conversation,
    turn_markers,
    turn_pairs,
    whole_turns,
)
from training.tokenizer import load_tokenizer, train_tokenizer

TOOLS = openai_tools(["steps", "valence"])


def conversation(metric: str, days: int) -> dict:
    return {
        "tools": TOOLS,
        "messages": [
            {"role": "system", "content": "You are EQM."},
            {"role": "user", "content": f"How was my {metric} over the last {days} days?"},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "type": "function",
                        "function": {
                            "name": "stats_lookup",
                            "arguments": json.dumps({"metric": metric, "last_days": days}),
                        },
                    }
                ],
            },
            {"role": "tool", "content": f'{{"summary": "Your {metric} averaged 10."}}'},
            {"role": "assistant", "content": f"Your {metric} averaged 10."},
        ],
    }


@pytest.fixture(scope="module")
def tokenizer():
    corpus = [json.dumps(t) for t in TOOLS] + [
        json.dumps(conversation(m, d)) for m in ("steps", "valence") for d in (3, 7)
    ]
    return train_tokenizer(corpus * 5, vocab_size=500, min_frequency=1)


def test_each_assistant_turn_is_one_pair_with_the_loss_on_the_turn(tokenizer):
    pairs = turn_pairs(conversation("steps", 7), tokenizer)
    assert len(pairs) == 2
    first, second = pairs
    assert first["prompt"].endswith("<|im_start|>assistant\n")
    assert first["completion"].startswith('<tool_call>\n{"name": "stats_lookup"')
    assert first["completion"].endswith("</tool_call><|im_end|>")
    assert "<tool_response>" in second["prompt"]
    assert second["completion"] == "Your steps averaged 10.<|im_end|>"


def test_a_conversation_is_one_sequence_with_the_loss_on_its_assistant_turns(tokenizer):
    conversation_ = conversation("valence", 3)
    example = tokenize_conversation(conversation_, tokenizer)
    ids, mask = example["input_ids"], example["completion_mask"]
    assert len(ids) == len(mask)
    learned = tokenizer.decode([i for i, bit in zip(ids, mask, strict=True) if bit])
    first, second = turn_pairs(conversation_, tokenizer)
    assert learned == first["completion"] + second["completion"]
    # the first turn's prompt is tokenized exactly as a server would tokenize it
    prompt_ids = tokenizer.encode(first["prompt"], add_special_tokens=False)
    assert ids[: len(prompt_ids)] == prompt_ids and not any(mask[: len(prompt_ids)])
    assert tokenizer.decode(ids) == tokenizer.apply_chat_template(
        conversation_["messages"], tools=conversation_["tools"], tokenize=False
    ).rstrip("\n")


def test_rendering_once_gives_the_tokens_of_rendering_each_turn(tokenizer):
    """Two questions, one with two calls: the single render splits where the per-turn
    renders do, and each piece is tokenized alike."""
    first, second = conversation("steps", 7), conversation("valence", 3)
    calls = first["messages"][2]["tool_calls"] + second["messages"][2]["tool_calls"]
    messages = [*first["messages"][:2], {"role": "assistant", "tool_calls": calls}]
    messages += [first["messages"][3], second["messages"][3], first["messages"][4]]
    messages += second["messages"][1:]
    long = {"tools": TOOLS, "messages": messages}
    expected: list[int] = []
    seen = ""
    for pair in turn_pairs(long, tokenizer):
        assert pair["prompt"].startswith(seen)
        for piece in (pair["prompt"][len(seen) :], pair["completion"]):
            expected += tokenizer.encode(piece, add_special_tokens=False)
        seen = pair["prompt"] + pair["completion"]
    assert tokenize_conversation(long, tokenizer)["input_ids"] == expected
    assert turn_markers(tokenizer) == ("<|im_start|>assistant\n", "<|im_end|>")


def test_a_template_without_turn_markers_is_refused(tokenizer):
    original = tokenizer.chat_template
    tokenizer.chat_template = "{% for m in messages %}{{ m.content }}{% endfor %}"
    try:
        with pytest.raises(ValueError, match="does not mark where an assistant's turn"):
            turn_markers(tokenizer)
    finally:
        tokenizer.chat_template = original


def test_a_tiny_student_trains_and_reloads(tokenizer, tmp_path: Path):
    from transformers import AutoModelForCausalLM

    config = StudentConfig(
        hidden_size=32,
        layers=1,
        heads=2,
        kv_heads=1,
        intermediate_size=64,
        max_length=4096,
        batch_size=2,
    )
    model = build_student(tokenizer, config)
    conversations = [conversation(m, d) for m in ("steps", "valence") for d in (3, 7)]
    run = sft_train(model, tokenizer, conversations, tmp_path, config, max_steps=2, progress=False)
    assert run.steps == 2 and run.conversations == 4 and run.final_loss is not None
    reloaded = AutoModelForCausalLM.from_pretrained(tmp_path)
    assert reloaded.config.model_type == "qwen2"
    assert reloaded.config.vocab_size == len(load_tokenizer(tmp_path))
    with pytest.raises(ValueError, match="every training conversation is longer than 8"):
        sft_train(
            model,
            tokenizer,
            conversations,
            tmp_path,
            config.model_copy(update={"max_length": 8}),
            max_steps=1,
            progress=False,
        )


def test_a_long_conversation_trains_on_its_first_whole_turns(tokenizer):
    example = tokenize_conversation(conversation("steps", 7), tokenizer)
    mask = example["completion_mask"]
    first_end = next(i for i in range(1, len(mask)) if mask[i - 1] and not mask[i])
    for limit in (first_end, len(mask) - 1):
        cut = whole_turns(example, limit)
        assert cut is not None and len(cut["input_ids"]) == first_end, limit
        assert cut["completion_mask"] == mask[:first_end]
    assert whole_turns(example, len(mask)) == example
    assert whole_turns(example, first_end - 1) is None


def test_the_system_turn_is_the_prefix_every_example_shares(tokenizer):
    first, second = (
        tokenize_conversation(conversation(m, 3), tokenizer) for m in ("steps", "valence")
    )
    length = first["prefix_length"]
    assert length == second["prefix_length"] > 0
    assert first["input_ids"][:length] == second["input_ids"][:length]
    assert tokenizer.decode(first["input_ids"][:length]).endswith("<|im_end|>\n")
