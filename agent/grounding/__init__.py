"""The grounding guard: every number in a drafted answer must come from a tool call it cites.

`guard` holds the rules and `check`; `numbers` reads numbers, dates and times out of text;
`evidence` is what a draft is checked against; `fallback` is what is said when it fails."""

from agent.grounding.evidence import Evidence, evidence_of
from agent.grounding.fallback import (
    FALLBACK_NOTE,
    NO_EVIDENCE_ANSWER,
    fallback_answer,
    repair_prompt,
)
from agent.grounding.guard import (
    KindHint,
    Verdict,
    Violation,
    ViolationKind,
    check,
    unfound_numbers,
)

__all__ = [
    "FALLBACK_NOTE",
    "NO_EVIDENCE_ANSWER",
    "Evidence",
    "KindHint",
    "Verdict",
    "Violation",
    "ViolationKind",
    "check",
    "evidence_of",
    "fallback_answer",
    "repair_prompt",
    "unfound_numbers",
]
