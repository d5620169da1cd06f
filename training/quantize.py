"""Re-quantise an exported fp32 model another way, for comparison with the shipped int8 one.

    python -m training.quantize runs/nli2/onnx OUT [--exclude NODE,NODE] [--static N --data DIR]
    python bench/public.py --model OUT --fp32 runs/nli2/onnx/model-fp32.onnx

--exclude keeps the named MatMul/Gather nodes in fp32 (dynamic int8 elsewhere); --static N
quantises activations statically, calibrated (99.999th percentile) on N training pairs.
The model card's quantisation comparison was made with these two options.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from training.data import DEFAULT_MIX, load_mix

CALIBRATION_LENGTH = 96  # one padded length: percentile calibration stacks the batches


def calibration_reader(src: Path, data: Path, n: int):  # type: ignore[no-untyped-def]
    from onnxruntime.quantization import CalibrationDataReader

    tok = Tokenizer.from_file(str(src / "tokenizer.json"))
    tok.enable_truncation(CALIBRATION_LENGTH)
    pairs = load_mix(data, DEFAULT_MIX, 99, 0.004)
    random.Random(1).shuffle(pairs)
    pairs = pairs[:n]

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.starts = iter(range(0, len(pairs), 16))

        def get_next(self) -> dict[str, np.ndarray] | None:
            start = next(self.starts, None)
            if start is None:
                return None
            encs = tok.encode_batch([(p.premise, p.hypothesis) for p in pairs[start:start + 16]])
            ids = np.ones((len(encs), CALIBRATION_LENGTH), np.int64)
            mask = np.zeros_like(ids)
            for i, e in enumerate(encs):
                ids[i, :len(e.ids)] = e.ids
                mask[i, :len(e.ids)] = 1
            return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}

    return Reader()


def main(argv: list[str] | None = None) -> int:
    from onnxruntime.quantization import (
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_dynamic,
        quantize_static,
    )

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path, help="export folder with model-fp32.onnx")
    ap.add_argument("out", type=Path)
    ap.add_argument("--exclude", default="", help="comma-separated node names kept in fp32")
    ap.add_argument("--static", type=int, default=0, help="calibration pairs (static mode)")
    ap.add_argument("--data", type=Path, default=Path("../shared/train-data"))
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    fp32, target = str(args.src / "model-fp32.onnx"), str(args.out / "model.onnx")
    exclude = [n for n in args.exclude.split(",") if n]
    if args.static:
        quantize_static(fp32, target, calibration_reader(args.src, args.data, args.static),
                        quant_format=QuantFormat.QOperator, per_channel=True,
                        weight_type=QuantType.QInt8, activation_type=QuantType.QUInt8,
                        calibrate_method=CalibrationMethod.Percentile,
                        op_types_to_quantize=["MatMul", "Gather"], nodes_to_exclude=exclude,
                        extra_options={"MatMulConstBOnly": True})
    else:
        quantize_dynamic(fp32, target, weight_type=QuantType.QInt8, per_channel=True,
                         nodes_to_exclude=exclude)
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(args.src / name, args.out / name)
    print(f"{target}: {(args.out / 'model.onnx').stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
