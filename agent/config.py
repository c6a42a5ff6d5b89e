"""The API server's settings: the tools' (where data and memories live) plus where the model
is and limits."""

from __future__ import annotations

from pydantic import Field, field_validator

from tools.config import ToolSettings


class AgentSettings(ToolSettings):
    """Every field can be set with an `EQM_`-prefixed environment variable."""

    model_url: str = Field(
        default="http://127.0.0.1:8000/v1",
        description="OpenAI-compatible endpoint of the model server (`eqm model serve`).",
    )
    model_name: str | None = Field(
        default=None,
        description='The served model that `model: "eqm"` means; default: the first one '
        "the model server lists.",
    )
    candidate_model: str | None = Field(
        default=None,
        description='A/B: a candidate model that answers a share of `model: "eqm"` traffic.',
    )
    candidate_share: float = Field(
        default=0.0, ge=0.0, le=1.0, description="A/B: the share of conversations it answers."
    )
    candidate_url: str | None = Field(
        default=None,
        description="A/B: where the candidate is served (default: EQM_MODEL_URL, e.g. a LoRA "
        "adapter of the production model on the same vLLM).",
    )
    turn_seconds: float = Field(
        default=60.0,
        description="Seconds one chat turn may take, model calls included: a model server "
        "that has not answered by then gets the turn a 503.",
    )
    feedback_train_every: int = Field(
        default=200,
        ge=0,
        description="New ratings that make a feedback training due (run by `eqm worker`); "
        "0 turns it off.",
    )
    rate_limit: str = Field(
        default="120/minute",
        description='Requests one API key may send, in `limits` notation ("120/minute", '
        '"10/second;2000/day"); empty for no limit.',
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where budgets are counted: memory:// (one process) or a redis:// URL "
        "shared by several API processes.",
    )
    max_message_chars: int = Field(default=8_000, description="Longest accepted message.")
    max_messages: int = Field(default=200, description="Most messages in one request.")
    max_upload_mb: int = Field(default=256, description="Largest accepted import upload.")
    max_body_kb: int = Field(default=1_024, description="Largest accepted JSON request body.")

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        from limits import parse_many

        if value.strip():
            parse_many(value)  # ValueError names what it could not read
        return value

    def url_for(self, model: str) -> str:
        """The endpoint that serves `model`."""
        if self.candidate_url and model == self.candidate_model:
            return self.candidate_url
        return self.model_url
