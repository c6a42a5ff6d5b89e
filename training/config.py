"""Training's settings: brain's (where data and the cache live) plus where vLLM's environment
is. Read from EQM_* variables where a process starts and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from brain.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]


class TrainingSettings(Settings):
    """Every field can be set with an `EQM_`-prefixed environment variable."""

    vllm_python: Path = Field(
        default=REPO_ROOT / ".venv-vllm" / "bin" / "python",
        description="The interpreter of an environment with vLLM (scripts/setup-vllm.sh makes "
        "the repo's .venv-vllm).",
    )
