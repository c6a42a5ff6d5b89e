"""One tool call the model made and what came back, as one typed record.

The agent's graph makes it, the grounding guard checks drafts against it, the completion
log keeps it, the evals score it and the preference data is rebuilt from it: the same
record all the way, so no layer re-reads another's dict differently.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tools.errors import ToolErrorResult
from tools.registry import ToolResult


class ToolCall(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(description="The tool the model named (maybe one that does not exist).")
    arguments: dict[str, Any] | str = Field(
        default_factory=dict,
        description="As the tools read them; the model's own text where that was not a JSON "
        "object.",
    )
    outcome: ToolResult | ToolErrorResult = Field(
        description="The result with its provenance (days, data version), or what was wrong."
    )

    @property
    def ok(self) -> bool:
        return isinstance(self.outcome, ToolResult)

    @property
    def summary(self) -> str:
        """The result's sentence, or "error: message" for a failed call."""
        outcome = self.outcome
        if isinstance(outcome, ToolResult):
            return outcome.summary
        return f"{outcome.error}: {outcome.message}"

    @model_validator(mode="before")
    @classmethod
    def _from_older_logs(cls, data: Any) -> Any:
        """Completions kept before this record existed stored the outcome as `output`."""
        if isinstance(data, dict) and "outcome" not in data and "output" in data:
            rest = {k: v for k, v in data.items() if k not in ("output", "summary", "ok")}
            return {**rest, "outcome": data["output"]}
        return data


__all__ = ["ToolCall"]
