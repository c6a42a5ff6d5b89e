"""Reproducible installs: the locks hold what pyproject.toml asks for, and the environments
hold exactly what the locks pin (so a fresh machine runs what CI tested)."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from training.serving import default_vllm_python

REPO = Path(__file__).resolve().parents[1]


def pins(lock: Path) -> dict[str, Version]:
    """`name==version` lines of a pip-compile lock, by canonical name."""
    pinned = {}
    for line in lock.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{lock.name}: {line} is not a pin"
            pinned[canonicalize_name(requirement.name)] = Version(specifier.version)
    return pinned


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]
    ]


def test_requirements_lock_satisfies_every_requirement_of_pyproject():
    pinned = pins(REPO / "requirements.lock")
    unmet = [
        str(requirement)
        for requirement in project_requirements()
        if canonicalize_name(requirement.name) not in pinned
        or not requirement.specifier.contains(
            pinned[canonicalize_name(requirement.name)], prereleases=True
        )
    ]
    assert not unmet, f"run scripts/lock.sh: the lock does not satisfy {unmet}"


def test_locks_keep_the_cpu_build_of_pytorch():
    for lock in ("requirements.lock", "requirements-vllm.lock"):
        assert pins(REPO / lock)["torch"].local == "cpu", lock


def test_this_environment_holds_exactly_the_locked_versions():
    differing = {}
    for name, pinned in pins(REPO / "requirements.lock").items():
        try:
            installed = Version(version(name))
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            differing[name] = (str(pinned), installed and str(installed))
    assert not differing, f"(locked, installed), run scripts/setup.sh: {differing}"


def test_vllm_environment_holds_exactly_the_locked_versions():
    python = default_vllm_python()
    if not python.exists():
        if os.environ.get("EQM_REQUIRE_VLLM", "") not in ("", "0"):
            pytest.fail(f"no vLLM environment at {python}")
        pytest.skip(f"no vLLM environment at {python}: run scripts/setup-vllm.sh")
    listing = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m, json;"
            "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    installed = {canonicalize_name(n): Version(v) for n, v in json.loads(listing.stdout).items()}
    differing = {
        name: (str(pinned), installed.get(name) and str(installed[name]))
        for name, pinned in pins(REPO / "requirements-vllm.lock").items()
        if installed.get(name) != pinned
    }
    assert not differing, f"(locked, installed), run scripts/setup-vllm.sh: {differing}"
