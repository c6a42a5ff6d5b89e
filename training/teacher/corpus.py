"""The teacher's corpus: generated questions, planned, answered by running the real tools.

Every tool message holds what `call_tool` returned for that person, and every final answer
is written from those results, so the student learns to call tools and to quote them, never
to produce numbers of its own. Same store, persons, n and seed: the same conversations.
"""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

from brain.analytics.service import Analytics
from brain.store import Store
from tools import Subject, ToolContext, ToolErrorResult, ToolResult, call_tool, openai_tools
from tools.prompt import SYSTEM_PROMPT
from training.teacher.answers import answer
from training.teacher.decisions import call_message
from training.teacher.phrasing import Question, follow_up, question
from training.teacher.planner import Plan, adaptable, plan

FOLLOW_UP_SHARE = 0.25  # of turns that called tools (and were not follow-ups themselves)
# People ask several things in one chat; for the student this also means more decisions per
# token, as the system prompt and tools are read once per conversation.
ANOTHER_QUESTION = 0.6
MAX_QUESTIONS = 4


def build_corpus(
    store: Store,
    persons: list[str],
    n: int,
    seed: int,
    context: ToolContext | None = None,
) -> list[dict[str, Any]]:
    """`n` conversations over `persons` in turn; pass `context` to search memories too."""
    rng = random.Random(seed)
    context = context or ToolContext(Analytics(store))
    conversations = []
    for index in range(n):
        person = persons[index % len(persons)]
        metrics = context.analytics.metrics(person)
        subject = Subject.self_(person)
        messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM_PROMPT}]
        history: list[Plan] = []
        turn: Question | None = question(rng, metrics)
        following = False
        while turn is not None:
            history.append(plan(turn.clean, metrics, history))
            messages += _turn(context, subject, turn, history[-1], len(history))
            if not following and adaptable(history[-1]) and rng.random() < FOLLOW_UP_SHARE:
                turn, following = follow_up(rng, metrics), True
            elif len(history) < MAX_QUESTIONS and rng.random() < ANOTHER_QUESTION:
                turn, following = question(rng, metrics), False
            else:
                turn = None
        conversations.append(
            {
                "id": f"teacher-{seed}-{index}",
                "person": person,
                "tools": openai_tools(metrics),
                "messages": messages,
            }
        )
    return conversations


def _turn(
    context: ToolContext, subject: Subject, turn: Question, planned: Plan, number: int
) -> list[dict[str, Any]]:
    """The user's message, the tool calls and their results, and the final answer."""
    messages: list[dict[str, Any]] = [{"role": "user", "content": turn.text}]
    results: list[ToolResult | ToolErrorResult] = []
    if planned.calls:
        ids = [f"call_{number}_{i}" for i in range(len(planned.calls))]
        messages.append(call_message(planned.calls, ids))
        for call_id, call in zip(ids, planned.calls, strict=True):
            outcome = call_tool(context, subject, call.name, dict(call.arguments))
            results.append(outcome)
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": call_id,
                    "name": call.name,
                    "content": outcome.for_model()
                    if isinstance(outcome, ToolResult)
                    else outcome.model_dump_json(),
                }
            )
    messages.append({"role": "assistant", "content": answer(planned, results)})
    return messages


def corpus_hash(conversations: list[dict[str, Any]]) -> str:
    """sha256 of the canonical JSON: equal hashes, byte-identical corpora."""
    text = json.dumps(conversations, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
