"""`eqm eval run`: the suite through EQM's real API against a served model.

Everything happens in a throw-away workspace, so an eval never touches anyone's data: an
embedded SQLite store with the suite's synthetic people, an embedded memory store, accounts
with keys (the parent linked without shared memories), the API server on a free loopback
port, and, unless `model_url` names a running OpenAI-compatible server, vLLM serving the
registered model. Each scenario is asked with the openai SDK and the asker's key, as a
client would; the scores read the agent's state behind the API.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path

from evals.harness import run_suite
from evals.people import PEOPLE, SUBJECTS, prepare_people
from evals.report import EvalReport
from evals.scoring import ScenarioResult
from evals.suite import DEFAULT_SUITE, SUITES, SuiteError, load_suite
from evals.transport import over_api

__all__ = ["resolve_suite", "run_eval", "write_reports"]


def resolve_suite(suite: str | None) -> Path:
    """A suite file: a path, or a name under evals/suites (with or without .jsonl)."""
    if suite is None:
        return SUITES / DEFAULT_SUITE
    path = Path(suite)
    if path.exists():
        return path
    named = SUITES / (suite if suite.endswith(".jsonl") else f"{suite}.jsonl")
    if named.exists():
        return named
    known = ", ".join(sorted(p.stem for p in SUITES.glob("*.jsonl")))
    raise SuiteError(f"no suite {suite!r}: give a file or one of {known}")


def run_eval(
    model: str,
    *,
    suite: str | None = None,
    model_url: str | None = None,
    model_folder: Path | None = None,
    progress: Callable[[ScenarioResult], None] | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> EvalReport:
    """Run a suite for `model`: served from `model_url`, or started here with vLLM from
    `model_folder` (a registry folder). Returns the report (nothing is written)."""
    from agent.cli.serve import api_server
    from agent.config import AgentSettings
    from agent.services import Services
    from tools.memories import EmbeddedMemoryStore
    from training.serving import ModelServer, ServerConfig, free_port

    if model_url is None and model_folder is None:
        raise ValueError("give the model's URL or its folder")
    path = resolve_suite(suite)
    scenarios = load_suite(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with contextlib.ExitStack() as stack:
        workspace = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="eqm-eval-")))
        if model_url is None:
            assert model_folder is not None
            log(f"starting vLLM for {model} ...")
            config = ServerConfig(model=model_folder, name=model, port=free_port())
            server = stack.enter_context(ModelServer(config))
            model_url = server.url
            log(f"model server ready in {server.startup_seconds:.0f} s")
        settings = AgentSettings(
            data_dir=workspace,
            database_url=None,
            model_url=model_url,
            model_name=model,
            feedback_train_every=0,  # no ratings here, and never a training
        )
        services = Services.open(
            settings, memories=EmbeddedMemoryStore(workspace / "memories.sqlite3")
        )
        stack.callback(services.close)
        keys = {}
        for asker in sorted({a for a, _ in SUBJECTS}):
            parent = (asker, asker) not in SUBJECTS
            keys[asker] = services.accounts.create_user(asker, parent=parent)[1]
        for (asker, person), subject in SUBJECTS.items():
            if asker != person:
                services.accounts.link(asker, person, share_memories=subject.can_read_memories)
        log(f"importing {len(PEOPLE)} synthetic people ...")
        prepare_people(services.store, workspace / "people")
        api = stack.enter_context(api_server("127.0.0.1", free_port(), settings, services))
        log(f"asking {len(scenarios)} scenarios through {api} ...")
        return run_suite(
            scenarios,
            services.chat,
            model=model,
            suite=path.stem,
            suite_sha256=digest,
            via=over_api(api, keys, model),
            progress=progress,
        )


def write_reports(report: EvalReport, out: Path) -> tuple[Path, Path]:
    """`<suite>-<model>.json` and `.md` under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    stem = f"{report.suite}-{report.model}"
    json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
    json_path.write_text(report.model_dump_json(indent=1), encoding="utf-8")
    md_path.write_text(report.to_markdown(), encoding="utf-8")
    return json_path, md_path
