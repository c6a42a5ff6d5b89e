"""One chat turn for a signed-in asker: pick the conversation, run the agent, keep the record.

HTTP-free, so the server, the terminal client and the benchmarks share it. Conversations are
LangGraph threads named by asker, person and conversation id, so nobody can continue a
thread that is not theirs. A request without a conversation id starts a new thread seeded
with the request's user and assistant messages; system and tool messages from a client are
dropped (EQM's own prompt and its own tool results are the only ones a model sees).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, RemoveMessage, ToolMessage
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from agent.accounts import CRISIS_ACTION
from agent.completions import CompletionLog, CompletionRecord
from agent.config import AgentSettings
from agent.errors import ModelUnavailable
from agent.graph import TurnContext, build_graph
from agent.openai_schema import ChatMessage
from tools import Subject, ToolCall, ToolContext, ToolResult
from tools.prompt import SYSTEM_PROMPT
from tools.safety import SafetyCheck

log = logging.getLogger(__name__)
Audit = Callable[[str, str, str, dict[str, Any] | None], object]
"""(actor, subject, action, detail): `Accounts.audit`, where a crisis turn is recorded."""


@dataclass(frozen=True)
class TurnOutcome:
    completion_id: str
    conversation_id: str
    model: str
    answer: str
    eqm: dict[str, Any]
    usage: dict[str, int]
    seconds: float
    model_seconds: float


def thread_id(asker: str, person: str, conversation_id: str) -> str:
    return f"{asker}/{person}/{conversation_id}"


def _serde() -> JsonPlusSerializer:
    """LangGraph's serializer, told that a turn's `ToolCall` records may be read back."""
    return JsonPlusSerializer(allowed_msgpack_modules=[("tools.calls", "ToolCall")])


def open_checkpointer(settings: AgentSettings) -> Any:
    """LangGraph's SQLite saver under EQM_DATA_DIR, or its PostgreSQL saver for a
    postgresql:// EQM_DATABASE_URL."""
    url = settings.database_url or ""
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        plain = url.replace("postgresql+psycopg://", "postgresql://")
        pool = ConnectionPool(
            plain,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
            open=True,
        )
        saver = PostgresSaver(pool, serde=_serde())  # type: ignore[arg-type]
        saver.setup()
        return saver
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = Path(settings.data_dir) / "conversations.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    saver = SqliteSaver(sqlite3.connect(path, check_same_thread=False), serde=_serde())
    saver.setup()
    return saver


class ChatService:
    """Runs turns through the compiled agent and records each completion; a crisis turn
    also goes to the audit log, with the safety check's reason and not the person's words."""

    def __init__(
        self,
        settings: AgentSettings,
        tools: ToolContext,
        completions: CompletionLog,
        checkpointer: Any,
        safety: SafetyCheck,
        audit: Audit,
    ) -> None:
        self.settings = settings
        self.tools = tools
        self.completions = completions
        self.checkpointer = checkpointer
        self.safety = safety
        self.audit = audit
        self.graph = build_graph(checkpointer)

    @cache  # noqa: B019 - one client per served model name for the service's lifetime
    def chat_model(self, name: str) -> Any:
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=name,
            base_url=self.settings.url_for(name),
            api_key="EMPTY",  # vLLM's server wants none; the library wants a value
            temperature=0,
            max_tokens=320,
            timeout=self.settings.turn_seconds,  # each call: what is left of the turn
            max_retries=0,  # a retry would outlast the turn; the client retries after a 503
        )

    def turn(
        self,
        subject: Subject,
        messages: list[ChatMessage],
        *,
        model: str,
        conversation_id: str | None = None,
    ) -> TurnOutcome:
        started = time.perf_counter()
        conversation_id = conversation_id or uuid.uuid4().hex
        config = {
            "configurable": {"thread_id": thread_id(subject.asker, subject.person, conversation_id)}
        }
        known = self.graph.get_state(config).values.get("messages") or []
        incoming = _seed(messages[-1:] if known else messages)
        context = TurnContext(
            subject=subject,
            tools=self.tools,
            chat_model=self.chat_model(model),
            safety=self.safety,
            deadline=time.monotonic() + self.settings.turn_seconds,
        )
        try:
            state = self.graph.invoke({"messages": incoming}, config, context=context)
        except ModelUnavailable:
            self._roll_back(config, known)
            raise
        answer = state["messages"][-1].text
        eqm = {
            "tool_calls": [_source(call) for call in state.get("trace", [])],
            "grounded": bool(state.get("grounded")),
            "fallback": bool(state.get("fallback")),
            "safety": bool(state.get("safety")),
            "safety_kind": state.get("safety"),
            "draft_grounded": state.get("draft_grounded"),  # the model's first draft passed?
            "conversation_id": conversation_id,
        }
        usage = dict(state.get("usage") or {"prompt_tokens": 0, "completion_tokens": 0})
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        outcome = TurnOutcome(
            completion_id=f"chatcmpl-{uuid.uuid4().hex}",
            conversation_id=conversation_id,
            model=model,
            answer=answer,
            eqm=eqm,
            usage=usage,
            seconds=time.perf_counter() - started,
            model_seconds=float(state.get("model_seconds") or 0.0),
        )
        self.completions.record(
            CompletionRecord(
                id=outcome.completion_id,
                asker=subject.asker,
                person=subject.person,
                conversation_id=conversation_id,
                model=model,
                request=[{"role": "system", "content": SYSTEM_PROMPT}]
                + [as_openai(m) for m in state["messages"][:-1]],
                tool_trace=state.get("trace", []),
                answer=answer,
                grounded=eqm["grounded"],
                fallback=eqm["fallback"],
                safety=eqm["safety"],
                usage=usage,
                latency_ms=round(outcome.seconds * 1000, 2),
            )
        )
        if state.get("safety") == "crisis":
            self._audit_crisis(subject, state, outcome.completion_id)
        return outcome

    def _roll_back(self, config: dict[str, Any], known: list[AnyMessage]) -> None:
        """Leave the conversation as it was before a turn that failed half-way, so the
        client can send the same message again once the model server answers."""
        kept = {m.id for m in known}
        added = self.graph.get_state(config).values.get("messages") or []
        removed = [RemoveMessage(id=m.id) for m in added if m.id not in kept]
        if removed:
            self.graph.update_state(config, {"messages": removed}, as_node="fallback")

    def _audit_crisis(self, subject: Subject, state: dict[str, Any], completion_id: str) -> None:
        """The crisis is the asker's own (a parent's words about a child are the parent's,
        not the child's record). A failed write is logged, never the person's answer."""
        detail = {
            "reason": state.get("safety_reason"),
            "category": state.get("safety_category"),
            "completion_id": completion_id,
        }
        try:
            self.audit(subject.asker, subject.asker, CRISIS_ACTION, detail)
        except Exception:
            log.exception("could not write the crisis turn %s to the audit log", completion_id)

    def conversation(self, asker: str, person: str, conversation_id: str) -> list[dict[str, Any]]:
        config = {"configurable": {"thread_id": thread_id(asker, person, conversation_id)}}
        return [as_openai(m) for m in self.graph.get_state(config).values.get("messages", [])]

    def forget(self, asker: str, person: str, conversation_ids: set[str]) -> None:
        for conversation_id in conversation_ids:
            self.checkpointer.delete_thread(thread_id(asker, person, conversation_id))


def _source(call: ToolCall) -> dict[str, Any]:
    """A call as `message.eqm` shows it under the answer: what was asked, whether it worked,
    the first and last day of data it read (null for a failed call or one that reads no
    days), and its sentence."""
    outcome = call.outcome
    read = isinstance(outcome, ToolResult)
    return {
        "name": call.name,
        "arguments": call.arguments,
        "ok": read,
        "first_day": outcome.first_day.isoformat() if read and outcome.first_day else None,
        "last_day": outcome.last_day.isoformat() if read and outcome.last_day else None,
        "summary": call.summary,
    }


def _seed(messages: list[ChatMessage]) -> list[AnyMessage]:
    seeded: list[AnyMessage] = []
    for message in messages:
        if message.role == "user":
            seeded.append(HumanMessage(message.text))
        elif message.role == "assistant" and message.text:
            seeded.append(AIMessage(message.text))
    return seeded


def as_openai(message: AnyMessage) -> dict[str, Any]:
    """A LangChain message as the OpenAI chat message it stands for."""
    if isinstance(message, HumanMessage):
        return {"role": "user", "content": message.text}
    if isinstance(message, ToolMessage):
        return {
            "role": "tool",
            "tool_call_id": message.tool_call_id,
            "name": message.name,
            "content": message.text,
        }
    assert isinstance(message, AIMessage)
    out: dict[str, Any] = {"role": "assistant", "content": message.text}
    if message.tool_calls:
        out["tool_calls"] = [
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": json.dumps(call["args"])},
            }
            for call in message.tool_calls
        ]
    return out
