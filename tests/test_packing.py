"""Shared-prefix packing computes each example exactly as it would be computed alone."""

from __future__ import annotations

import pytest

from training.packing import BranchCollator, pack

torch = pytest.importorskip("torch")


def example(prefix: list[int], prompt: list[int], completion: list[int]) -> tuple[dict, int]:
    ids = prefix + prompt + completion
    mask = [0] * (len(prefix) + len(prompt)) + [1] * len(completion)
    return {"input_ids": ids, "completion_mask": mask}, len(prefix)


SYSTEM_A, SYSTEM_B = [5, 6, 7, 8], [9, 10]
EXAMPLES = [
    example(SYSTEM_A, [11, 12], [13, 14, 2]),
    example(SYSTEM_B, [15], [16, 2]),
    example(SYSTEM_A, [17, 18, 19], [20, 2]),
    example(SYSTEM_A, [21], [22, 23, 24, 2]),
]


def test_examples_with_one_prefix_share_a_sequence_within_the_limit():
    sequences = pack(EXAMPLES, max_length=14)
    # SYSTEM_A once with two branches of 5 (14 tokens), the third A branch in a new one
    assert [s["input_ids"] for s in sequences] == [
        [*SYSTEM_A, 11, 12, 13, 14, 2, 17, 18, 19, 20, 2],
        [*SYSTEM_B, 15, 16, 2],
        [*SYSTEM_A, 21, 22, 23, 24, 2],
    ]
    first = sequences[0]
    assert first["segments"] == [0] * 4 + [1] * 5 + [2] * 5
    assert first["position_ids"] == [0, 1, 2, 3, *range(4, 9), *range(4, 9)]
    assert first["labels"] == [-100] * 6 + [13, 14, 2] + [-100] * 3 + [20, 2]
    assert [s["length"] for s in sequences] == [14, 5, 9]


def test_a_branch_sees_the_prefix_and_itself_only():
    sequence = pack(EXAMPLES[2:], max_length=64)[0]
    mask = BranchCollator(0)([sequence])["attention_mask"][0, 0]
    first, second = range(4, 9), range(9, 14)
    assert all(mask[q, k] for q in second for k in range(4))  # the prefix
    assert not any(mask[q, k] for q in second for k in first)  # not the other branch
    assert all(mask[q, k] == (k <= q) for q in first for k in first)  # causal in its own


def test_packed_loss_is_the_loss_of_each_example_alone():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    model = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=32,
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            num_key_value_heads=1,
        )
    ).eval()
    collate = BranchCollator(pad_token_id=0)

    def summed_loss(batch: dict) -> float:
        logits = model(
            input_ids=batch["input_ids"],
            attention_mask=batch["attention_mask"],
            position_ids=batch["position_ids"],
        ).logits[:, :-1]
        labels = batch["labels"][:, 1:]
        return torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), reduction="sum"
        ).item()

    with torch.no_grad():
        packed = summed_loss(collate(pack(EXAMPLES, max_length=64)))
        alone = sum(summed_loss(collate(pack([e], max_length=64))) for e in EXAMPLES)
    assert packed == pytest.approx(alone, rel=1e-5)
