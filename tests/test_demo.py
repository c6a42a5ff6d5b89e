"""The main job, end to end: `eqm demo` on an empty data folder imports the demo data, makes
the accounts, serves the default model and the API, answers the example questions, and
leaves no server behind."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from agent.cli.serve import EXAMPLE_QUESTIONS
from training.serving import default_vllm_python, free_port

pytestmark = pytest.mark.slow


def test_eqm_demo_answers_the_example_questions(default_model: Path, tmp_path: Path):
    if not default_vllm_python().exists() and os.environ.get("EQM_REQUIRE_VLLM") in (None, "", "0"):
        pytest.skip("no vLLM environment")
    port, model_port = free_port(), free_port()
    eqm = Path(sys.executable).parent / "eqm"
    result = subprocess.run(
        [
            str(eqm),
            "demo",
            "--days",
            "90",
            "--no-wait",
            "--port",
            str(port),
            "--model-port",
            str(model_port),
        ],
        env={**os.environ, "EQM_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert f"EQM is serving at http://127.0.0.1:{port}/v1" in out
    assert "alex (person) key: eqm_" in out and "jordan (parent of alex) key: eqm_" in out
    for question in EXAMPLE_QUESTIONS:
        assert f"you> {question}\neqm> " in out
    # each answer says where it came from: its tool calls and who wrote it
    assert out.count("     [1] ") == len(EXAMPLE_QUESTIONS)
    assert out.count("(written by the model") + out.count("(assembled from") == len(
        EXAMPLE_QUESTIONS
    )
    for used in (port, model_port):  # both servers are gone
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", used)) != 0


def test_sigterm_to_eqm_demo_stops_both_servers_and_leaves_no_process(
    default_model: Path, tmp_path: Path
):
    """What a service manager or a closed terminal sends: the demo unwinds as on Ctrl-C."""
    import signal

    import psutil

    if not default_vllm_python().exists() and os.environ.get("EQM_REQUIRE_VLLM") in (None, "", "0"):
        pytest.skip("no vLLM environment")
    port, model_port = free_port(), free_port()
    eqm = Path(sys.executable).parent / "eqm"
    command = [str(eqm), "demo", "--days", "30", "--port", str(port)]
    demo = subprocess.Popen(
        [*command, "--model-port", str(model_port)],
        env={**os.environ, "EQM_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    children: list[psutil.Process] = []
    try:
        assert demo.stdout is not None
        for line in demo.stdout:  # serving: both servers are up, the examples are being asked
            if line.startswith("EQM is serving at"):
                break
        children = psutil.Process(demo.pid).children(recursive=True)
        assert children, "vLLM runs as a child of eqm demo"
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=120) != 0  # stopped, not finished
        _, alive = psutil.wait_procs(children, timeout=30)
        assert alive == [], alive
        for used in (port, model_port):
            with socket.socket() as probe:
                assert probe.connect_ex(("127.0.0.1", used)) != 0
    finally:
        for leftover in [demo, *children]:
            with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
                leftover.kill()
