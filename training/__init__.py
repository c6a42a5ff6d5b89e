"""EQM training package.

Training never reaches a model hub: no hub is reachable on our machines, and a training run
must not depend on one. On a GPU, transformers >= 5.2x otherwise fetches "hub kernels" (a
rotary-embedding kernel for Qwen2, seen on an H200) at the first training step and fails
offline; set here, before any model is loaded, unless the caller chose otherwise.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("USE_HUB_KERNELS", "0")
