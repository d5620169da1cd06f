"""Find and load an NLI model: TIPLINE_NLI_MODEL=/path, else the shipped int8 artifact.

A user folder may hold ONNX (model.onnx or onnx/model.onnx + tokenizer.json + config.json)
or a Hugging Face checkpoint; the latter is converted to ONNX once on load, which needs
torch + transformers at that moment (pip install 'tipline[train]').
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from tipline.errors import TiplineError
from tipline.nli.model import NLIModel

ENV_VAR = "TIPLINE_NLI_MODEL"
HF_WEIGHTS = ("model.safetensors", "pytorch_model.bin")
ONNX_NAMES = ("model.onnx", "onnx/model.onnx", "model_quantized.onnx", "onnx/model_quantized.onnx")


class NLIModelError(TiplineError):
    """TIPLINE_NLI_MODEL points at something that cannot be used as an NLI cross-encoder."""


def shipped_model_dir() -> Path:
    """Where the int8 model trained by training/train.py is installed inside the package."""
    return Path(__file__).resolve().parent.parent / "models" / "nli"


def load_nli_model(path: str | Path | None = None) -> NLIModel | None:
    """The model at `path`, else $TIPLINE_NLI_MODEL, else the shipped one; None if none ships.

    An explicitly named folder that cannot be used raises NLIModelError with the reason.
    """
    chosen = path if path is not None else os.environ.get(ENV_VAR) or None
    if chosen is None:
        shipped = shipped_model_dir()
        return load_folder(shipped) if (shipped / "model.onnx").exists() else None
    folder = Path(chosen).expanduser()
    if not folder.exists():
        source = "NLI model path" if path is not None else ENV_VAR
        raise NLIModelError(f"{source}: {folder} does not exist")
    return load_folder(folder)


def load_folder(folder: Path) -> NLIModel:
    """Load an ONNX folder, or convert a Hugging Face folder to ONNX first."""
    onnx_path: Path | None
    if folder.is_file() and folder.suffix == ".onnx":
        onnx_path, folder = folder, folder.parent
    else:
        onnx_path = next((folder / n for n in ONNX_NAMES if (folder / n).exists()), None)
    if onnx_path is None:
        if not any((folder / w).exists() for w in HF_WEIGHTS):
            raise NLIModelError(f"{folder}: no model.onnx and no Hugging Face weights "
                                f"({', '.join(HF_WEIGHTS)})")
        folder = convert_hf_folder(folder)
        onnx_path = folder / "model.onnx"
    config = _read_config(folder, onnx_path)
    tokenizer = _find(folder, onnx_path, "tokenizer.json")
    if tokenizer is None:
        raise NLIModelError(f"{folder}: tokenizer.json is missing")
    id2label = {int(k): str(v) for k, v in (config.get("id2label") or {}).items()}
    max_pos = int(config.get("max_position_embeddings", 512))
    max_length = int(config.get("max_length") or min(256, max_pos))
    try:
        return NLIModel(onnx_path, tokenizer, id2label, max_length=max_length,
                        pad_id=int(config.get("pad_token_id") or 0))
    except ValueError as exc:
        raise NLIModelError(f"{folder}: {exc}") from None


def _find(folder: Path, onnx_path: Path, name: str) -> Path | None:
    """A sidecar file next to the ONNX file or in the folder above (Optimum's onnx/ layout)."""
    for place in (onnx_path.parent, folder, onnx_path.parent.parent):
        if (place / name).exists():
            return place / name
    return None


def _read_config(folder: Path, onnx_path: Path) -> dict:
    path = _find(folder, onnx_path, "config.json")
    if path is None:
        raise NLIModelError(f"{folder}: config.json (with id2label) is missing")
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tipline" / "nli"


def convert_hf_folder(folder: Path) -> Path:
    """Export a Hugging Face sequence-classification folder to ONNX in a cache folder (once)."""
    stamp = "|".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}"
                     for p in sorted(folder.iterdir()) if p.is_file())
    key = hashlib.sha1(f"{folder.resolve()}|{stamp}".encode()).hexdigest()[:16]
    out = _cache_root() / key
    if (out / "model.onnx").exists():
        return out
    try:
        from tipline.nli.convert import export_hf_to_onnx
    except ImportError as exc:  # torch or transformers absent
        raise NLIModelError(
            f"{folder} is a Hugging Face checkpoint; converting it to ONNX needs torch and "
            f"transformers ({exc.name} is missing): pip install 'tipline[train]', or export the "
            "model to ONNX (model.onnx + tokenizer.json + config.json) yourself") from None
    try:
        export_hf_to_onnx(folder, out)
    except (OSError, ValueError, RuntimeError) as exc:
        raise NLIModelError(f"{folder}: cannot convert to ONNX: {exc}") from None
    return out
