"""The fine-tuned sentence encoder as the safety check serves it: ONNX Runtime.

PyTorch spends ~9 ms on one short message on 2 cores, most of it per-call overhead; ONNX
Runtime runs the same graph and weights in ~3 ms and gives the same unit vectors (within
1e-6). The graph is exported once, when the classifier is trained, into its cache folder
(`classifier.export_encoder`); this module only serves it, so it is not part of the cache key.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

ENCODER_FILE = "encoder.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class SentenceEncoder:
    """Unit sentence vectors from the exported graph, one text at a time."""

    def __init__(self, folder: Path, max_length: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "encoder" / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length)
        options = onnxruntime.SessionOptions()
        # one text per request, beside the server's other threads: two threads for its matrix
        # products (one was slower: p95 11-13 ms a turn), and none left spinning between
        # requests (p95 9.0-9.7 ms over three runs, against 8.0-10.4 with ORT's defaults)
        options.intra_op_num_threads = min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(folder / ENCODER_FILE), options, providers=["CPUExecutionProvider"]
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
