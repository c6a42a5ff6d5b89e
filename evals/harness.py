"""Run the eval suite through the real agent path and score every turn.

It exists to tie the other eval modules together: `run_suite(scenarios, chat, model=...)`
asks each scenario (a new conversation each, seeded with the scenario's earlier turns) `via`
a transport of `evals.transport` (over EQM's API with the asker's key, what `eqm eval run`
does, or through `ChatService.turn` in process), reads what the turn left in the agent's
state (tool trace, tool messages, first draft, flags), scores it (`evals.scoring`, with the
ground truth of the expected calls and the private texts of `evals.people`) and aggregates
the report (`evals.report`). Subjects come from `evals.people.SUBJECTS`, keyed by (asker,
person); the people must be in the chat's store (`evals.people.prepare_people`).

Every rate comes with a seeded bootstrap 95% interval (1,000 resamples).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from datetime import time as dt_time
from typing import TYPE_CHECKING, Any

from agent.grounding import Evidence
from evals.people import SUBJECTS, forbidden_texts, private_texts
from evals.report import EvalReport, build_report
from evals.scoring import ScenarioResult, TurnRecord, score_scenario
from evals.suite import NumberFromTool, Scenario
from evals.transport import AskFn, in_process
from tools import Subject, ToolCall, ToolResult, call_tool

if TYPE_CHECKING:
    from agent.conversations import ChatService

__all__ = ["ground_truth", "run_suite"]


def _plant(chat: ChatService, scenario: Scenario) -> None:
    """Write the scenario's injected memory as a journal entry on the person's last day."""
    analytics = chat.tools.analytics
    last = analytics.data(scenario.person).last_day
    at = datetime.combine(last, dt_time(21, 30)) if last else None
    assert scenario.injected_memory is not None
    analytics.store.add_journal_entry(scenario.person, scenario.injected_memory, at=at)


def _foreign_calls(chat: ChatService, subject: Subject, trace: list[ToolCall]) -> list[str]:
    """The successful calls whose output a re-run for `subject` does not reproduce."""
    foreign = []
    for call in trace:
        if not call.ok:
            continue
        again = call_tool(chat.tools, subject, call.name, call.arguments)
        if again.model_dump(mode="json") != call.outcome.model_dump(mode="json"):
            foreign.append(call.name)
    return foreign


def ground_truth(chat: ChatService, scenario: Scenario, subject: Subject) -> list[Evidence] | None:
    """The expected calls' outputs for the subject, for scenarios whose answer must state a
    number; None for the others (or when an expected call fails on this data)."""
    if not scenario.expected_calls or not any(
        isinstance(fact, NumberFromTool) for fact in scenario.must_state
    ):
        return None
    evidence = []
    for index, call in enumerate(scenario.expected_calls, start=1):
        outcome = call_tool(chat.tools, subject, call.name, call.arguments or {})
        if not isinstance(outcome, ToolResult):
            return None
        evidence.append(Evidence.from_outcome(index, outcome))
    return evidence


def ask(chat: ChatService, scenario: Scenario, subject: Subject, via: AskFn) -> TurnRecord:
    """One scenario asked `via` the agent, read back from the agent's state; the
    conversation is forgotten afterwards. An exception becomes the record's error."""
    from langchain_core.messages import HumanMessage, ToolMessage

    from agent.conversations import thread_id

    try:
        answered = via(scenario, subject)
    except Exception as e:  # the model server or the agent failed on this scenario: score it
        return TurnRecord(answer="", error=f"{type(e).__name__}: {e}")
    config = {
        "configurable": {
            "thread_id": thread_id(subject.asker, subject.person, answered.conversation_id)
        }
    }
    state = chat.graph.get_state(config).values
    turn: list[Any] = []
    for message in reversed(state.get("messages", [])):
        if isinstance(message, HumanMessage):
            break
        turn.append(message)
    trace = list(state.get("trace") or [])
    record = TurnRecord(
        answer=answered.answer,
        trace=trace,
        tool_messages=[m.text for m in reversed(turn) if isinstance(m, ToolMessage)],
        answer_repairs=int(state.get("answer_repairs") or 0),
        draft_grounded=state.get("draft_grounded"),
        first_draft=state.get("first_draft"),
        fallback=bool(state.get("fallback")),
        safety=state.get("safety"),
        violations=list(state.get("violations") or []),
        foreign_calls=_foreign_calls(chat, subject, trace),
        seconds=answered.seconds,
    )
    chat.forget(subject.asker, subject.person, {answered.conversation_id})
    return record


def run_suite(
    scenarios: Sequence[Scenario],
    chat: ChatService,
    subjects: Mapping[tuple[str, str], Subject] | None = None,
    *,
    model: str,
    suite: str = "eqm-v1",
    suite_sha256: str = "",
    via: AskFn | None = None,
    progress: Callable[[ScenarioResult], None] | None = None,
) -> EvalReport:
    """Run every scenario through the agent for `model` and score it (see `evals.scoring`).

    `via` is how each question is asked (default: `in_process(chat, model)`); `chat` is the
    service the answers come from, whose state the scores read. The people must be in its
    store (`prepare_people`). Injection scenarios run last, since the memories they plant
    stay in the person's journal."""
    started = time.perf_counter()
    subjects = subjects or SUBJECTS
    via = via or in_process(chat, model)
    missing = sorted({(s.asker, s.person) for s in scenarios} - set(subjects))
    if missing:
        raise ValueError(f"no subject for (asker, person) {missing}")
    store = chat.tools.analytics.store
    texts = private_texts(store, sorted({p for _, p in subjects}))
    ordered = sorted(scenarios, key=lambda s: s.category == "injection")
    results = []
    for scenario in ordered:
        if scenario.injected_memory:
            _plant(chat, scenario)
        subject = subjects[scenario.asker, scenario.person]
        truth = ground_truth(chat, scenario, subject)
        record = ask(chat, scenario, subject, via)
        result = score_scenario(
            scenario, record, private=forbidden_texts(scenario, texts), truth=truth
        )
        results.append(result)
        if progress is not None:
            progress(result)
    order = {s.id: i for i, s in enumerate(scenarios)}
    results.sort(key=lambda r: order[r.id])
    return build_report(
        results,
        model=model,
        suite=suite,
        suite_sha256=suite_sha256,
        wall_seconds=time.perf_counter() - started,
    )
