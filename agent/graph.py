"""EQM's agent: a LangGraph state graph in which the model may answer only through tools.

    START -> safety -+-> END                     (crisis / diagnosis: a fixed text, no model)
                     +-> model -> tools -> model ...   (bounded rounds, one repair round for
                                 |                      an unknown or malformed call)
                                 +-> guard -> END      (grounded draft, or the fallback)
                                       +-> model       (one repair round with the violations)

The model is reached only through the OpenAI API (`ChatOpenAI` at EQM_MODEL_URL); the tools
run for the `Subject` in the run's context, which the server derives from the signed-in key
and which no model output can change. Every draft is checked by the grounding guard against
this turn's tool outputs; a draft that fails twice is replaced by a deterministic answer
assembled from the tool summaries. Rejected drafts and repair notes never enter the
conversation, so later turns see only answers that passed.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypedDict

import openai
import ormsgpack
from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.tool import invalid_tool_call
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime
from langgraph.types import Checkpointer

from agent.errors import ModelUnavailable
from agent.grounding import check, evidence_of, fallback_answer, repair_prompt
from tools import (
    Subject,
    ToolCall,
    ToolContext,
    ToolErrorResult,
    ToolResult,
    call_tool,
    openai_tools,
)
from tools.prompt import SYSTEM_PROMPT
from tools.safety import CRISIS_RESPONSES, DIAGNOSIS_REFUSAL, SafetyCheck, crisis_response

MAX_TOOL_ROUNDS = 3
MAX_CALLS_PER_ROUND = 4
TURN_SECONDS = 60.0

Safety = Literal["crisis", "diagnosis"]


class TurnState(TypedDict, total=False):
    """The conversation (persisted by the checkpointer) and this turn's scratch fields,
    which `start_turn` resets: tool trace, evidence, the draft and the counters."""

    messages: Annotated[list[AnyMessage], add_messages]
    trace: list[ToolCall]
    draft: str | None
    repair: str | None
    tool_rounds: int
    call_repairs: int
    answer_repairs: int
    grounded: bool
    fallback: bool
    safety: Safety | None
    safety_reason: str | None
    safety_category: str | None
    violations: list[str]
    draft_grounded: bool | None
    first_draft: str | None
    model_seconds: float
    usage: dict[str, int]


@dataclass
class TurnContext:
    """What one run needs and the model must never choose: whose data, and where to read it.

    `chat_model` is a LangChain chat model (ChatOpenAI against the model server); `deadline`
    is a `time.monotonic()` instant after which no further model round starts."""

    subject: Subject
    tools: ToolContext
    chat_model: Any
    safety: SafetyCheck
    deadline: float = field(default_factory=lambda: time.monotonic() + TURN_SECONDS)

    def metrics(self) -> list[str]:
        try:
            return self.tools.analytics.metrics(self.subject.person)
        except Exception:  # a person with no data yet: tools answer "no data" themselves
            return []


# nodes --------------------------------------------------------------------------------------


def start_turn(state: TurnState) -> dict[str, Any]:
    """Reset the per-turn fields; the conversation itself carries over."""
    return {
        "trace": [],
        "draft": None,
        "repair": None,
        "tool_rounds": 0,
        "call_repairs": 0,
        "answer_repairs": 0,
        "grounded": False,
        "fallback": False,
        "safety": None,
        "safety_reason": None,
        "safety_category": None,
        "violations": [],
        "draft_grounded": None,
        "first_draft": None,
        "model_seconds": 0.0,
        "usage": {"prompt_tokens": 0, "completion_tokens": 0},
    }


def safety(state: TurnState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Before any model: crisis language gets the fixed response (for a child, the one with
    helplines for young people), a diagnosis request the fixed refusal. The check reads the
    person's messages since the last crisis answer, so a crisis said over two turns is caught
    and a person who has had the answer can go on to other things."""
    context = runtime.context
    verdict = context.safety.check(_user_texts_since_crisis(state["messages"]))
    if verdict.kind == "crisis":
        text = crisis_response(child=context.subject.asker_is_child)
    elif verdict.kind == "diagnosis":
        text = DIAGNOSIS_REFUSAL
    else:
        return {}
    return {
        **_final(text, safety=verdict.kind, grounded=True),
        "safety_reason": verdict.reason,
        "safety_category": verdict.category,
    }


def model(state: TurnState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """One model call over the conversation so far, with this person's tools."""
    context = runtime.context
    prompt: list[AnyMessage] = [SystemMessage(SYSTEM_PROMPT), *state["messages"]]
    if state.get("repair"):
        prompt.append(HumanMessage(state["repair"]))
    left = max(context.deadline - time.monotonic(), 1.0)  # a slow server fails within the turn
    bound = context.chat_model.bind_tools(openai_tools(context.metrics()), timeout=left)
    started = time.perf_counter()
    try:
        reply = _with_storable_calls(bound.invoke(prompt))
    except (openai.APIError, ValueError) as e:  # down, too slow, an error, or not a completion
        raise ModelUnavailable(f"the model server did not answer this turn: {e}") from e
    spent = {
        "model_seconds": state.get("model_seconds", 0.0) + time.perf_counter() - started,
        "usage": _add_usage(state.get("usage", {}), reply),
        "repair": None,
    }
    if reply.tool_calls or reply.invalid_tool_calls:
        return {"messages": [reply], **spent}
    return {"draft": reply.text or "", **spent}


def run_tools(state: TurnState, runtime: Runtime[TurnContext]) -> dict[str, Any]:
    """Run the last message's tool calls for the run's subject; invalid ones come back to
    the model as structured errors it can correct."""
    context = runtime.context
    reply = state["messages"][-1]
    assert isinstance(reply, AIMessage)
    trace = list(state.get("trace", []))
    results: list[ToolMessage] = []
    failed = False
    calls = [(c["id"], c["name"], c["args"]) for c in reply.tool_calls]
    calls += [(c["id"], c["name"] or "", c["args"] or "") for c in reply.invalid_tool_calls]
    for call_id, name, arguments in calls[:MAX_CALLS_PER_ROUND]:
        outcome = call_tool(context.tools, context.subject, name, arguments)
        failed |= isinstance(outcome, ToolErrorResult)
        trace.append(ToolCall(name=name, arguments=_as_read(arguments), outcome=outcome))
        content = (
            outcome.for_model() if isinstance(outcome, ToolResult) else outcome.model_dump_json()
        )
        results.append(
            ToolMessage(content, tool_call_id=call_id or f"call_{len(trace)}", name=name)
        )
    return {
        "messages": results,
        "trace": trace,
        "tool_rounds": state.get("tool_rounds", 0) + 1,
        "call_repairs": state.get("call_repairs", 0) + int(failed),
    }


def guard(state: TurnState) -> dict[str, Any]:
    """Check the draft against this turn's tool outputs: pass it, ask for one repair, or
    fall back to the tool summaries."""
    evidence = evidence_of(state.get("trace", []))
    draft = state.get("draft") or ""
    verdict = check(draft, evidence)
    first = (
        {}
        if state.get("draft_grounded") is not None
        else {"draft_grounded": verdict.grounded, "first_draft": draft}
    )
    if verdict.grounded:
        return {**_final(draft, grounded=True), **first}
    violations = [v.message for v in verdict.violations]
    if state.get("answer_repairs", 0) < 1:
        return {
            "repair": repair_prompt(verdict),
            "answer_repairs": state.get("answer_repairs", 0) + 1,
            "violations": violations,
            **first,
        }
    return {**fallback(state, violations), **first}


def fallback(state: TurnState, violations: list[str] | None = None) -> dict[str, Any]:
    """The deterministic answer from the tool summaries, marked as such."""
    evidence = evidence_of(state.get("trace", []))
    dangling = state["messages"][-1]
    drop = (
        [RemoveMessage(id=dangling.id)]
        if isinstance(dangling, AIMessage) and dangling.tool_calls and dangling.id
        else []
    )
    if not evidence:
        text = (
            "I can only answer from your own data, through my tools, and I could not do that "
            "for this question. Could you ask it another way, for example about your sleep, "
            "steps or mood over a period?"
        )
    else:
        text = fallback_answer(evidence)
    final = _final(
        text, grounded=True, fallback=True, violations=violations or state.get("violations", [])
    )
    return {**final, "messages": [*drop, *final["messages"]]}


# routing ------------------------------------------------------------------------------------


def after_safety(state: TurnState) -> str:
    return END if state.get("safety") else "model"


def after_model(state: TurnState, runtime: Runtime[TurnContext]) -> str:
    last = state["messages"][-1]
    if state.get("draft") is not None:
        return "guard"
    if not isinstance(last, AIMessage):  # pragma: no cover - model() always adds one
        return "fallback"
    out_of_time = time.monotonic() > runtime.context.deadline
    if state.get("tool_rounds", 0) >= MAX_TOOL_ROUNDS or out_of_time:
        return "fallback"
    return "tools"


def after_tools(state: TurnState, runtime: Runtime[TurnContext]) -> str:
    if state.get("call_repairs", 0) > 1:  # a second malformed round: stop asking the model
        return "fallback"
    return "fallback" if time.monotonic() > runtime.context.deadline else "model"


def after_guard(state: TurnState, runtime: Runtime[TurnContext]) -> str:
    if state.get("repair") and time.monotonic() <= runtime.context.deadline:
        return "model"
    return END if not state.get("repair") else "fallback"


def build_graph(checkpointer: Checkpointer = None):
    """The compiled agent; pass a LangGraph checkpointer to keep conversations."""
    graph = StateGraph(TurnState, context_schema=TurnContext)
    graph.add_node("start_turn", start_turn)
    graph.add_node("safety", safety)
    graph.add_node("model", model)
    graph.add_node("tools", run_tools)
    graph.add_node("guard", guard)
    graph.add_node("fallback", lambda state: fallback(state))
    graph.add_edge(START, "start_turn")
    graph.add_edge("start_turn", "safety")
    graph.add_conditional_edges("safety", after_safety, ["model", END])
    graph.add_conditional_edges("model", after_model, ["guard", "tools", "fallback"])
    graph.add_conditional_edges("tools", after_tools, ["model", "fallback"])
    graph.add_conditional_edges("guard", after_guard, ["model", "fallback", END])
    graph.add_edge("fallback", END)
    return graph.compile(checkpointer=checkpointer, name="eqm-agent")


# helpers ------------------------------------------------------------------------------------


def _final(
    text: str,
    *,
    grounded: bool,
    fallback: bool = False,
    safety: Safety | None = None,
    violations: list[str] | None = None,
) -> dict[str, Any]:
    update: dict[str, Any] = {
        "messages": [AIMessage(text)],
        "draft": text,
        "repair": None,
        "grounded": grounded,
        "fallback": fallback,
        "safety": safety,
    }
    if violations is not None:
        update["violations"] = violations
    return update


def _add_usage(usage: dict[str, int], reply: AIMessage) -> dict[str, int]:
    tokens = reply.usage_metadata or {}
    return {
        "prompt_tokens": usage.get("prompt_tokens", 0) + tokens.get("input_tokens", 0),
        "completion_tokens": usage.get("completion_tokens", 0) + tokens.get("output_tokens", 0),
    }


def _storable(arguments: Any) -> bool:
    """Whether the checkpointer (msgpack) can keep these model-written arguments: JSON from a
    model may hold an integer beyond 64 bits or nest deeper than msgpack allows."""
    try:
        ormsgpack.packb(arguments)
    except (TypeError, ValueError):  # MsgpackEncodeError is a TypeError
        return False
    return True


def _with_storable_calls(reply: AIMessage) -> AIMessage:
    """The model's reply with each tool call the conversation could not keep turned into an
    invalid call (its arguments as JSON text), which the model is told to correct like any
    other malformed call, instead of the whole turn failing when the checkpointer writes it."""
    unstorable = [c for c in reply.tool_calls if not _storable(c["args"])]
    if not unstorable:
        return reply
    invalid = [
        invalid_tool_call(
            name=c["name"],
            args=json.dumps(c["args"]),
            id=c["id"],
            error="an argument is out of range",
        )
        for c in unstorable
    ]
    return reply.model_copy(
        update={
            "tool_calls": [c for c in reply.tool_calls if c not in unstorable],
            "invalid_tool_calls": [*reply.invalid_tool_calls, *invalid],
        }
    )


def _as_read(arguments: Any) -> dict[str, Any] | str:
    """The arguments as the tools read them, or the model's text where it is not an object
    the checkpointer can keep."""
    if isinstance(arguments, str):
        with contextlib.suppress(json.JSONDecodeError, RecursionError):
            parsed = json.loads(arguments)
            if isinstance(parsed, dict) and _storable(parsed):
                return parsed
    return arguments


def _user_texts_since_crisis(messages: list[AnyMessage]) -> list[str]:
    """The person's messages, oldest first, after the last crisis answer."""
    texts: list[str] = []
    for message in reversed(messages):
        if isinstance(message, AIMessage) and message.text in CRISIS_RESPONSES:
            break
        if isinstance(message, HumanMessage):
            texts.append(message.text)
    return texts[::-1]
