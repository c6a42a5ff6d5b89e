"""Feedback to candidate, end to end on CPU with the default model: simulated users rate
answers through `POST /v1/feedback`, always preferring answers that say how many days they
rest on; `train_feedback` (KTO) registers a candidate; on held-out prompts the candidate
prefers such answers more than its base does, and its held-out tool-call accuracy through
vLLM loses no more than 2 points against the base's. Production never moves."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from agent.accounts import Accounts
from agent.cli.serve import api_server
from agent.completions import CompletionLog, CompletionRecord
from agent.config import AgentSettings
from brain.config import Settings
from evals.tool_calls import HELDOUT_METRICS, load_heldout, run_endpoint
from tools import openai_tools
from tools.prompt import SYSTEM_PROMPT
from training.default_model import DefaultModelSpec, build_default, cached_corpus
from training.preference import FeedbackTrainingConfig, train_feedback
from training.preference.simulate import SimulatedTurn, corpus_metrics, teacher_turns
from training.registry import ModelRegistry
from training.serving import ModelServer, ServerConfig, default_vllm_python, free_port

pytestmark = pytest.mark.slow

RATED, HELD_OUT = 160, 40


def without_days(answer: str) -> str:
    """The same answer without its "(based on N days)" part."""
    head, _, tail = answer.partition(" (based on ")
    return head + tail.partition(")")[2]


def log_prob(model: Any, tokenizer: Any, prompt: str, completion: str) -> float:
    import torch

    ids = tokenizer.encode(prompt + completion, add_special_tokens=False)
    start = len(tokenizer.encode(prompt, add_special_tokens=False))
    with torch.inference_mode():
        logits = model(torch.tensor([ids])).logits[0, :-1]
    picked = torch.log_softmax(logits.float(), -1)[
        torch.arange(len(ids) - 1), torch.tensor(ids[1:])
    ]
    return float(picked[start - 1 :].sum())


def days_margin(folder: Path, turns: list[SimulatedTurn], metrics: dict[str, list[str]]) -> float:
    """Mean log-likelihood of the answer with its days minus without, over `turns`."""
    from transformers import AutoModelForCausalLM

    from training.tokenizer import IM_END, load_tokenizer

    tokenizer = load_tokenizer(folder)
    model = AutoModelForCausalLM.from_pretrained(str(folder)).eval()
    margins = []
    for turn in turns:
        prompt = tokenizer.apply_chat_template(
            turn.request,
            tools=openai_tools(metrics[turn.person]),
            tokenize=False,
            add_generation_prompt=True,
        )
        good = log_prob(model, tokenizer, prompt, turn.answer + IM_END)
        bad = log_prob(model, tokenizer, prompt, without_days(turn.answer) + IM_END)
        margins.append(good - bad)
    return sum(margins) / len(margins)


def tool_call_exact(folder: Path, name: str, tmp: Path) -> float:
    with ModelServer(ServerConfig(model=folder, name=name, data_dir=tmp)) as server:
        client = openai.OpenAI(base_url=server.url, api_key="EMPTY")
        report = run_endpoint(
            client,
            name,
            load_heldout(),
            metrics_by_person=HELDOUT_METRICS,
            system_prompt=SYSTEM_PROMPT,
            concurrency=8,
        )
    return report.exact_match


@pytest.mark.skip(
    reason="KTO at batch 8 on the 135M default model needs more than CI's 24 GB (the run was "
    "killed for memory): the test must be resized for the pretrained base (issue 23)"
)
def test_rated_feedback_moves_a_candidate_and_keeps_its_tool_calls(tmp_path: Path):
    if not default_vllm_python().exists():
        pytest.skip("no vLLM environment")
    settings = AgentSettings(data_dir=tmp_path / "data", model_url="http://127.0.0.1:9/v1")
    report = build_default(settings=Settings(data_dir=settings.data_dir), progress=lambda _: None)
    registry = ModelRegistry(settings.data_dir / "models")
    base = report.name
    corpus, _ = cached_corpus(DefaultModelSpec(), Settings(), lambda _: None)
    conversations = corpus.conversations
    metrics = corpus_metrics(conversations)
    turns = [
        t
        for c in conversations
        for t in teacher_turns(c)
        if t.tool_trace and len(t.tool_trace) == 1 and "(based on " in t.answer
    ]
    random.Random(0).shuffle(turns)
    rated, held_out = turns[:RATED], turns[RATED : RATED + HELD_OUT]

    url = settings.resolved_database_url()
    with Accounts.open(url) as accounts:
        keys = {p: accounts.create_user(p)[1] for p in {t.person for t in rated}}
    with CompletionLog.open(url) as log, api_server("127.0.0.1", free_port(), settings) as api:
        for index, turn in enumerate(rated):
            answer = turn.answer if index % 2 else without_days(turn.answer)
            record = CompletionRecord(
                asker=turn.person,
                person=turn.person,
                model=base,
                request=turn.request,
                tool_trace=turn.tool_trace,
                answer=answer,
                grounded=True,
                latency_ms=1.0,
            )
            log.record(record)
            rating = "up" if "(based on " in answer else "down"  # the simulated users' taste
            response = httpx.post(
                f"{api}/feedback",
                json={"completion_id": record.id, "rating": rating},
                headers={"Authorization": f"Bearer {keys[turn.person]}"},
            )
            assert response.status_code == 200, response.text
        card = train_feedback(
            log,
            config=FeedbackTrainingConfig(method="kto", epochs=2, learning_rate=1e-4),
            metrics=metrics.__getitem__,
            registry=registry,
            progress=lambda _: None,
            progress_bars=False,
        )
    assert registry.pointer().production == base and card.name != base
    assert card.lineage["base"] == base and len(card.lineage["feedback_ids"]) == RATED

    before = days_margin(registry.path(base), held_out, metrics)
    after = days_margin(registry.path(card.name), held_out, metrics)
    base_exact = tool_call_exact(registry.path(base), base, tmp_path / "v1")
    candidate_exact = tool_call_exact(registry.path(card.name), card.name, tmp_path / "v2")
    print(
        f"\nheld-out days margin (log-likelihood, with minus without): base {before:.3f}, "
        f"candidate {after:.3f}; held-out tool-call exact match: base {base_exact:.1%}, "
        f"candidate {candidate_exact:.1%}"
    )
    assert after > before + 0.5, (before, after)
    # keeps its tool calls: no more than two points lost (a gain is fine)
    assert candidate_exact >= base_exact - 0.02, (base_exact, candidate_exact)
