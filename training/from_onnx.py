"""Recover trainable PyTorch weights from an installed int8 ONNX artifact.

Why: a training run's checkpoints live in git-ignored `runs/` and vanish with the machine,
but the shipped `model.onnx` holds every weight (int8 per-channel, which dequantises to within
one quantisation step). Starting a new run from it continues the earlier training instead of
starting from the base encoder again (`python -m training.train --init-from DIR`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

# MatMul nodes of the legacy exporter are named after the module path:
# /bert/encoder/layer.3/attention/self/query/MatMul -> bert.encoder.layer.3.attention.self.query
_MATMUL_NODE = re.compile(r"^/(?P<path>.+)/MatMul(?:_quant)?$")


def _dequantise(inits: dict[str, np.ndarray], stem: str) -> np.ndarray:
    """q -> (q - zero_point) * scale; per-channel scales run along the output axis."""
    q = inits[f"{stem}_quantized"].astype(np.float32)
    scale = inits[f"{stem}_scale"].astype(np.float32)
    zero = inits[f"{stem}_zero_point"].astype(np.float32)
    if scale.ndim == 0:
        return (q - zero) * scale
    return (q - zero.reshape(1, -1)) * scale.reshape(1, -1)  # MatMul weights are [in, out]


def onnx_state_dict(model_path: Path) -> dict[str, np.ndarray]:
    """Name -> fp32 array in Hugging Face BertForSequenceClassification naming."""
    graph = onnx.load(str(model_path)).graph
    inits = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    state: dict[str, np.ndarray] = {}
    for name, arr in inits.items():
        if name.startswith(("bert.", "classifier.")) and arr.dtype == np.float32 \
                and not name.endswith(("_scale", "_zero_point", "_scales")):
            state[name] = arr  # biases and LayerNorm parameters stay fp32
        elif name.endswith(".weight_quantized"):  # Gather tables (embeddings), rows x dim
            stem = name.removesuffix("_quantized")
            state[stem] = _dequantise(inits, stem)
    for node in graph.node:
        if node.op_type == "GatherBlockQuantized":  # the 4-bit word-embedding table
            data, _, scales = node.input[:3]
            q, s = inits[data].astype(np.float32), inits[scales].astype(np.float32)
            block = q.shape[1] // s.shape[1]
            state[data.removesuffix("_q4")] = (q.reshape(*s.shape, block) * s[..., None]).reshape(
                q.shape)
            continue
        if node.op_type != "MatMulInteger":
            continue
        weight = node.input[1]
        stem = weight.removesuffix("_quantized")
        if stem.endswith(".weight_Transposed"):  # pooler / classifier
            state[stem.removesuffix("_Transposed")] = _dequantise(inits, stem).T
            continue
        match = _MATMUL_NODE.match(node.name)
        if not match:
            raise ValueError(f"{model_path}: cannot map MatMul node {node.name!r} to a module")
        module = match["path"].replace("/", ".")
        state[f"{module}.weight"] = _dequantise(inits, stem).T  # ONNX stores [in, out]
    return state


def write_hf_base(artifact: Path, out_dir: Path) -> Path:
    """Write an HF folder (config, safetensors, tokenizer, base_info) from an ONNX artifact."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    cfg = json.loads((artifact / "config.json").read_text(encoding="utf-8"))
    previous = cfg.pop("tipline", {})
    cfg.pop("max_length", None)
    config = BertConfig(**cfg)
    model = BertForSequenceClassification(config)
    state = {k: torch.from_numpy(np.array(v, dtype=np.float32))
             for k, v in onnx_state_dict(artifact / "model.onnx").items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("position_ids")]
    if missing or unexpected:
        raise ValueError(f"{artifact}: weights do not match the config "
                         f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir))
    (out_dir / "tokenizer.json").write_bytes((artifact / "tokenizer.json").read_bytes())
    base = dict(previous.get("base", {}))
    base["warm_start"] = {"from": str(artifact), "steps": previous.get("steps"),
                          "train_minutes": previous.get("train_minutes")}
    (out_dir / "base_info.json").write_text(json.dumps(base), encoding="utf-8")
    return out_dir
