"""The real default model, served by vLLM, through the official OpenAI SDK: tool calls come
back parsed, constrained decoding keeps every call valid JSON, streaming works, and the
held-out question set runs end to end (its scores are reported, see the closing note of
the model issue; the gate on them belongs to the eval harness)."""

from __future__ import annotations

import json

import openai
import pytest

from evals.tool_calls import HELDOUT_METRICS, load_heldout, run_endpoint
from tools import TOOLS, openai_tools
from training.teacher import SYSTEM_PROMPT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(served_default_model) -> openai.OpenAI:
    return openai.OpenAI(base_url=served_default_model.url, api_key="unused", max_retries=0)


@pytest.fixture(scope="module")
def model(served_default_model) -> str:
    return served_default_model.config.name


def ask(question: str) -> list[dict]:
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": question},
    ]


def test_the_server_lists_the_default_model(client, model):
    assert [m.id for m in client.models.list()] == [model]


def test_a_required_tool_call_is_always_a_registered_tool_with_json_arguments(client, model):
    tools = openai_tools(HELDOUT_METRICS["alex"])
    for question in ("how did I sleep last week?", "does coffee change my mood?"):
        reply = client.chat.completions.create(
            model=model,
            messages=ask(question),
            tools=tools,
            tool_choice="required",
            temperature=0,
            max_tokens=120,
        )
        (choice,) = reply.choices
        assert choice.message.tool_calls, choice.message.content
        for call in choice.message.tool_calls:
            assert call.function.name in TOOLS
            assert isinstance(json.loads(call.function.arguments), dict)
        assert reply.usage.prompt_tokens > 0 and reply.id


def test_streaming_delivers_chunks_and_a_finish_reason(client, model):
    stream = client.chat.completions.create(
        model=model,
        messages=ask("hi, what can you do?"),
        stream=True,
        max_tokens=24,
        temperature=0,
    )
    chunks = list(stream)
    assert len(chunks) > 1
    assert chunks[-1].choices[0].finish_reason in {"stop", "length", "tool_calls"}


def test_the_held_out_questions_run_end_to_end(client, model):
    items = load_heldout()
    report = run_endpoint(
        client, model, items, metrics_by_person=HELDOUT_METRICS, system_prompt=SYSTEM_PROMPT
    )
    assert report.n == len(items) and len(report.outcomes) == len(items)
    assert all(o.error is None for o in report.outcomes), report.failures[:3]
    assert 0 < report.latency_p50_s <= report.latency_p95_s
