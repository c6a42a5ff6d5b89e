"""Crash safety: `kill -9` in the middle of an import, on SQLite and on PostgreSQL. Nothing
of the import is left (not even the person it would have created), the database is sound,
and the same file then imports in full."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from brain.demo import generate
from brain.errors import UnknownPerson
from brain.store import Store

pytestmark = pytest.mark.slow

APP_NAME = "eqm-crash-test"


@pytest.fixture(scope="module")
def export_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An Apple Health export of ~30 MB: long enough an import to be caught half-way."""
    paths = generate(tmp_path_factory.mktemp("crash"), days=600, seed=4)
    return next(p for p in paths if p.name == "export.xml")


def mid_import(url: str) -> bool:
    """True once the import's transaction has begun writing."""
    if url.startswith("sqlite"):
        wal = Path(url.removeprefix("sqlite:///") + "-wal")
        return wal.exists() and wal.stat().st_size > 0  # uncommitted pages spilled
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(
                connection.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                        "AND xact_start IS NOT NULL AND xact_start < now() - interval '1 second'"
                    ),
                    {"name": APP_NAME},
                ).scalar()
            )
    finally:
        engine.dispose()


def test_kill_9_in_the_middle_of_an_import_leaves_nothing_half_written(
    store_url: str, export_xml: Path, tmp_path: Path
):
    with Store.open(store_url):
        pass  # the schema exists before the import starts, as on a running system
    env = {**os.environ, "EQM_DATABASE_URL": store_url, "PGAPPNAME": APP_NAME}
    eqm = Path(sys.executable).parent / "eqm"
    command = [str(eqm), "import", str(export_xml), "--user", "alex"]
    importer = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not mid_import(store_url):
        assert importer.poll() is None, "the import ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    importer.send_signal(signal.SIGKILL)
    assert importer.wait(timeout=30) == -signal.SIGKILL

    with Store.open(store_url) as store:
        if store_url.startswith("sqlite"):
            with store.engine.connect() as connection:
                assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        with pytest.raises(UnknownPerson):
            store.timeline("alex")
        summary = store.import_file("alex", export_xml)
        again = store.import_file("alex", export_xml)
    with Store.open(f"sqlite:///{tmp_path / 'reference.sqlite3'}") as reference:
        uninterrupted = reference.import_file("alex", export_xml)
    assert (summary.kept, summary.duplicates) == (uninterrupted.kept, uninterrupted.duplicates)
    assert again.kept == 0
