"""One registry of tools: name, description for a model, argument model, implementation.

`openai_tools(metrics)` renders every tool as an OpenAI function schema generated from its
argument model, with the person's own metric names as enums. `call_tool` is the single
entry point: it validates the model's arguments, runs the tool for the injected Subject and
returns a `ToolResult` or a `ToolErrorResult`; invalid input never raises into the caller.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from brain.analytics.service import Analytics
from brain.errors import BrainError, InvalidQuery, UnknownPerson
from brain.store import Store
from tools.config import ToolSettings
from tools.errors import ToolCallError, ToolErrorResult
from tools.memories import (
    Embedder,
    MemoryStore,
    SentenceTransformerEmbedder,
    open_memory_store,
)
from tools.subject import Subject

log = logging.getLogger(__name__)


class ToolResult(BaseModel):
    """A tool's answer with its provenance; serialises the same way for the same data."""

    model_config = ConfigDict(frozen=True)

    tool: str
    arguments: dict[str, Any]
    data_version: int
    first_day: date | None
    last_day: date | None
    summary: str
    result: dict[str, Any]

    def for_model(self) -> str:
        """The JSON a model reads as this call's result: the summary (which carries the
        result's headline numbers), how many days it rests on, the caveats, and what a
        search found, without the tables and diagnostics that would multiply a prompt's
        length on a CPU. The grounding guard checks answers against the full result."""
        view: dict[str, Any] = {"tool": self.tool, "summary": self.summary}
        for key in ("n", "caveats"):
            if key in self.result:
                view[key] = self.result[key]
        if memories := self.result.get("memories"):
            view["memories"] = [{"day": m["day"], "text": m["text"]} for m in memories]
        if metrics := self.result.get("metrics"):
            view["metrics"] = {m["metric"]: m["days"] for m in metrics}
        return json.dumps(view, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class ToolContext:
    """What tools run against: the analytics over the store, and the memory search (without
    one, search_memories answers that memories are not set up)."""

    analytics: Analytics
    memories: MemoryStore | None = None
    embedder: Embedder | None = None

    @classmethod
    def open(cls, settings: ToolSettings, *, memories: MemoryStore | None = None) -> ToolContext:
        """The store, memory store and embedder `settings` name, opened once for a process;
        `memories` replaces the configured memory store."""
        store = Store.open(settings.resolved_database_url())
        return cls(
            Analytics(store),
            memories or open_memory_store(settings),
            SentenceTransformerEmbedder(settings.embedding_model),
        )

    def close(self) -> None:
        if self.memories is not None:
            self.memories.close()
        self.analytics.store.close()

    def __enter__(self) -> ToolContext:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Arguments(BaseModel):
    """Base of every tool's arguments: unknown fields are an error the model can read."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Runner = Callable[[ToolContext, Subject, Any], ToolResult]


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[Arguments]
    run: Runner
    metric_fields: tuple[str, ...] = ()  # argument fields that name one of the person's metrics


TOOLS: dict[str, Tool] = {}
# A tool's first run imports what its analysis needs (statsmodels, DoWhy, scikit-learn...).
# Callers run tools in parallel (the API's requests, the web app's dashboard asks a dozen at
# once), and two first imports in two threads can deadlock Python's import locks: so first
# runs take turns, and a tool runs freely once it has run.
_FIRST_RUNS = threading.RLock()  # re-entrant: a tool may call another
_WARM: set[str] = set()


def register(tool: Tool) -> Tool:
    TOOLS[tool.name] = tool
    return tool


def _simplify(schema: Any) -> Any:
    """Pydantic's schema, trimmed for a small model that reads every token: no titles (they
    repeat the field names), and an optional field is its type (omitting it means null)."""
    if isinstance(schema, list):
        return [_simplify(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    simple = {k: _simplify(v) for k, v in schema.items() if k != "title"}
    options = simple.get("anyOf")
    if options and len(options) == 2 and {"type": "null"} in options:
        simple.pop("anyOf")
        simple = {**next(o for o in options if o != {"type": "null"}), **simple}
        if simple.get("default", 0) is None:
            simple.pop("default")
    return simple


def function_schema(tool: Tool, metrics: list[str] | None = None) -> dict[str, Any]:
    """The OpenAI `tools=[...]` entry for `tool`, metric fields limited to `metrics`."""
    parameters = _simplify(tool.arguments.model_json_schema())
    if metrics is not None:
        for name in tool.metric_fields:
            parameters["properties"][name]["enum"] = sorted(metrics)
    return {
        "type": "function",
        "function": {"name": tool.name, "description": tool.description, "parameters": parameters},
    }


def openai_tools(metrics: list[str] | None = None) -> list[dict[str, Any]]:
    _load_tools()
    return [function_schema(tool, metrics) for tool in TOOLS.values()]


def _validation_message(error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        problems.append(f"{where}: {item['msg']}")
    return "; ".join(problems)


def call_tool(
    context: ToolContext, subject: Subject, name: str, arguments: dict[str, Any] | str | None
) -> ToolResult | ToolErrorResult:
    """Run tool `name` for `subject` with the model's `arguments` (a dict or JSON text)."""
    _load_tools()
    tool = TOOLS.get(name)
    if tool is None:
        return ToolErrorResult(
            tool=name,
            error="unknown_tool",
            message=f"there is no tool {name!r}",
            valid=sorted(TOOLS),
        )
    try:
        if isinstance(arguments, str):
            arguments = json.loads(arguments) if arguments.strip() else {}
        if not isinstance(arguments, dict):
            raise ValueError("arguments must be a JSON object")
        parsed = tool.arguments.model_validate(arguments or {})
    except json.JSONDecodeError as e:
        return ToolErrorResult(
            tool=name,
            error="invalid_arguments",
            message=f"arguments are not valid JSON: {e.msg} at position {e.pos}",
        )
    except RecursionError:
        return ToolErrorResult(
            tool=name, error="invalid_arguments", message="arguments nest too deeply"
        )
    except ValidationError as e:
        return ToolErrorResult(tool=name, error="invalid_arguments", message=_validation_message(e))
    except ValueError as e:
        return ToolErrorResult(tool=name, error="invalid_arguments", message=str(e))
    try:
        if tool.metric_fields:
            _check_metrics(context, subject, tool, parsed)
        if tool.name in _WARM:
            return tool.run(context, subject, parsed)
        with _FIRST_RUNS:
            result = tool.run(context, subject, parsed)
            _WARM.add(tool.name)
            return result
    except ToolCallError as e:
        return ToolErrorResult(tool=name, error=e.kind, message=e.message, valid=e.valid)
    except (InvalidQuery, ValueError) as e:
        return ToolErrorResult(tool=name, error="invalid_arguments", message=str(e))
    except UnknownPerson:
        return ToolErrorResult(tool=name, error="no_data", message="there is no data for you yet")
    except BrainError as e:
        return ToolErrorResult(tool=name, error="invalid_arguments", message=str(e))
    except Exception:
        log.exception("tool %s failed", name)  # the trace goes to the log, not to the model
        return ToolErrorResult(tool=name, error="internal", message=f"{name} failed unexpectedly")


def _check_metrics(context: ToolContext, subject: Subject, tool: Tool, parsed: Arguments) -> None:
    have = context.analytics.metrics(subject.person)
    for name in tool.metric_fields:
        value = getattr(parsed, name)
        if value is not None and value not in have:
            raise ToolCallError(
                "invalid_arguments", f"{name}: {value!r} is not one of this person's metrics", have
            )


def _load_tools() -> None:
    """Tool modules register themselves on import; import them once, on first use."""
    if not TOOLS:
        import tools.analysis_tools
        import tools.memory_tools  # noqa: F401
