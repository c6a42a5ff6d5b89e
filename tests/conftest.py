"""Shared fixtures: a fresh store on SQLite and, where it runs, on PostgreSQL."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from brain.config import normalise_database_url
from brain.store import Store

POSTGRES_URL = os.environ.get("EQM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_schema_url() -> Iterator[str]:
    """A URL whose connections live in a new, empty schema, dropped afterwards."""
    base = normalise_database_url(POSTGRES_URL)
    schema = f"eqm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as e:  # any failure to connect means "no PostgreSQL here"
        admin.dispose()
        if os.environ.get("EQM_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}: {e}")
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(autouse=True, scope="module")
def _give_freed_memory_back() -> Iterator[None]:
    """After each test module, hand the memory it freed back to the system. glibc keeps
    freed heap for reuse, so a process that has trained a model stays gigabytes large (4.5 GB
    at the end of the preference-training tests), and the suite's later model servers and
    trainings share CI's 24 GB with memory nobody uses."""
    yield
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: no way to hand it back
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'eqm.sqlite3'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL on a fresh schema (skipped without a server, unless required)."""
    yield from _postgres_schema_url()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store.open(store_url) as opened:
        yield opened


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """For tests about parsing rather than databases: SQLite only, to keep them quick."""
    with Store.open(f"sqlite:///{tmp_path / 'eqm.sqlite3'}") as opened:
        yield opened


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The two-year demo person "alex", imported from every demo export (SQLite)."""
    from brain.demo.people import DemoPerson, import_demo_person

    folder = tmp_path_factory.mktemp("demo")
    with Store.open(f"sqlite:///{folder / 'eqm.sqlite3'}") as opened:
        import_demo_person(opened, DemoPerson(name="alex"), folder / "exports")
        yield opened


@pytest.fixture(scope="session")
def daily() -> pd.DataFrame:
    """The demo model's two years as a real timeline holds them (no hidden columns)."""
    from brain.demo import simulate

    return simulate(days=730).measured


@pytest.fixture(scope="session")
def default_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """EQM's default model, registered in a scratch registry. Built from scratch when the
    cache (EQM_CACHE_DIR) has none for this code, else reused in seconds."""
    from brain.config import Settings
    from training.default_model import build_default
    from training.registry import ModelRegistry

    settings = Settings(data_dir=tmp_path_factory.mktemp("registry"))
    report = build_default(settings=settings, progress=lambda _: None, progress_bars=False)
    return ModelRegistry(settings.data_dir / "models").path(report.name)


@pytest.fixture(scope="session")
def served_default_model(default_model: Path, tmp_path_factory: pytest.TempPathFactory):
    """The default model behind vLLM's OpenAI server (`.url`, `.config.name`). Skipped
    without `.venv-vllm`, unless EQM_REQUIRE_VLLM=1 (as in CI): then a failure."""
    from training.serving import ModelServer, ServerConfig, default_vllm_python

    if not default_vllm_python().exists():
        message = f"no vLLM environment at {default_vllm_python()}: run scripts/setup-vllm.sh"
        if os.environ.get("EQM_REQUIRE_VLLM", "") not in ("", "0"):
            pytest.fail(message)
        pytest.skip(message)
    config = ServerConfig(
        model=default_model,
        name=default_model.name,
        data_dir=tmp_path_factory.mktemp("vllm"),
    )
    with ModelServer(config) as server:
        yield server


@pytest.fixture(scope="session")
def safety_check():
    """The crisis and diagnosis check EQM serves: fine-tuned once per cache (EQM_CACHE_DIR,
    a few minutes), then loaded in seconds."""
    from brain.config import Settings
    from tools.safety import SafetyCheck

    return SafetyCheck.load(Settings().cache_dir, progress=lambda _: None)
