"""Decision examples: a question and the teacher's first move (its tool calls, or its answer
when no tool is due), and nothing after it.

The conversations teach the whole exchange; decisions teach the step a small model finds
hardest and the teacher can show most cheaply: reading a question into exactly the right
calls. No tool runs and no answer follows the calls, so a decision costs ~500 tokens where a
conversation costs thousands, and the student sees many times more phrasings in the same
training time (`benchmarks/default_model.py decisions` measures it). A follow-up decision
takes the first turn of a corpus conversation, with its real tool results, as its context.
"""

from __future__ import annotations

import random
from typing import Any

from tools import openai_tools
from tools.prompt import SYSTEM_PROMPT
from training.teacher.answers import answer
from training.teacher.distractors import distracted
from training.teacher.phrasing import follow_up, question
from training.teacher.planner import Plan, ToolCall, adaptable, plan

FOLLOW_UP_SHARE = 0.2  # of decisions; the rest are first questions
# Most decisions leave the tools block out of the prompt. It is ~310 of a decision's ~440
# tokens, the same in every prompt of a person, and with it in every example a small model
# from scratch learns to read the question far more slowly (benchmarks/default_model.py
# decisions: 1.4% held-out exact match after 3,000 steps with it, 46.5% single-question exact
# after 6,000 steps without). Only a decision the block cannot change goes without it: one
# the teacher makes the same for a person who tracks every metric, and that does not list
# the person's metrics. The conversations, and the rest of the decisions, keep the block, so
# the student also reads the prompt as served.
SHORT_SHARE = 0.8

Opening = tuple[list[dict[str, Any]], Plan]  # a first turn's messages, and its plan


def call_message(calls: list[ToolCall], ids: list[str]) -> dict[str, Any]:
    """The assistant message that makes `calls`, in the OpenAI chat format."""
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": dict(call.arguments)},
            }
            for call_id, call in zip(ids, calls, strict=True)
        ],
    }


def first_move(planned: Plan, turn: int = 1) -> dict[str, Any]:
    """The teacher's first reply to a planned question: its calls, or its whole answer."""
    if planned.calls:
        ids = [f"call_{turn}_{i}" for i in range(len(planned.calls))]
        return call_message(planned.calls, ids)
    return {"role": "assistant", "content": answer(planned, [])}


def build_decisions(
    metrics_by_person: dict[str, list[str]],
    conversations: list[dict[str, Any]],
    n: int,
    seed: int,
    *,
    short_share: float = SHORT_SHARE,
) -> list[dict[str, Any]]:
    """`n` decisions for the people in turn; follow-ups open with a first turn of one of
    `conversations` (the teacher corpus over the same people) that called tools."""
    rng = random.Random(seed)
    # every question gets distractors where the plan allows (training/teacher/distractors.py),
    # from a Random of its own: the questions stay those the seed gives without them
    noise = random.Random(f"distractors-{seed}")
    people = sorted(metrics_by_person)
    tools = {person: openai_tools(metrics_by_person[person]) for person in people}
    everything = sorted(set().union(*metrics_by_person.values()))
    openings = _openings(conversations)
    decisions = []
    for index in range(n):
        person = people[index % len(people)]
        metrics = metrics_by_person[person]
        context: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM_PROMPT}]
        history: list[Plan] = []
        if openings.get(person) and rng.random() < FOLLOW_UP_SHARE:
            opening, previous = rng.choice(openings[person])
            context += opening
            history.append(previous)
            asked = follow_up(rng, metrics)
        else:
            asked = question(rng, metrics)
        planned = plan(asked.clean, metrics, history)
        short = rng.random() < short_share and _needs_no_metric_list(
            planned, plan(asked.clean, everything, history)
        )
        text = distracted(noise, asked.text, planned, metrics, history)
        messages = [*context, {"role": "user", "content": text}]
        decisions.append(
            {
                "id": f"decision-{seed}-{index}",
                "person": person,
                "tools": None if short else tools[person],
                "messages": [*messages, first_move(planned, len(history) + 1)],
                "undistracted": asked.text,  # for the tokenizer (training.tokenizer)
            }
        )
    return decisions


def _needs_no_metric_list(planned: Plan, for_everyone: Plan) -> bool:
    """The same move for this person as for one who tracks everything, and not an answer
    that lists what the person tracks."""
    same = (planned.kind, planned.calls) == (for_everyone.kind, for_everyone.calls)
    return same and planned.kind != "cannot_answer" and not planned.missing


def _openings(conversations: list[dict[str, Any]]) -> dict[str, list[Opening]]:
    """Per person, each conversation's first turn (question, calls, results, answer) that a
    follow-up can build on, with the plan it carried out."""
    openings: dict[str, list[Opening]] = {}
    for conversation in conversations:
        messages = conversation["messages"][1:]  # after the system prompt
        calls = messages[1].get("tool_calls") or [] if len(messages) > 1 else []
        previous = Plan(
            kind="tools",
            calls=[
                ToolCall(name=c["function"]["name"], arguments=c["function"]["arguments"])
                for c in calls
            ],
        )
        if adaptable(previous):
            end = next(i for i, m in enumerate(messages) if m["role"] == "assistant" and i > 1)
            openings.setdefault(conversation["person"], []).append((messages[: end + 1], previous))
    return openings
