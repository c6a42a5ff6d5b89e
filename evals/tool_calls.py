"""Tool-call accuracy on a held-out question set: does the model pick the right tools with the
right arguments, emit valid JSON, and stay quiet when no tool should be called?

The held-out set (`suites/tool-calls-heldout-v1.jsonl`) is written by hand, in words the
teacher's phrasing never uses; its expected calls follow the teacher planner's conventions
(`training/teacher/planner.py`), so exact match means "what the teacher would have called".

Scoring, per item:

- name match: the predicted tool names equal the expected ones as a multiset (order free);
  for an item that expects no call, a match is "no call at all".
- exact match: the same, with every call's arguments equal after normalisation: JSON-decoded,
  7 == 7.0, argument order irrelevant, strings compared case- and space-insensitively, a
  month as "2026-05" == "May 2026", a period as the tool resolves it ("past 3 weeks" ==
  last_weeks 3 == last_days 21; the default 30 days said or not), and an argument equal to
  the tool's declared default (or null for an optional one) the same as leaving it out.
- valid JSON: every tool call's arguments parsed as a JSON object; for a raw completion,
  every `<tool_call>` block parsed as {"name": ..., "arguments": {...}}. Text left in
  `<tool_call>` blocks that a server did not turn into `tool_calls` means its parser failed:
  those calls are scored from our own parse, but the item's JSON counts as invalid.

`run_with(complete, items, ...)` runs any completer (an OpenAI-compatible endpoint through
`run_endpoint`, a local transformers model through `local_completer`) and returns a
`ToolCallReport`; `format_table` prints it.
"""

from __future__ import annotations

import calendar
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    import openai

SUITE = "tool-calls-heldout-v1.jsonl"
DEFAULT_MAX_TOKENS = 200
LOCAL_MAX_NEW_TOKENS = 160

# The metrics the suite's expectations assume each person tracks (the demo persons'): a
# question about anything else expects no call.
HELDOUT_METRICS: dict[str, list[str]] = {
    "alex": [
        *("alcohol_drinks", "arousal", "caffeine_mg", "checkins", "exercise_minutes"),
        *("heart_rate", "hours_at_home", "hours_at_work", "hrv_sdnn_ms"),
        *("late_night_music_minutes", "mindful_minutes", "music_minutes", "readiness_score"),
        *("resting_hr", "screen_time_min", "skip_rate", "sleep_end", "sleep_hours"),
        *("sleep_start", "steps", "time_in_bed_hours", "valence"),
    ],
    "sam": [
        *("alcohol_drinks", "arousal", "caffeine_mg", "checkins", "exercise_minutes"),
        *("hours_at_home", "hours_at_work", "mindful_minutes", "readiness_score"),
        *("screen_time_min", "sleep_hours", "steps", "valence"),
    ],
}

Category = Literal["single", "multi", "follow_up", "no_tool"]
CATEGORIES: tuple[Category, ...] = ("single", "multi", "follow_up", "no_tool")


class Call(BaseModel):
    """One tool call; `arguments` is None when the model's arguments were not a JSON object."""

    model_config = ConfigDict(frozen=True)

    name: str
    arguments: dict[str, Any] | None = Field(default_factory=dict)


class HeldOutItem(BaseModel):
    """One scored turn: the conversation so far and the calls the next assistant turn makes
    (none: a crisis, a diagnosis, another person's data, an untracked metric, small talk)."""

    model_config = ConfigDict(frozen=True)

    id: str
    person: Literal["alex", "sam"]
    category: Category
    messages: list[dict[str, Any]] = Field(min_length=1)
    expected: list[Call]

    def question(self) -> str:
        """The user message being answered (the last one)."""
        return next(m["content"] for m in reversed(self.messages) if m["role"] == "user")


class CallOutcome(BaseModel):
    id: str
    person: str
    category: Category
    expected: list[Call]
    predicted: list[Call]
    valid_json: bool
    name_match: bool
    exact_match: bool
    latency_s: float | None = None
    raw: str = ""
    error: str | None = None


class CategoryScore(BaseModel):
    n: int
    tool_name_accuracy: float
    exact_match: float


class ToolCallReport(BaseModel):
    """Rates are fractions of `n` items, except `valid_json_rate` (of the items where the
    model tried to call a tool; None if it never did) and `no_tool_accuracy` (of the items
    expecting no call; None if there were none)."""

    n: int
    tool_name_accuracy: float
    exact_match: float
    valid_json_rate: float | None
    no_tool_accuracy: float | None
    per_category: dict[str, CategoryScore]
    latency_p50_s: float | None
    latency_p95_s: float | None
    failures: list[CallOutcome]
    outcomes: list[CallOutcome]


class Completion(NamedTuple):
    """What a completer returns: the text, the server's parsed tool calls (None when the
    completer only has raw text, which is then parsed with `parse_hermes`), and the raw
    output for the report."""

    content: str
    tool_calls: list[dict[str, Any]] | None
    raw: str


_clock = time.perf_counter  # tests replace it to make latencies exact

Completer = Callable[[list[dict[str, Any]], list[dict[str, Any]]], Completion]


# loading ----------------------------------------------------------------------------------


def default_suite_path() -> Path:
    return Path(str(resources.files("evals") / "suites" / SUITE))


def load_heldout(path: Path | str | None = None) -> list[HeldOutItem]:
    """The held-out items, one JSON object a line (blank lines skipped)."""
    text = Path(path or default_suite_path()).read_text(encoding="utf-8")
    return [HeldOutItem.model_validate_json(line) for line in text.splitlines() if line.strip()]


# parsing ----------------------------------------------------------------------------------

_BLOCK = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.DOTALL)
_NAME = re.compile(r'"name"\s*:\s*"([^"\\]+)"')


def parse_hermes(text: str) -> tuple[list[Call], bool]:
    """The `<tool_call>\\n{"name": ..., "arguments": {...}}\\n</tool_call>` blocks of a raw
    completion, and whether every block was valid. An unclosed block (cut off by the token
    limit) or one that is not {"name": str, "arguments": object} is invalid; its name is
    kept when it can be read, with arguments None."""
    calls: list[Call] = []
    valid = True
    for match in _BLOCK.finditer(text):
        body = match.group(1).strip()
        closed = match.group(0).endswith("</tool_call>")
        try:
            decoded = json.loads(body)
        except json.JSONDecodeError:
            decoded = None
        if (
            closed
            and isinstance(decoded, dict)
            and isinstance(decoded.get("name"), str)
            and isinstance(decoded.get("arguments"), dict)
        ):
            calls.append(Call(name=decoded["name"], arguments=decoded["arguments"]))
            continue
        valid = False
        name = decoded.get("name") if isinstance(decoded, dict) else None
        if not isinstance(name, str):
            found = _NAME.search(body)
            name = found.group(1) if found else None
        if name:
            calls.append(Call(name=name, arguments=None))
    return calls, valid


def _structured(tool_calls: Iterable[dict[str, Any]]) -> tuple[list[Call], bool]:
    """OpenAI-style tool calls ({"function": {"name", "arguments": JSON text}} or
    {"name", "arguments"}) as Calls, and whether every one's arguments were a JSON object."""
    calls, valid = [], True
    for raw in tool_calls:
        function = raw.get("function", raw)
        name = str(function.get("name") or "")
        arguments: Any = function.get("arguments")
        if arguments is None or (isinstance(arguments, str) and not arguments.strip()):
            arguments = {}  # a call without arguments, as call_tool reads it
        elif isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError:
                arguments = None
        if not isinstance(arguments, dict):
            valid, arguments = False, None
        calls.append(Call(name=name, arguments=arguments))
    return calls, valid


def completion_calls(completion: Completion) -> tuple[list[Call], bool]:
    """The calls a completion made and whether their JSON was valid (see the module doc)."""
    if completion.tool_calls is None:
        return parse_hermes(completion.content or "")
    calls, valid = _structured(completion.tool_calls)
    if "<tool_call>" in (completion.content or ""):  # the server's parser gave up on these
        leftover, _ = parse_hermes(completion.content)
        calls, valid = calls + leftover, False
    return calls, valid


# scoring ----------------------------------------------------------------------------------


@cache
def _fields(name: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The tool's arguments that have a default, by the name a model writes (its alias, as
    "from" for search_memories), and the aliases of fields also accepted by their own name."""
    from tools.registry import TOOLS, openai_tools

    openai_tools()  # the tool modules register themselves on first use
    tool = TOOLS.get(name)
    if tool is None:
        return {}, {}
    fields = tool.arguments.model_fields
    defaults = {
        field.alias or key: field.default
        for key, field in fields.items()
        if not field.is_required() and field.default_factory is None
    }
    return defaults, {key: field.alias for key, field in fields.items() if field.alias}


_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS |= {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}


def _month(text: str) -> str:
    """ "2026-05", "May 2026", "may 2026" -> "may 2026"; "May" -> "may"."""
    cleaned = " ".join(text.lower().replace(",", " ").split())
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", cleaned):
        number = int(match.group(2))
        if 1 <= number <= 12:
            return f"{calendar.month_name[number].lower()} {match.group(1)}"
    parts = cleaned.split(" ")
    if parts[0] in _MONTHS:
        parts[0] = calendar.month_name[_MONTHS[parts[0]]].lower()
    return " ".join(parts)


def _value(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        number = float(value)
        return int(number) if math.isfinite(number) and number.is_integer() else number
    if isinstance(value, str):
        return " ".join(value.split()).casefold()
    if isinstance(value, dict):
        return {str(k): _value(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    return value


def resolved_period(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """`arguments` with a period resolved as the tool resolves it: words ("past 3 weeks")
    read by brain, weeks counted in days, so that every way of naming the same days
    compares equal. Arguments the tool would refuse come back as they were."""
    from pydantic import ValidationError

    from tools.registry import TOOLS, openai_tools

    if name not in ("anomalies", "stats_lookup"):
        return arguments
    openai_tools()  # the tool modules register themselves on first use
    try:
        parsed = TOOLS[name].arguments.model_validate(arguments)
    except ValidationError:
        return arguments
    if name == "anomalies":
        return {k: v for k, v in arguments.items() if k != "period"} | {
            "last_days": parsed.window()
        }
    period = parsed.resolved()
    span = period.model_dump(mode="json", exclude_none=True, exclude={"days", "last_weeks"})
    if period.last_weeks:
        span["last_days"] = 7 * period.last_weeks
    if span == {"last_days": 30}:  # the tool's default period, said or not
        span = {}
    kept = {k: v for k, v in arguments.items() if k in ("metric", "days")}
    return kept | span


def normalise_arguments(name: str, arguments: dict[str, Any] | None) -> Any:
    """Arguments in a canonical form for comparison (None stays None: it never matches)."""
    if arguments is None:
        return None
    arguments = resolved_period(name, arguments)
    declared, aliases = _fields(name)
    defaults = {k: _value(v) for k, v in declared.items()}
    canonical = {}
    for key, value in arguments.items():
        key = aliases.get(key, key)
        normal = _value(value)
        if key == "month" and isinstance(value, str):
            normal = _month(value)
        if key in defaults and normal == defaults[key]:
            continue
        canonical[key] = normal
    return canonical


def _key(call: Call) -> str:
    return json.dumps(
        [call.name, normalise_arguments(call.name, call.arguments)], sort_keys=True, default=str
    )


def names_match(expected: Sequence[Call], predicted: Sequence[Call]) -> bool:
    return Counter(c.name for c in expected) == Counter(c.name for c in predicted)


def calls_match(expected: Sequence[Call], predicted: Sequence[Call]) -> bool:
    """Same calls with the same normalised arguments, in any order; an unparsed call never
    matches."""
    if any(c.arguments is None for c in predicted):
        return False
    return Counter(map(_key, expected)) == Counter(map(_key, predicted))


def score(
    item: HeldOutItem,
    completion: Completion | None,
    *,
    latency_s: float | None = None,
    error: str | None = None,
) -> CallOutcome:
    """One item's outcome; no completion (an error) matches nothing."""
    if completion is None:
        predicted, valid, raw = [], False, ""
    else:
        predicted, valid = completion_calls(completion)
        raw = completion.raw
    ok = completion is not None
    return CallOutcome(
        id=item.id,
        person=item.person,
        category=item.category,
        expected=item.expected,
        predicted=predicted,
        valid_json=valid,
        name_match=ok and names_match(item.expected, predicted),
        exact_match=ok and calls_match(item.expected, predicted),
        latency_s=latency_s,
        raw=raw,
        error=error,
    )


def _percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _rate(flags: list[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def report(outcomes: list[CallOutcome]) -> ToolCallReport:
    """The aggregate of per-item outcomes."""
    per_category = {}
    for category in CATEGORIES:
        chosen = [o for o in outcomes if o.category == category]
        if chosen:
            per_category[category] = CategoryScore(
                n=len(chosen),
                tool_name_accuracy=_rate([o.name_match for o in chosen]) or 0.0,
                exact_match=_rate([o.exact_match for o in chosen]) or 0.0,
            )
    # items where the model tried to call a tool: calls read, or a block that could not be
    called = [
        o.valid_json for o in outcomes if o.error is None and (o.predicted or not o.valid_json)
    ]
    latencies = [o.latency_s for o in outcomes if o.latency_s is not None]
    return ToolCallReport(
        n=len(outcomes),
        tool_name_accuracy=_rate([o.name_match for o in outcomes]) or 0.0,
        exact_match=_rate([o.exact_match for o in outcomes]) or 0.0,
        valid_json_rate=_rate(called),
        no_tool_accuracy=_rate([o.name_match for o in outcomes if not o.expected]),
        per_category=per_category,
        latency_p50_s=_percentile(latencies, 0.5),
        latency_p95_s=_percentile(latencies, 0.95),
        failures=[o for o in outcomes if not o.exact_match],
        outcomes=outcomes,
    )


# running ----------------------------------------------------------------------------------


def run_with(
    complete: Completer,
    items: Sequence[HeldOutItem],
    *,
    metrics_by_person: dict[str, list[str]],
    system_prompt: str,
    concurrency: int = 1,
) -> ToolCallReport:
    """Run `complete(messages, tools)` on every item (system prompt first, tools limited to
    the person's metrics) and score it. A completer that raises scores as a failure with
    the error recorded; outcomes keep the items' order whatever the concurrency."""
    from tools.registry import openai_tools

    tools_by_person = {p: openai_tools(sorted(m)) for p, m in metrics_by_person.items()}

    def one(item: HeldOutItem) -> CallOutcome:
        messages = [{"role": "system", "content": system_prompt}, *item.messages]
        started = _clock()
        try:
            completion = complete(messages, tools_by_person[item.person])
        except Exception as e:  # the endpoint or model failed on this item: score, go on
            elapsed = _clock() - started
            return score(item, None, latency_s=elapsed, error=f"{type(e).__name__}: {e}")
        return score(item, completion, latency_s=_clock() - started)

    missing = sorted({i.person for i in items} - set(metrics_by_person))
    if missing:
        raise ValueError(f"no metrics given for {missing}")
    if concurrency <= 1:
        outcomes = [one(item) for item in items]
    else:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            outcomes = list(pool.map(one, items))
    return report(outcomes)


def endpoint_completer(
    client: openai.OpenAI, model: str, *, max_tokens: int = DEFAULT_MAX_TOKENS
) -> Completer:
    """A completer over an OpenAI-compatible chat endpoint (e.g. vLLM with the hermes tool
    parser): temperature 0, tool_choice auto."""

    def complete(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        response = client.chat.completions.create(
            model=model,
            messages=messages,  # type: ignore[arg-type]
            tools=tools,  # type: ignore[arg-type]
            tool_choice="auto",
            temperature=0,
            max_tokens=max_tokens,
        )
        message = response.choices[0].message
        calls = [
            {"name": c.function.name, "arguments": c.function.arguments}
            for c in message.tool_calls or []
            if getattr(c, "function", None) is not None
        ]
        return Completion(message.content or "", calls, message.model_dump_json())

    return complete


def run_endpoint(
    client: openai.OpenAI,
    model: str,
    items: Sequence[HeldOutItem],
    *,
    metrics_by_person: dict[str, list[str]],
    system_prompt: str,
    concurrency: int = 1,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> ToolCallReport:
    """The held-out items against `model` served at `client`'s base URL."""
    return run_with(
        endpoint_completer(client, model, max_tokens=max_tokens),
        items,
        metrics_by_person=metrics_by_person,
        system_prompt=system_prompt,
        concurrency=concurrency,
    )


def local_completer(
    model_dir: Path | str, *, max_new_tokens: int = LOCAL_MAX_NEW_TOKENS, device: str = "cpu"
) -> Completer:
    """A completer over a model folder loaded with transformers: the tokenizer's chat
    template renders messages and tools, greedy decoding stops at `<|im_end|>`, and the raw
    text is returned for `parse_hermes`. Not thread-safe: run it with concurrency 1."""
    import torch
    from transformers import AutoModelForCausalLM

    from training.tokenizer import IM_END, load_tokenizer

    tokenizer = load_tokenizer(model_dir)
    model = AutoModelForCausalLM.from_pretrained(str(model_dir)).to(device)
    model.eval()
    stop = tokenizer.convert_tokens_to_ids(IM_END)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stop

    def complete(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        prompt = tokenizer.apply_chat_template(
            messages, tools=tools, tokenize=False, add_generation_prompt=True
        )
        ids = tokenizer.encode(prompt, add_special_tokens=False, return_tensors="pt").to(device)
        with torch.inference_mode():
            output = model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                eos_token_id=stop,
                pad_token_id=pad,
            )
        raw = tokenizer.decode(output[0, ids.shape[1] :], skip_special_tokens=False)
        text = raw.split(IM_END, 1)[0]
        return Completion(text, None, raw)

    return complete


# reporting --------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def format_table(report: ToolCallReport) -> str:
    """The report as a Markdown table, one row per category and one for all items."""
    lines = [
        "| items | n | tool names | exact match |",
        "| --- | ---: | ---: | ---: |",
    ]
    for category, scores in report.per_category.items():
        lines.append(
            f"| {category} | {scores.n} | {_pct(scores.tool_name_accuracy)} "
            f"| {_pct(scores.exact_match)} |"
        )
    lines.append(
        f"| **all** | {report.n} | {_pct(report.tool_name_accuracy)} | {_pct(report.exact_match)} |"
    )
    latency = (
        "-"
        if report.latency_p50_s is None
        else f"p50 {report.latency_p50_s:.2f} s, p95 {report.latency_p95_s:.2f} s"
    )
    lines += [
        "",
        f"valid JSON: {_pct(report.valid_json_rate)} of items with a tool call; "
        f"no-tool accuracy: {_pct(report.no_tool_accuracy)}; latency: {latency}; "
        f"failures: {len(report.failures)}",
    ]
    return "\n".join(lines)
