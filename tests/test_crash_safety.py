"""Crash safety: `kill -9` in the middle of an import, of feedback writes, of model
registrations and promotions. Nothing acknowledged is lost, nothing is half-written: an
interrupted import leaves nothing (not even the person it would have created) and then
imports in full; every rating acknowledged is there with its completion; the registry's
cards and production pointer always parse, and hold every promotion acknowledged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from brain.demo import generate
from brain.errors import UnknownPerson
from brain.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def export_xml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An Apple Health export of ~30 MB: long enough an import to be caught half-way."""
    paths = generate(tmp_path_factory.mktemp("crash"), days=600, seed=4)
    return next(p for p in paths if p.name == "export.xml")


# `eqm import` exactly as a person runs it, except that the writer announces each batch it
# has sent to the database and, after the third, waits to be killed: the kill then lands
# inside the import's transaction however slow or busy the machine is.
IMPORT_UNTIL_KILLED = """
import sys, time
from agent.cli import main
from brain.store import ingest

flush = ingest._Writer.flush
batches = 0

def announced_flush(self):
    global batches
    flush(self)
    print(batches, flush=True)
    batches += 1
    if batches == 3:
        time.sleep(600)

ingest._Writer.flush = announced_flush
main(sys.argv[1:])
"""


def test_kill_9_in_the_middle_of_an_import_leaves_nothing_half_written(
    store_url: str, export_xml: Path, tmp_path: Path
):
    with Store.open(store_url):
        pass  # the schema exists before the import starts, as on a running system
    command = ["import", str(export_xml), "--user", "alex"]
    env = {**os.environ, "EQM_DATABASE_URL": store_url}
    last = run_until_killed(IMPORT_UNTIL_KILLED, *command, acknowledged=3, env=env)
    assert last == 2  # three batches were written, uncommitted, when the process died

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


def run_until_killed(
    script: str, *args: str, acknowledged: int, env: dict[str, str] | None = None
) -> int:
    """Run `script` (which prints one line per durable write), kill -9 it once it has
    acknowledged `acknowledged` writes; returns the number of the last one acknowledged."""
    command = [sys.executable, "-c", script, *args]
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    assert worker.stdout is not None
    last = -1
    for line in worker.stdout:
        last = int(line)
        if last + 1 >= acknowledged:
            break
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    assert last + 1 >= acknowledged, "the worker stopped before it could be killed"
    return last


RATE_FOREVER = """
import sys
from agent.completions import CompletionLog, CompletionRecord
log = CompletionLog.open(sys.argv[1])
i = 0
while True:
    log.record(CompletionRecord(id=f"c{i}", asker="alex", person="alex", model="m",
                                request=[], answer="a", grounded=True, latency_ms=1))
    log.add_feedback(f"c{i}", "alex", "up", comment=str(i))
    print(i, flush=True)
    i += 1
"""


def test_kill_9_during_feedback_writes_loses_no_acknowledged_rating(store_url: str):
    from agent.completions import CompletionLog

    CompletionLog.open(store_url).close()
    last = run_until_killed(RATE_FOREVER, store_url, acknowledged=40)
    with CompletionLog.open(store_url) as log:
        ratings = {f.completion_id: f for f in log.feedback_for("alex")}
        assert log.orphaned_feedback() == []
        for i in range(last + 1):
            assert ratings[f"c{i}"].comment == str(i)
            assert log.get(f"c{i}").answer == "a"


PROMOTE_FOREVER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from training.registry import ModelCard, ModelRegistry
registry = ModelRegistry(Path(sys.argv[1]))
i = 0
while True:
    name = f"m{i}"
    registry.path(name).mkdir()
    registry.register(ModelCard(name=name, base="scratch", kind="lora", data_hash="0" * 64,
                                created=datetime.now(UTC)))
    registry.move_production(name, f"promotion {i}")
    print(i, flush=True)
    i += 1
"""


def test_kill_9_during_registrations_and_promotions_leaves_a_sound_registry(tmp_path: Path):
    from training.registry import ModelRegistry

    last = run_until_killed(PROMOTE_FOREVER, str(tmp_path), acknowledged=40)
    registry = ModelRegistry(tmp_path)
    names = {card.name for card in registry.models()}  # every card parses
    pointer = registry.pointer()
    reasons = [promotion.reason for promotion in pointer.history]
    assert reasons[: last + 1] == [f"promotion {i}" for i in range(last + 1)]
    assert pointer.production == pointer.history[-1].model and pointer.production in names
    assert {f"m{i}" for i in range(last + 1)} <= names
