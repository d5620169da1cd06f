"""Offline NLI cross-encoder: onnxruntime + tokenizers only (no torch at run time)."""

from tipline.nli.loading import NLIModelError, load_nli_model, shipped_model_dir
from tipline.nli.model import LABELS, NLIModel

__all__ = ["LABELS", "NLIModel", "NLIModelError", "load_nli_model", "shipped_model_dir"]
