"""Hugging Face -> ONNX export for user-supplied cross-encoders. Imports torch; only used
when TIPLINE_NLI_MODEL points at a Hugging Face folder."""

from __future__ import annotations

import inspect
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def export_hf_to_onnx(folder: Path, out: Path) -> None:
    """Write model.onnx, tokenizer.json and config.json for `folder` into `out` atomically."""
    model = AutoModelForSequenceClassification.from_pretrained(str(folder))
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=out.parent))
    try:
        tokenizer.save_pretrained(str(tmp))
        if not (tmp / "tokenizer.json").exists():
            raise ValueError("no fast tokenizer (tokenizer.json) could be built")
        names = ["input_ids", "attention_mask"]
        if "token_type_ids" in inspect.signature(model.forward).parameters:
            names.append("token_type_ids")
        enc = tokenizer(["a premise"], ["a hypothesis"], return_tensors="pt")
        args = tuple(enc[n] if n in enc else torch.zeros_like(enc["input_ids"]) for n in names)
        axes = {n: {0: "batch", 1: "seq"} for n in names}
        with torch.no_grad():
            torch.onnx.export(model, args, str(tmp / "model.onnx"), input_names=names,
                              output_names=["logits"],
                              dynamic_axes={**axes, "logits": {0: "batch"}},
                              opset_version=17, dynamo=False)
        config = model.config.to_dict()
        (tmp / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
