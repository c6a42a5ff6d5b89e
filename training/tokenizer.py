"""EQM's own tokenizer: byte-level BPE trained here, with a ChatML chat template that renders
tools and emits tool calls the way vLLM's `hermes` parser reads them:

    <|im_start|>assistant
    <tool_call>
    {"name": "stats_lookup", "arguments": {"metric": "steps"}}
    </tool_call><|im_end|>

The tools are rendered as one signature line each (`anomalies(metric, last_days?)`, closed
choices spelled out), with the person's metric names listed once, rather than as JSON
schemas: ~250 tokens instead of ~2,500, which decides how fast a small model trains and
answers on a CPU (it learns what each argument takes from the corpus). Tool results go
back as `<tool_response>` blocks in a user turn, as in Qwen2.5's template, so a real
Qwen2.5 base model and the small model trained here read the same conversations.
A person's message is read as the template renders it: lower-cased, after a space. Case
and a message's first word are noise to a small model from scratch: "HRV", "Hrv" and "hrv",
or "hrv" opening a message and " hrv" inside one, are different tokens, and each spelling
would have to be learnt apart ("hrv numbers in the last 2 months" was read as alcohol);
the planner that teaches the model lower-cases too. What the model writes keeps its case.
Load a saved tokenizer with `load_tokenizer` (PreTrainedTokenizerFast): AutoTokenizer on a
folder whose config.json says qwen2 would silently swap in Qwen's own tokenizer class.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

END_OF_TEXT = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPECIAL_TOKENS = (
    END_OF_TEXT,
    IM_START,
    IM_END,
    "<tools>",
    "</tools>",
    "<tool_call>",
    "</tool_call>",
    "<tool_response>",
    "</tool_response>",
)

CHAT_TEMPLATE = """\
{%- if tools %}
{%- set ns = namespace(metrics=none) %}
{%- for tool in tools %}
{%- set f = tool.function if tool.function is defined else tool %}
{%- for name, p in (f.parameters.properties or {}).items() %}
{%- if ns.metrics is none and p.enum is defined and p.enum | length > 4 %}\
{%- set ns.metrics = p.enum %}{%- endif %}
{%- endfor %}
{%- endfor %}
{{- '<|im_start|>system\\n' }}
{%- if messages[0].role == 'system' %}{{- messages[0].content + '\\n\\n' }}{%- endif %}
{{- '# Tools\\n\\nCall a function as <tool_call>{"name": ..., "arguments": {...}}</tool_call>; \
? marks an optional argument.\\n<tools>' }}
{%- if ns.metrics %}{{- '\\nmetrics: ' + ns.metrics | join(', ') }}{%- endif %}
{%- for tool in tools %}
{%- set f = tool.function if tool.function is defined else tool %}
{%- set required = f.parameters.required or [] %}
{{- '\\n' + f.name + '(' }}
{%- for name, p in (f.parameters.properties or {}).items() %}
{%- if not loop.first %}{{- ', ' }}{%- endif %}
{{- name }}{%- if name not in required %}{{- '?' }}{%- endif %}
{%- if p.enum is defined and p.enum != ns.metrics %}{{- ': ' + p.enum | join('|') }}{%- endif %}
{%- endfor %}
{{- ')' }}
{%- endfor %}
{{- '\\n</tools><|im_end|>\\n' }}
{%- elif messages[0].role == 'system' %}
{{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
{%- if message.role == 'user' %}
{{- '<|im_start|>user\\n ' + message.content | lower + '<|im_end|>\\n' }}
{%- elif message.role == 'assistant' and not message.tool_calls %}
{{- '<|im_start|>assistant\\n' + message.content + '<|im_end|>\\n' }}
{%- elif message.role == 'assistant' %}
{{- '<|im_start|>assistant' }}
{%- if message.content %}{{- '\\n' + message.content }}{%- endif %}
{%- for call in message.tool_calls %}
{%- if call.function is defined %}{%- set call = call.function %}{%- endif %}
{{- '\\n<tool_call>\\n{"name": "' + call.name + '", "arguments": ' }}
{%- if call.arguments is string %}{{- call.arguments }}{%- else %}\
{{- call.arguments | tojson }}{%- endif %}
{{- '}\\n</tool_call>' }}
{%- endfor %}
{{- '<|im_end|>\\n' }}
{%- elif message.role == 'tool' %}
{%- if loop.first or loop.previtem.role != 'tool' %}{{- '<|im_start|>user' }}{%- endif %}
{{- '\\n<tool_response>\\n' + message.content + '\\n</tool_response>' }}
{%- if loop.last or loop.nextitem.role != 'tool' %}{{- '<|im_end|>\\n' }}{%- endif %}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}
"""


def corpus_texts(examples: Iterable[dict[str, Any]]) -> Iterator[str]:
    """What the model will read and write, for the tokenizer to learn from: the tool names,
    every message and every tool call as JSON. A teacher decision's question counts as the
    teacher wrote it (its `undistracted` field), before distractors: their stray words are
    noise the student learns to skip, not vocabulary to spend merges on (counted in, they
    took 940 of the 4,096 entries, generic English pieces in place of the corpus's words)."""
    for example in examples:
        yield " ".join(t["function"]["name"] for t in example["tools"] or [])
        messages = example["messages"]
        for i, message in enumerate(messages):
            text = message.get("content") or ""
            text = example.get("undistracted", text) if i == len(messages) - 2 else text
            yield as_read(text) if message["role"] == "user" else text
            for call in message.get("tool_calls") or []:
                yield json.dumps(call["function"], ensure_ascii=False)


def as_read(message: str) -> str:
    """A person's message as the chat template renders it for the model."""
    return " " + message.lower()


def train_tokenizer(texts: Iterable[str], *, vocab_size: int = 8192, min_frequency: int = 2):
    """A byte-level BPE tokenizer learned from `texts`, with EQM's specials and template.

    Byte-level: any text, in any script or with emoji, encodes without unknown tokens.
    One token per digit, as in Qwen's and Llama's tokenizers: the student copies a number
    from the question into the arguments digit by digit, with ten tokens it sees everywhere,
    where whole-number tokens (" 10", " 53") each had to be learnt, and were confused.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Digits(individual_digits=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False),
        ]
    )
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        eos_token=IM_END,
        pad_token=END_OF_TEXT,
        additional_special_tokens=list(SPECIAL_TOKENS[3:]),
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def load_tokenizer(folder: Path | str):
    """A tokenizer saved by `save_pretrained`, as the class it was trained as."""
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast.from_pretrained(str(folder))
