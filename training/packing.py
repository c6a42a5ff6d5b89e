"""Shared-prefix packing: many training examples that open with the same system turn (the
system prompt and one person's tools block, ~400 of a first question's ~470 tokens with
SmolLM2's vocabulary) become one sequence that holds that prefix once, followed by each
example's own tokens as a separate branch:

    [system + tools][question 1 -> call 1][question 2 -> call 2]...

Each branch sees the prefix and itself only (a 4-D attention mask), and its positions go on
from the prefix's end as if it stood alone, so every branch is computed exactly as its own
example would be, and the loss is the same sum over the same completion tokens. On two
cores this is what lets the model train on every question with the tools block it is
served with: the block is computed once per sequence, not once per question.
"""

from __future__ import annotations

from typing import Any

Example = dict[str, list[int]]  # {"input_ids", "completion_mask"}: see tokenize_conversation


def pack(examples: list[tuple[Example, int]], max_length: int) -> list[dict[str, list[int]]]:
    """Sequences of {"input_ids", "labels", "position_ids", "segments", "length"} from
    (example, prefix length) pairs, in first-seen order of their prefixes. Segment 0 is the
    shared prefix, segment k the k-th branch. A branch joins the open sequence of its prefix
    while that stays within `max_length` tokens; an example longer than that stands alone."""
    open_by_prefix: dict[tuple[int, ...], dict[str, list[int]]] = {}
    done: list[dict[str, list[int]]] = []
    for example, prefix_length in examples:
        ids, mask = example["input_ids"], example["completion_mask"]
        prefix = tuple(ids[:prefix_length])
        branch, branch_mask = ids[prefix_length:], mask[prefix_length:]
        sequence = open_by_prefix.get(prefix)
        if sequence and len(sequence["input_ids"]) + len(branch) > max_length:
            done.append(open_by_prefix.pop(prefix))
            sequence = None
        if sequence is None:
            sequence = {
                "input_ids": list(prefix),
                "labels": [-100] * len(prefix),
                "position_ids": list(range(len(prefix))),
                "segments": [0] * len(prefix),
            }
            open_by_prefix[prefix] = sequence
        segment = sequence["segments"][-1] + 1
        sequence["input_ids"] += branch
        labels = [t if bit else -100 for t, bit in zip(branch, branch_mask, strict=True)]
        sequence["labels"] += labels
        sequence["position_ids"] += range(len(prefix), len(prefix) + len(branch))
        sequence["segments"] += [segment] * len(branch)
    done += open_by_prefix.values()
    for sequence in done:
        sequence["length"] = len(sequence["input_ids"])
    return done


class BranchCollator:
    """Pads packed sequences into a batch with the 4-D boolean mask that keeps branches apart:
    a token attends to earlier tokens of its own branch and to the shared prefix. Padding
    attends to itself only (a row with nothing to attend to would be NaN)."""

    def __init__(self, pad_token_id: int) -> None:
        self.pad_token_id = pad_token_id

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        width = max(len(row["input_ids"]) for row in rows)

        def padded(key: str, fill: int) -> torch.Tensor:
            return torch.tensor([row[key] + [fill] * (width - len(row[key])) for row in rows])

        segments = padded("segments", -1)
        query, key = segments[:, :, None], segments[:, None, :]
        causal = torch.ones(width, width, dtype=torch.bool).tril()
        mask = causal & ((key == 0) | (key == query)) & (key >= 0)
        mask |= torch.eye(width, dtype=torch.bool)  # padding sees itself
        return {
            "input_ids": padded("input_ids", self.pad_token_id),
            "labels": padded("labels", -100),
            "position_ids": padded("position_ids", 0),
            "attention_mask": mask[:, None],
        }
