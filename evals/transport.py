"""How a scenario is asked: in process or over EQM's API.

It exists so that the runner does not care where answers come from: an `AskFn` takes a
scenario and its subject and returns what was `Answered`; `in_process` asks through
`ChatService.turn` (tests with a scripted model), `over_api` the way a client does (what
`eqm eval run` does).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evals.suite import Scenario
from tools import Subject

if TYPE_CHECKING:
    from agent.conversations import ChatService

__all__ = ["Answered", "AskFn", "in_process", "over_api"]


@dataclass(frozen=True)
class Answered:
    """What asking returned: the answer, the conversation it is in, and how long it took."""

    answer: str
    conversation_id: str
    seconds: float


AskFn = Callable[[Scenario, Subject], Answered]
"""How a scenario reaches the agent: in process (`in_process`) or over the API (`over_api`)."""


def in_process(chat: ChatService, model: str) -> AskFn:
    """Ask through `ChatService.turn` directly (tests with a scripted model)."""
    from agent.openai_schema import ChatMessage

    def asked(scenario: Scenario, subject: Subject) -> Answered:
        messages = [ChatMessage(role=m.role, content=m.content) for m in scenario.messages]
        outcome = chat.turn(subject, messages, model=model)
        return Answered(outcome.answer, outcome.conversation_id, outcome.seconds)

    return asked


def over_api(url: str, keys: Mapping[str, str], model: str, *, timeout: float = 180) -> AskFn:
    """Ask the way a client does: the openai SDK against EQM's API at `url`, with the
    asker's key (`keys` by account name) and, for a parent, the child's name."""
    import openai

    clients = {
        name: openai.OpenAI(base_url=url, api_key=key, timeout=timeout, max_retries=0)
        for name, key in keys.items()
    }

    def asked(scenario: Scenario, subject: Subject) -> Answered:
        started = time.perf_counter()
        child = {"child": subject.person} if subject.asker != subject.person else None
        reply = clients[subject.asker].chat.completions.create(
            model=model,
            messages=scenario.chat_messages(),  # type: ignore[arg-type]
            extra_body=child,
        )
        message = reply.choices[0].message
        eqm = (message.model_extra or {}).get("eqm") or {}
        seconds = time.perf_counter() - started
        return Answered(message.content or "", str(eqm["conversation_id"]), seconds)

    return asked
