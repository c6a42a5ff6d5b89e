"""The teacher's final answers: written only from tool results, or a fixed text per kind.

A tool answer quotes each result's `summary` (which the analyses guarantee holds only its
own numbers), adds how many days it rests on when the summary does not say, repeats
the caveats a reader must not miss (causation, too little data), and cites the call it came
from as `[n]` (the n-th call of the turn), the form the grounding guard checks. Nothing else
carries a number, so every number the student learns to write is one a tool returned.
"""

from __future__ import annotations

from tools.errors import ToolErrorResult
from tools.registry import ToolResult
from tools.safety import CRISIS_RESPONSE, DIAGNOSIS_REFUSAL
from training.teacher.planner import Plan

OTHERS_REFUSAL = (
    "I can only look at your own data, so I can't tell you about anyone else's sleep, mood "
    "or notes. If you like, I can look at how you have been doing, or at what you wrote "
    "yourself about that person."
)
CLARIFY = {
    "metric": (
        "Could you tell me a bit more about what you'd like to know? For example your sleep, "
        "steps, exercise or mood, and over which period."
    ),
    "pair": (
        "Which two things should I compare? For example sleep and mood, or exercise and "
        "energy: I can check how they go together in your data."
    ),
    "value": (
        "What value should I try? For example how many hours of sleep, how many steps or how "
        "many drinks, so I can simulate that day from your own past days."
    ),
}
_MUST_SAY = ("caus", "not proof", "not a proven", "not an experiment", "Not enough data")


def answer(plan: Plan, results: list[ToolResult | ToolErrorResult]) -> str:
    """The final message for `plan`, given the outcomes of its calls in order."""
    if plan.kind == "safety":
        return CRISIS_RESPONSE
    if plan.kind == "refuse":
        return DIAGNOSIS_REFUSAL if plan.topic == "diagnosis" else OTHERS_REFUSAL
    if plan.kind == "clarify":
        return CLARIFY[plan.topic]
    if plan.kind == "cannot_answer":
        return cannot_answer(plan.missing, plan.available)
    parts = [f"{_one(result)} [{index}]" for index, result in enumerate(results, start=1)]
    if plan.missing:
        parts.append(f"Your data has no {_words(plan.missing)}, so I left that part out.")
    return "\n\n".join(parts)


def cannot_answer(missing: str, available: list[str]) -> str:
    """Say plainly what is not in the data, and what can be asked instead."""
    have = ", ".join(_words(m) for m in available[:8])
    return (
        f"Your data doesn't include {_words(missing)}, so I can't answer that without guessing. "
        f"What I can look at is what you do track ({have}, and more): averages over a period, "
        "how two of them go together, unusual days, forecasts and what-if days."
    )


def _one(result: ToolResult | ToolErrorResult) -> str:
    if isinstance(result, ToolErrorResult):
        return f"I couldn't get that from {result.tool}: {result.message}."
    if result.tool == "search_memories":
        return _memories(result)
    text = result.summary
    n = result.result.get("n")
    if isinstance(n, int) and n > 0 and str(n) not in text.replace(",", ""):
        unit = "check-ins" if result.tool == "weekday_profile" else "days"
        text += f" (based on {n} {unit})"
    caveats = [c for c in result.result.get("caveats", []) if any(k in c for k in _MUST_SAY)]
    if caveats:
        text += " " + " ".join(caveats)
    return text


def _memories(result: ToolResult) -> str:
    found = result.result.get("memories", [])
    if not found:
        return result.summary
    quotes = [f'On {m["day"]} you wrote: "{m["text"]}"' for m in found[:3]]
    return result.summary + "\n" + "\n".join(quotes)


def _words(name: str) -> str:
    return name.replace("_", " ")
