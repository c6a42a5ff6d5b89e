"""The fine-tuned sentence encoder as the safety check serves it: ONNX Runtime.

PyTorch spends ~9 ms on one short message on 2 cores, most of it per-call overhead; ONNX
Runtime runs the same graph and weights in ~3 ms and gives the same unit vectors (within
1e-6). The graph is exported once, when the classifier is trained, into its cache folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

ENCODER_FILE = "encoder.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def export_encoder(encoder: SentenceTransformer, path: Path) -> None:
    """Write `encoder` (transformer, mean pooling, unit length) as one ONNX graph."""
    import torch

    class UnitMeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = encoder[0].auto_model

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    example = encoder.tokenizer(["an example message"], return_tensors="pt")
    with torch.inference_mode():
        torch.onnx.export(
            UnitMeanPooled().eval(),
            tuple(example[name] for name in INPUTS),
            str(path),
            input_names=list(INPUTS),
            output_names=["vector"],
            dynamic_axes={name: {0: "texts", 1: "tokens"} for name in INPUTS},
            opset_version=17,
            dynamo=False,  # the TorchScript exporter: no onnxscript needed for a BERT
        )


class SentenceEncoder:
    """Unit sentence vectors from the exported graph, one text at a time."""

    def __init__(self, folder: Path, max_length: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "encoder" / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length)
        self.session = onnxruntime.InferenceSession(
            str(folder / ENCODER_FILE), providers=["CPUExecutionProvider"]
        )

    def __call__(self, text: str) -> np.ndarray:
        tokens = self.tokenizer.encode(text)
        feeds = {
            "input_ids": tokens.ids,
            "attention_mask": tokens.attention_mask,
            "token_type_ids": tokens.type_ids,
        }
        inputs = {name: np.array([values], dtype=np.int64) for name, values in feeds.items()}
        return self.session.run(None, inputs)[0][0]
