"""The agent graph: tools only for the injected subject, the guard on every draft, one repair
round, the fallback, safety before any model, and conversations kept by the checkpointer.

The model here is scripted (a LangChain chat model that returns prepared replies), so each
path of the graph is exercised exactly; tests/test_server.py runs the same graph against the
real default model served by vLLM.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langgraph.checkpoint.sqlite import SqliteSaver
from pydantic import Field

from agent.graph import MAX_TOOL_ROUNDS, TurnContext, build_graph
from brain.analytics.service import Analytics
from brain.demo.people import DemoPerson, import_demo_person
from brain.store import Store
from tools import Subject, ToolContext
from tools.safety import CHILD_CRISIS_RESPONSE, CRISIS_RESPONSE, DIAGNOSIS_REFUSAL, SafetyCheck


class ScriptedModel(BaseChatModel):
    """Returns the prepared replies in order and keeps every prompt it was given."""

    replies: list[AIMessage]
    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    tools: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Any, **_: Any) -> ScriptedModel:
        self.tools = list(tools)
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, **_: Any) -> ChatResult:
        self.prompts.append(list(messages))
        return ChatResult(generations=[ChatGeneration(message=self.replies.pop(0))])


def call(name: str, args: dict[str, Any], id_: str = "c1") -> AIMessage:
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": id_}])


@dataclass(frozen=True)
class Parts:
    """What a turn runs with besides the model: two people's data and the safety check."""

    tools: ToolContext
    safety: SafetyCheck


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory, safety_check: SafetyCheck) -> Parts:
    folder = tmp_path_factory.mktemp("agent")
    store = Store.open(f"sqlite:///{folder / 'eqm.sqlite3'}")
    for person, seed in (("alex", 7), ("sam", 11)):
        import_demo_person(store, DemoPerson(name=person, seed=seed, days=120), folder / person)
    return Parts(ToolContext(Analytics(store)), safety_check)


def run(parts: Parts, replies: list[AIMessage], text: str, **kwargs: Any):
    model = ScriptedModel(replies=replies)
    graph = kwargs.pop("graph", None) or build_graph()
    subject = kwargs.pop("subject", Subject.self_("alex"))
    config = kwargs.pop("config", None)
    context = TurnContext(subject=subject, tools=parts.tools, chat_model=model, safety=parts.safety)
    state = graph.invoke({"messages": [HumanMessage(text)]}, config, context=context)
    return state, model


def summary_of(state: dict[str, Any], index: int = 0) -> str:
    return state["trace"][index].summary


def test_a_tool_answer_that_quotes_and_cites_its_result_passes_the_guard(parts):
    first = run(
        parts, [call("stats_lookup", {"metric": "sleep_hours"}), AIMessage("x [1]")], "sleep?"
    )
    summary = summary_of(first[0])
    state, model = run(
        parts,
        [call("stats_lookup", {"metric": "sleep_hours"}), AIMessage(f"{summary} [1]")],
        "How did I sleep?",
    )
    assert state["grounded"] and not state["fallback"] and not state["safety"]
    assert state["messages"][-1].text == f"{summary} [1]"
    assert [t.name for t in state["trace"]] == ["stats_lookup"]
    tool_message = state["messages"][-2]
    assert isinstance(tool_message, ToolMessage) and summary in tool_message.text
    # the model saw EQM's system prompt and this person's metrics as tool enums
    assert model.prompts[0][0].type == "system" and "EQM" in model.prompts[0][0].text
    enum = model.tools[1]["function"]["parameters"]["properties"]["metric"]["enum"]
    assert "sleep_hours" in enum


def test_an_invented_number_gets_one_repair_round_then_the_fallback(parts):
    replies = [
        call("stats_lookup", {"metric": "steps"}),
        AIMessage("You walked 123456 steps a day. [1]"),
        AIMessage("Still 123456 steps. [1]"),
    ]
    state, model = run(parts, replies, "How much did I walk?")
    assert state["fallback"] and state["grounded"]
    answer = state["messages"][-1].text
    assert "123456" not in answer and summary_of(state) in answer
    assert any("123456" in v for v in state["violations"])
    repair = model.prompts[2][-1]
    assert isinstance(repair, HumanMessage) and "123456" in repair.text
    # neither rejected draft nor the repair note stays in the conversation
    assert all("123456" not in m.text for m in state["messages"])


def test_a_repaired_draft_is_accepted(parts):
    probe = run(parts, [call("stats_lookup", {"metric": "steps"}), AIMessage("x [1]")], "steps?")[0]
    replies = [
        call("stats_lookup", {"metric": "steps"}),
        AIMessage("You walked 123456 steps a day."),
        AIMessage(f"{summary_of(probe)} [1]"),
    ]
    state, _ = run(parts, replies, "How much did I walk?")
    assert state["grounded"] and not state["fallback"]


def test_an_unknown_tool_comes_back_as_an_error_the_model_can_correct(parts):
    probe = run(parts, [call("stats_lookup", {"metric": "steps"}), AIMessage("x [1]")], "steps?")[0]
    replies = [
        call("read_everyones_data", {}),
        call("stats_lookup", {"metric": "steps"}, id_="c2"),
        AIMessage(f"{summary_of(probe)} [2]"),
    ]
    state, model = run(parts, replies, "How much did I walk?")
    error = model.prompts[1][-1]
    assert isinstance(error, ToolMessage) and "unknown_tool" in error.text
    assert "stats_lookup" in error.text  # the valid names are listed
    assert [t.ok for t in state["trace"]] == [False, True]
    assert state["grounded"] and not state["fallback"]


def test_the_model_cannot_name_whose_data_a_tool_reads(parts):
    replies = [
        call("stats_lookup", {"metric": "steps", "person": "sam"}),
        call("stats_lookup", {"metric": "steps", "user": "sam"}, id_="c2"),
    ]
    state, _ = run(parts, replies, "How much did sam walk?")
    assert [t.ok for t in state["trace"]] == [False, False]
    assert "person" in state["trace"][0].summary
    assert state["fallback"]  # two malformed rounds: no third model call


def test_an_answer_without_tools_must_not_state_numbers(parts):
    state, _ = run(parts, [AIMessage("You slept 7.5 hours."), AIMessage("7.5 hours.")], "sleep?")
    assert state["fallback"] and "7.5" not in state["messages"][-1].text
    clarify = "Which period do you mean: the last week or the last month?"
    state, _ = run(parts, [AIMessage(clarify)], "how was it?")
    assert state["grounded"] and not state["fallback"]
    assert state["messages"][-1].text == clarify


@pytest.mark.parametrize(
    ("text", "fixed", "kind"),
    [
        ("I want to end my life", CRISIS_RESPONSE, "crisis"),
        ("should I take melatonin for this?", DIAGNOSIS_REFUSAL, "diagnosis"),
    ],
)
def test_safety_comes_first_and_never_reaches_the_model(parts, text, fixed, kind):
    state, model = run(parts, [], text)
    assert state["messages"][-1].text == fixed and state["safety"] == kind
    assert model.prompts == []


def test_a_child_in_crisis_gets_helplines_for_young_people(parts):
    child = Subject.self_("sam", child=True)
    state, model = run(parts, [], "i dont want to be alive anymore", subject=child)
    assert state["messages"][-1].text == CHILD_CRISIS_RESPONSE and model.prompts == []
    assert state["safety_reason"] == "lexicon: not_want_to_live"


def test_after_a_crisis_answer_the_person_can_go_on_to_other_things(parts, tmp_path: Path):
    saver = SqliteSaver(sqlite3.connect(tmp_path / "c.sqlite3", check_same_thread=False))
    graph, config = build_graph(saver), {"configurable": {"thread_id": "alex/alex/crisis"}}
    first, _ = run(parts, [], "I want to end my life", graph=graph, config=config)
    assert first["safety"] == "crisis" and first["safety_reason"] == "lexicon: end_my_life"
    clarify = "Which period do you mean: the last week or the last month?"
    state, model = run(parts, [AIMessage(clarify)], "how did I sleep?", graph=graph, config=config)
    assert not state["safety"] and state["messages"][-1].text == clarify
    # the model saw the whole conversation, the fixed answer included
    assert [m.text for m in model.prompts[0][1:]] == [
        "I want to end my life",
        CRISIS_RESPONSE,
        "how did I sleep?",
    ]


def test_a_parent_reads_the_childs_stats_but_not_unshared_memories(parts):
    subject = Subject.parent_of("alex", "jordan", memories_shared=False)
    replies = [call("search_memories", {"query": "work"}), AIMessage("I could not. [1]")]
    state, _ = run(parts, replies, "What did alex write about work?", subject=subject)
    assert state["trace"][0].ok is False
    assert "not_allowed" in state["trace"][0].summary


def test_tool_rounds_are_bounded(parts):
    replies = [call("stats_lookup", {"metric": "steps"}, id_=f"c{i}") for i in range(5)]
    state, model = run(parts, replies, "steps?")
    assert len(state["trace"]) == MAX_TOOL_ROUNDS and state["fallback"]
    assert len(model.prompts) == MAX_TOOL_ROUNDS + 1  # the last call is never run
    # the unanswered last call is not left dangling in the conversation
    last_ai = [m for m in state["messages"] if isinstance(m, AIMessage)][-1]
    assert not last_ai.tool_calls


def test_conversations_persist_in_the_sqlite_checkpointer(parts, tmp_path: Path):
    saver = SqliteSaver(sqlite3.connect(tmp_path / "c.sqlite3", check_same_thread=False))
    graph = build_graph(saver)
    config = {"configurable": {"thread_id": "alex/alex/1"}}
    clarify = "Which metric do you mean?"
    run(parts, [AIMessage(clarify)], "how was it?", graph=graph, config=config)
    state, model = run(
        parts, [AIMessage("Over which period?")], "sleep", graph=graph, config=config
    )
    texts = [m.text for m in model.prompts[0][1:]]
    assert texts == ["how was it?", clarify, "sleep"]
    assert state["trace"] == [] and state["messages"][-1].text == "Over which period?"


def test_arguments_the_checkpointer_cannot_keep_come_back_as_a_malformed_call(
    parts, tmp_path: Path
):
    """A what-if with an integer beyond 64 bits used to fail the turn (HTTP 500) when the
    checkpointer wrote the model's reply; now the model is asked to correct the call."""
    saver = SqliteSaver(sqlite3.connect(tmp_path / "c.sqlite3", check_same_thread=False))
    huge = {"changes": {"steps": 12_000 * 10**20}}
    replies = [call("simulate", huge), *[AIMessage("I could not simulate that.")] * 2]
    config = {"configurable": {"thread_id": "alex/alex/what-if"}}
    state, model = run(
        parts,
        replies,
        "What if I walked 12,000 steps tomorrow?",
        graph=build_graph(saver),
        config=config,
    )
    (entry,) = state["trace"]
    assert entry.name == "simulate"
    assert isinstance(entry.arguments, str) and "12000" in entry.arguments
    told = model.prompts[1][-1]
    assert isinstance(told, ToolMessage) and "simulate" in told.text
    kept = build_graph(saver).get_state(config).values["messages"]
    assert kept[-1].text == state["messages"][-1].text


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_open_checkpointer_keeps_conversations_on_either_database(
    parts, tmp_path: Path, backend: str, request: pytest.FixtureRequest
):
    from agent.config import AgentSettings
    from agent.conversations import open_checkpointer

    url = None
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_url")
    saver = open_checkpointer(AgentSettings(data_dir=tmp_path, database_url=url))
    graph = build_graph(saver)
    config = {"configurable": {"thread_id": f"alex/alex/{backend}"}}
    run(parts, [AIMessage("Which metric?")], "how was it?", graph=graph, config=config)
    _, model = run(parts, [AIMessage("Over which period?")], "sleep", graph=graph, config=config)
    assert [m.text for m in model.prompts[0][1:]] == ["how was it?", "Which metric?", "sleep"]
    saver.delete_thread(f"alex/alex/{backend}")
    assert graph.get_state(config).values == {}


def test_the_first_drafts_verdict_is_kept_for_evaluation(parts):
    probe = run(parts, [call("stats_lookup", {"metric": "steps"}), AIMessage("x [1]")], "steps?")
    assert probe[0]["draft_grounded"] is True
    replies = [
        call("stats_lookup", {"metric": "steps"}),
        AIMessage("You walked 123456 steps a day. [1]"),
        AIMessage(f"{summary_of(probe[0])} [1]"),
    ]
    state, _ = run(parts, replies, "How much did I walk?")
    assert state["draft_grounded"] is False and state["grounded"] and not state["fallback"]
    assert run(parts, [], "I want to end my life")[0]["draft_grounded"] is None
