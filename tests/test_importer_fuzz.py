"""Hostile input to every importer, written by hypothesis from the real-shaped fixtures:
truncated, re-encoded, lines shuffled, a field blown up to megabytes, bytes flipped. Each
file either imports or is refused with a clear `ImportFailed`; never another exception, and
a refused file leaves the store exactly as it was, an imported one changes nothing that was
there."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brain.errors import ImportFailed
from brain.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = sorted(p for p in FIXTURES.iterdir() if p.suffix in {".csv", ".json", ".xml"})


def truncated(data: bytes, draw) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def reencoded(data: bytes, draw) -> bytes:
    encoding = draw(st.sampled_from(["utf-16", "utf-32", "latin-1", "cp1252", "utf-8-sig"]))
    return data.decode("utf-8").encode(encoding, errors="replace")


def shuffled(data: bytes, draw) -> bytes:
    lines = data.splitlines(keepends=True)
    random.Random(draw(st.integers(0, 2**32))).shuffle(lines)
    return b"".join(lines)


def oversized(data: bytes, draw) -> bytes:
    at = draw(st.integers(0, len(data)))
    return data[:at] + b"9" * draw(st.sampled_from([10_000, 2_000_000])) + data[at:]


def flipped(data: bytes, draw) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 20))):
        out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
    return bytes(out)


MUTATIONS = [truncated, reencoded, shuffled, oversized, flipped]


@pytest.mark.slow
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_hostile_files_import_or_are_refused_clearly_and_lose_nothing(
    sample: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
):
    folder = tmp_path_factory.mktemp("fuzz")
    with Store.open(f"sqlite:///{folder / 'eqm.sqlite3'}") as store:
        store.import_file("alex", FIXTURES / "wide.csv")  # what must survive a refusal
        before = store.export_person("alex")
        mutate = data.draw(st.sampled_from(MUTATIONS))
        hostile = folder / sample.name
        hostile.write_bytes(mutate(sample.read_bytes(), data.draw))
        try:
            summary = store.import_file("alex", hostile)
        except ImportFailed as e:
            assert str(e)
            assert store.export_person("alex") == before
        else:  # imported: it added to what was there and changed none of it
            after = store.export_person("alex")
            assert all(record in after["raw_records"] for record in before["raw_records"])
            added = len(after["imports"]) - len(before["imports"])
            assert added == (0 if summary.import_id is None else 1)  # None: nothing new
