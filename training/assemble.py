"""Assemble a run brought back from a GPU machine (training/device_train.sh) into the shipped
artifact: the base encoder built here (the same bytes as the pack that was sent) + the trained
fp16 weights -> fp32 and int8 ONNX, config and tokenizer.

usage: python -m training.assemble BASE_DIR RETURNED_DIR --out runs/nli-gpu [--install DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from training.pack import FROZEN, load_trained
from training.train import finish, load_classifier


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", type=Path, help="the base encoder folder the pack was made from")
    ap.add_argument("returned", type=Path, help="trained-*.safetensors + train_info.json")
    ap.add_argument("--out", type=Path, default=Path("runs/nli-gpu"))
    ap.add_argument("--install", type=Path, default=None, help="copy the int8 artifact here")
    args = ap.parse_args(argv)
    info = json.loads((args.returned / "train_info.json").read_text(encoding="utf-8"))
    model = load_classifier(args.base)
    missing, unexpected = model.load_state_dict(load_trained(args.returned), strict=False)
    if missing != [FROZEN] or unexpected:
        raise SystemExit(f"weights do not fit the base: missing {missing}, unexpected {unexpected}")
    args.max_len = int(info["args"]["max_len"])
    info["steps"] = info.get("step", info["steps"])  # a time-capped run stops before its plan
    gpu = args.returned / "gpu.txt"
    if gpu.exists():
        info["device"] = gpu.read_text(encoding="utf-8").strip()
    args.out.mkdir(parents=True, exist_ok=True)
    return finish(args, model, args.base, [], info)


if __name__ == "__main__":
    raise SystemExit(main())
