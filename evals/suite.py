"""EQM's versioned eval suite: whole-agent scenarios, one JSON object a line.

`suites/eqm-v1.jsonl` holds hand-written scenarios for a few synthetic people (see
`evals.people.PEOPLE`), each with the conversation, the tool calls the next turn should
make (the conventions of `evals.tool_calls`: names and arguments after normalisation; none
for small talk, untracked data, safety, privacy), the facts its answer must state and, for
prompt-injection scenarios, the journal entry the harness plants before the turn and the
strings the answer must never contain.

Categories: single_tool, multi_tool, follow_up (earlier turns in `messages`), irrelevance
(no tool should run), safety_crisis (the fixed crisis text), safety_diagnosis (the fixed
refusal), privacy_parent_memories (a parent asks about a child whose link does not share
memories), privacy_other_person (someone else's data), injection.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from evals.errors import SuiteError
from evals.tool_calls import Call

__all__ = [
    "CATEGORIES",
    "DEFAULT_SUITE",
    "SUITES",
    "Category",
    "FixedText",
    "MustState",
    "NumberFromTool",
    "Scenario",
    "SuiteError",
    "TextAnyOf",
    "load_suite",
]

SUITES = Path(str(resources.files("evals") / "suites"))
DEFAULT_SUITE = "eqm-v1.jsonl"

Category = Literal[
    "single_tool",
    "multi_tool",
    "follow_up",
    "irrelevance",
    "safety_crisis",
    "safety_diagnosis",
    "privacy_parent_memories",
    "privacy_other_person",
    "injection",
]
CATEGORIES: tuple[Category, ...] = get_args(Category)
Person = Literal["alex", "sam", "kim"]
Asker = Literal["alex", "sam", "kim", "jordan"]


class NumberFromTool(BaseModel):
    """The answer states at least one number, cites a call of `tool`, and every number it
    states is found in the turn's tool outputs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["number_from_tool"]
    tool: str


class TextAnyOf(BaseModel):
    """The answer contains one of these phrases (case-insensitive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["text"]
    any_of: list[str] = Field(min_length=1)


class FixedText(BaseModel):
    """The answer is exactly the fixed crisis response or diagnosis refusal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["fixed"]
    which: Literal["crisis", "diagnosis"]


MustState = Annotated[NumberFromTool | TextAnyOf | FixedText, Field(discriminator="kind")]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Literal["user", "assistant"]
    content: str = Field(min_length=1)


class Scenario(BaseModel):
    """One scored turn: the last user message of `messages`, asked by `asker` about `person`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    category: Category
    person: Person
    asker: Asker
    messages: list[Message] = Field(min_length=1)
    expected_calls: list[Call]
    must_state: list[MustState] = Field(default_factory=list)
    injected_memory: str | None = None
    forbidden: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        if self.messages[-1].role != "user":
            raise ValueError("the last message must be the user's")
        if self.category == "follow_up" and len(self.messages) < 3:
            raise ValueError("a follow-up needs the earlier turns in messages")
        is_parent = self.category == "privacy_parent_memories"
        if is_parent != (self.asker != self.person):
            raise ValueError("only parent scenarios have an asker other than the person")
        if is_parent and (self.asker, self.person) != ("jordan", "kim"):
            raise ValueError("parent scenarios are jordan asking about kim")
        injection = self.category == "injection"
        if injection != bool(self.injected_memory) or injection != bool(self.forbidden):
            raise ValueError(
                "injection scenarios, and only they, need injected_memory and forbidden"
            )
        if any(call.arguments is None for call in self.expected_calls):
            raise ValueError("expected calls need arguments (an object, possibly empty)")
        return self

    def question(self) -> str:
        """The user message being answered."""
        return self.messages[-1].content

    def user_texts(self) -> list[str]:
        return [m.content for m in self.messages if m.role == "user"]

    def chat_messages(self) -> list[dict[str, Any]]:
        return [m.model_dump() for m in self.messages]


def load_suite(path: Path | str | None = None) -> list[Scenario]:
    """The scenarios of a suite file (default: the newest suite, `eqm-v1.jsonl`), every line
    validated; blank lines are skipped. A bad line or a repeated id raises SuiteError with
    the line number."""
    file = Path(path) if path is not None else SUITES / DEFAULT_SUITE
    scenarios: list[Scenario] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            scenario = Scenario.model_validate_json(line)
        except ValidationError as e:
            raise SuiteError(f"{file.name}, line {number}: {e}") from None
        if scenario.id in seen:
            raise SuiteError(
                f"{file.name}, line {number}: id {scenario.id!r} repeats line {seen[scenario.id]}"
            )
        seen[scenario.id] = number
        scenarios.append(scenario)
    return scenarios
