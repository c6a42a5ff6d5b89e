"""Teacher conversations as the agent would have recorded them: realistic rated answers for
tests and benchmarks, without a model server.

Each final answer of a teacher conversation becomes one turn in the completion log's shape:
`request` is the conversation before the answer as OpenAI messages (tool-call arguments as
JSON text, as the agent keeps them), `tool_trace` the answered turn's `ToolCall`s with their
outcomes rebuilt as `ToolResult`/`ToolErrorResult` from what the model read, and `answer` the
teacher's text.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from tools import ToolCall, ToolErrorResult, ToolResult


class SimulatedTurn(BaseModel):
    """One answer of a teacher conversation, as `CompletionRecord` fields."""

    model_config = ConfigDict(frozen=True)

    person: str
    request: list[dict[str, Any]]
    tool_trace: list[ToolCall]
    answer: str


def teacher_turns(conversation: dict[str, Any]) -> list[SimulatedTurn]:
    """Every final answer of `conversation` ({"person", "messages", ...}) as a turn."""
    messages = conversation["messages"]
    turns = []
    for i, message in enumerate(messages):
        if message["role"] != "assistant" or message.get("tool_calls"):
            continue
        start = max(j for j in range(i) if messages[j]["role"] == "user")
        turns.append(
            SimulatedTurn(
                person=conversation["person"],
                request=[_as_recorded(m) for m in messages[:i]],
                tool_trace=_trace(messages[start:i]),
                answer=message["content"],
            )
        )
    return turns


def corpus_metrics(conversations: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each person's metrics, as the corpus's tools offered them (the metric enum)."""
    metrics = {}
    for conversation in conversations:
        for tool in conversation["tools"]:
            if tool["function"]["name"] == "stats_lookup":
                properties = tool["function"]["parameters"]["properties"]
                metrics[conversation["person"]] = properties["metric"]["enum"]
    return metrics


def _as_recorded(message: dict[str, Any]) -> dict[str, Any]:
    if not message.get("tool_calls"):
        return dict(message)
    calls = [
        {
            "id": call["id"],
            "type": "function",
            "function": {
                "name": call["function"]["name"],
                "arguments": json.dumps(call["function"]["arguments"]),
            },
        }
        for call in message["tool_calls"]
    ]
    return {**message, "tool_calls": calls}


def _trace(turn: list[dict[str, Any]]) -> list[ToolCall]:
    calls = {
        call["id"]: call["function"] for message in turn for call in message.get("tool_calls") or []
    }
    trace = []
    for message in turn:
        if message["role"] != "tool":
            continue
        call = calls[message["tool_call_id"]]
        view = json.loads(message["content"])
        outcome = ToolErrorResult.model_validate(view) if "error" in view else _result(call, view)
        trace.append(ToolCall(name=call["name"], arguments=call["arguments"], outcome=outcome))
    return trace


def _result(call: dict[str, Any], view: dict[str, Any]) -> ToolResult:
    """A ToolResult holding what the model read (the summary, n, caveats, memories)."""
    result = {k: v for k, v in view.items() if k in ("n", "caveats", "memories")}
    if isinstance(view.get("metrics"), dict):
        result["metrics"] = [{"metric": k, "days": v} for k, v in view["metrics"].items()]
    return ToolResult(
        tool=call["name"],
        arguments=call["arguments"],
        data_version=0,
        first_day=None,
        last_day=None,
        summary=view["summary"],
        result=result,
    )


__all__ = ["SimulatedTurn", "corpus_metrics", "teacher_turns"]
