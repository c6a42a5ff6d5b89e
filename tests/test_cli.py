"""The `eqm` command line: JSON out, exact one-line errors, exit codes, help everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import app, main

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EQM_DATA_DIR", str(tmp_path / "eqm"))
    monkeypatch.delenv("EQM_DATABASE_URL", raising=False)
    return tmp_path / "eqm"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(argv))
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


def test_import_prints_a_json_summary(capsys):
    code, out, _ = run(capsys, "import", str(FIXTURES / "wide.csv"), "--user", "alex")
    summary = json.loads(out)
    assert code == 0
    assert summary["format"] == "csv_wide"
    assert summary["rejected"] == 1
    assert summary["rejections"] == [
        {"where": "line 4", "reason": "sleep_hours: 'abc' is not a number"}
    ]
    assert summary["date_range"] == {"first": "2026-05-15", "last": "2026-05-17"}


def test_import_with_an_explicit_format_and_time_zone(capsys):
    code, out, _ = run(
        capsys,
        "import",
        str(FIXTURES / "spotify_extended.json"),
        "-u",
        "alex",
        "--format",
        "spotify",
        "--tz",
        "Europe/Berlin",
    )
    assert code == 0 and json.loads(out)["metrics"]["music_minutes"] == 3


def test_import_errors_are_one_line_with_exit_code_1(capsys, tmp_path: Path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    code, out, err = run(capsys, "import", str(empty), "--user", "alex")
    assert (code, out, err) == (1, "", "error: empty.csv is empty\n")


def test_unknown_time_zone(capsys):
    code, _, err = run(capsys, "import", str(FIXTURES / "wide.csv"), "-u", "a", "--tz", "Mars/Base")
    assert code == 1 and "unknown time zone 'Mars/Base'" in err


def test_bad_mood_scale_is_a_usage_error(capsys):
    code, _, err = run(
        capsys, "import", str(FIXTURES / "daylio_new.csv"), "-u", "a", "--mood-scale", "rad"
    )
    assert code == 2 and "bad mood scale entry 'rad'" in err


def test_timeline_as_csv_and_table(capsys):
    run(capsys, "import", str(FIXTURES / "wide.csv"), "--user", "alex")
    code, out, _ = run(capsys, "timeline", "--user", "alex", "--csv", "--from", "2026-05-16")
    assert code == 0
    assert out.splitlines() == [
        "day,resting_hr,screen_time_min,sleep_hours,steps",
        "2026-05-16,60,240,6.75,12000",
        "2026-05-17,,,,9000",
    ]
    code, out, _ = run(capsys, "timeline", "--user", "alex", "--metrics", "steps")
    assert code == 0 and "12000" in out and "resting_hr" not in out


def test_timeline_for_an_unknown_person(capsys):
    code, _, err = run(capsys, "timeline", "--user", "nobody")
    assert (code, err) == (1, "error: no person named 'nobody'\n")


def all_commands() -> list[tuple[list[str], object]]:
    """(the words that invoke it, its callback) for every command, groups included."""
    found = [([c.name or c.callback.__name__], c.callback) for c in app.registered_commands]
    for group in app.registered_groups:
        found += [
            ([group.name, c.name or c.callback.__name__], c.callback)
            for c in group.typer_instance.registered_commands
        ]
    return found


def test_every_command_has_help_and_an_example(capsys):
    commands = all_commands()
    assert ["brain", "summary"] in [words for words, _ in commands]
    for words, callback in commands:
        assert callback.__doc__ and "Example:" in callback.__doc__, words
        code, out, _ = run(capsys, *words, "--help")
        assert code == 0 and "Usage" in out


def test_brain_summary(capsys):
    run(capsys, "import", str(FIXTURES / "wide.csv"), "--user", "alex")
    code, out, _ = run(capsys, "brain", "summary", "--user", "alex")
    assert code == 0
    assert "What goes with your mood" in out
    assert "too few nights of sleep data" in out  # caveats, not crashes, on little data
    assert "too few check-ins (0)" in out


def test_tools_list_and_call(capsys):
    run(capsys, "import", str(FIXTURES / "wide.csv"), "--user", "alex")
    code, out, _ = run(capsys, "tools", "list", "--json", "--user", "alex")
    schemas = {s["function"]["name"]: s["function"] for s in json.loads(out)}
    assert code == 0 and "stats_lookup" in schemas
    assert "steps" in schemas["stats_lookup"]["parameters"]["properties"]["metric"]["enum"]
    code, out, _ = run(
        capsys,
        "tools",
        "call",
        "stats_lookup",
        "--user",
        "alex",
        "--args",
        '{"metric": "steps", "start": "2026-05-15"}',
    )
    result = json.loads(out)
    assert code == 0 and result["result"]["total"] == 29000 and result["data_version"] == 1
    code, out, _ = run(
        capsys, "tools", "call", "stats_lookup", "--user", "alex", "--args", '{"metric": "moood"}'
    )
    assert code == 1 and json.loads(out)["error"] == "invalid_arguments"
