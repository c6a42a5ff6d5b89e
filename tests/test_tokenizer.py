"""EQM's tokenizer: byte-level BPE with a ChatML template whose tool calls vLLM's hermes
parser reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tools import openai_tools
from training.tokenizer import SPECIAL_TOKENS, corpus_texts, load_tokenizer, train_tokenizer

HERMES = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)  # vLLM's hermes pattern


@pytest.fixture(scope="module")
def tokenizer():
    corpus = [json.dumps(tool) for tool in openai_tools(["steps", "valence"])] * 3
    corpus += [
        "How did I sleep last week?",
        "Über die Woche schlief ich 7 Stunden 😴.",
        "Your steps averaged 9,890 over the last 7 days.",
    ] * 20
    return train_tokenizer(corpus, vocab_size=600, min_frequency=1)


def test_special_tokens_are_single_tokens(tokenizer):
    for token in SPECIAL_TOKENS:
        assert len(tokenizer.encode(token, add_special_tokens=False)) == 1, token


def test_any_text_round_trips(tokenizer):
    for text in ("Über 7 Stunden 😴 — ça va?", "日本語も大丈夫", '{"metric": "steps"}'):
        ids = tokenizer.encode(text, add_special_tokens=False)
        assert tokenizer.decode(ids) == text


def test_the_template_renders_tools_calls_and_results(tokenizer):
    tools = openai_tools(["steps"])
    messages = [
        {"role": "system", "content": "You are EQM."},
        {"role": "user", "content": "How many steps did I walk last week?"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "type": "function",
                    "function": {
                        "name": "stats_lookup",
                        "arguments": {"metric": "steps", "last_days": 7},
                    },
                }
            ],
        },
        {"role": "tool", "content": '{"summary": "9,890 a day"}'},
        {"role": "assistant", "content": "You averaged 9,890 steps a day."},
    ]
    text = tokenizer.apply_chat_template(messages, tools=tools, tokenize=False)
    assert text.startswith("<|im_start|>system\nYou are EQM.\n\n# Tools")
    signatures = text.split("<tools>\n")[1].split("\n</tools>")[0].splitlines()
    assert "list_metrics()" in signatures
    assert "anomalies(metric: steps, period?, last_days?)" in signatures
    first_answer = text.split("<|im_start|>assistant")[1]  # what the model writes
    (call,) = HERMES.findall(first_answer)
    assert json.loads(call) == {
        "name": "stats_lookup",
        "arguments": {"metric": "steps", "last_days": 7},
    }
    assert "<|im_start|>user\n how many steps did i walk last week?<|im_end|>" in text
    assert "<|im_start|>user\n<tool_response>\n" in text
    assert text.endswith("You averaged 9,890 steps a day.<|im_end|>\n")
    prompt = tokenizer.apply_chat_template(
        messages[:2], tools=tools, tokenize=False, add_generation_prompt=True
    )
    assert prompt.endswith("<|im_start|>assistant\n")


def test_openai_style_string_arguments_render_as_json(tokenizer):
    messages = [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "tool_calls": [
                {"type": "function", "function": {"name": "list_metrics", "arguments": "{}"}}
            ],
        },
    ]
    (call,) = HERMES.findall(tokenizer.apply_chat_template(messages, tokenize=False))
    assert json.loads(call) == {"name": "list_metrics", "arguments": {}}


def test_numbers_are_read_and_written_one_digit_a_token(tokenizer):
    for text in (" 10 days", '"last_days": 10', "2026-03-02"):
        digits = [t for t in tokenizer.tokenize(text) if any(c.isdigit() for c in t)]
        assert digits == [c for c in text if c.isdigit()], text


def test_save_and_load_keep_the_same_ids(tokenizer, tmp_path: Path):
    tokenizer.save_pretrained(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "qwen2"}')  # the trap it avoids
    loaded = load_tokenizer(tmp_path)
    text = "<|im_start|>user\nHow did I sleep? 😴<|im_end|>"
    assert loaded.encode(text) == tokenizer.encode(text)
    assert loaded.chat_template == tokenizer.chat_template
    assert loaded.eos_token == "<|im_end|>"


def test_a_long_metric_list_is_rendered_once_and_named(tokenizer):
    metrics = ["sleep_hours", "steps", "valence", "arousal", "hrv_sdnn_ms"]
    messages = [{"role": "user", "content": "hi"}]
    text = tokenizer.apply_chat_template(messages, tools=openai_tools(metrics), tokenize=False)
    assert text.count("sleep_hours") == 1
    assert "metrics: " + ", ".join(sorted(metrics)) in text
    assert "correlate(x, y, max_lag?)" in text
    assert "stats_lookup(metric, period?, last_days?, last_weeks?, start?, end?, month?, " in text


def test_the_tokenizer_learns_a_decisions_question_as_written_not_its_distractors():
    call = {"name": "stats_lookup", "arguments": {"metric": "steps"}}
    decision = {
        "tools": None,
        "messages": [
            {"role": "system", "content": "Be kind."},
            {"role": "user", "content": "how many zebra steps walrus did I take"},
            {"role": "assistant", "content": "", "tool_calls": [{"function": call}]},
        ],
        "undistracted": "how many steps did I take",
    }
    conversation = {"tools": openai_tools(["steps"]), "messages": decision["messages"][:2]}
    texts = list(corpus_texts([decision, conversation]))
    # a person's words as the template renders them: lower-cased, after a space
    assert " how many steps did i take" in texts and json.dumps(call) in texts
    assert " how many zebra steps walrus did i take" not in texts[:5]  # the decision's part
    assert texts[6:] == ["Be kind.", " how many zebra steps walrus did i take"]  # as it is


def test_a_message_reads_the_same_whatever_its_case_and_place(tokenizer):
    def user_ids(text: str) -> list[int]:
        prompt = tokenizer.apply_chat_template([{"role": "user", "content": text}], tokenize=False)
        return tokenizer.encode(prompt.split("\n", 1)[1], add_special_tokens=False)

    assert user_ids("HRV last week") == user_ids("hrv last week") == user_ids("Hrv Last Week")
    opening = tokenizer.encode(" steps", add_special_tokens=False)
    inside = tokenizer.encode("my steps", add_special_tokens=False)[-len(opening) :]
    assert user_ids("steps")[: len(opening)] == opening == inside
