"""Public-benchmark scores and speed of the NLI model (int8, and fp32 when available).

usage: python bench/public.py [--data ../shared/bench-data] [--limit N] [--model DIR]
       [--fp32 runs/nli/onnx/model-fp32.onnx] [--lang en|zh]
Evaluation only: these files are never trained or tuned on. A pair counts as a predicted
contradiction when "contradiction" is the most probable label (no threshold is fitted).
Prints a Markdown table; exits 0 with a note when the data folder is absent.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "bench-data"
DEFAULT_FP32 = ROOT / "runs" / "nli" / "onnx" / "model-fp32.onnx"
LABELS = ("entailment", "neutral", "contradiction")


@dataclass
class Task:
    name: str
    file: str
    load: Callable[[Path], list[tuple[str, str, str]]]  # (text_a, text_b, gold label)
    metric: str  # "f1" (contradiction F1), "acc3" (3-class accuracy), "macro2" (2-class macro-F1)
    target: float
    lang: str = "en"


def _csv(path: Path, delimiter: str = ",", header: bool = True) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=delimiter))
    return rows[1:] if header else rows


def _dicts(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _binary(flag: bool) -> str:
    return "contradiction" if flag else "other"


def load_mnli(path: Path) -> list[tuple[str, str, str]]:
    return [(r["sentence1"], r["sentence2"], _binary(r["label"] == "1")) for r in _dicts(path)]


def load_decode(path: Path) -> list[tuple[str, str, str]]:
    return [(r["seg1"], r["seg2"], _binary(r["label"] == "0")) for r in _dicts(path, "\t")]


def load_prosecco(columns: tuple[str, str]) -> Callable[[Path], list[tuple[str, str, str]]]:
    def load(path: Path) -> list[tuple[str, str, str]]:
        return [(r[columns[0]], r[columns[1]], _binary(r["label"] == "self-contradiction"))
                for r in _dicts(path) if r[columns[0]].strip() and r[columns[1]].strip()]
    return load


def load_ocnli(path: Path) -> list[tuple[str, str, str]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [(r["sentence1"], r["sentence2"], r["label"]) for r in rows if r["label"] in LABELS]


def load_xnli(path: Path) -> list[tuple[str, str, str]]:
    return [(r["text_a"], r["text_b"], r["label"]) for r in _dicts(path, "\t")
            if r["label"] in LABELS]


def load_cdconv(path: Path) -> list[tuple[str, str, str]]:
    """Context (user, bot, user turns) joined as premise, as in the CDConv training files;
    the bot's last reply is the hypothesis."""
    return [("".join(r[0:3]), r[3], _binary(r[4].strip() == "1"))
            for r in _csv(path, "\t", header=False) if len(r) >= 5]


TASKS = [
    Task("MNLI dev-matched (binary)", "mnli-dev-matched-binary.csv", load_mnli, "f1", 0.70),
    Task("DECODE pairs", "decode-pairs.tsv", load_decode, "f1", 0.60),
    Task("ProSeCCo (propositions)", "prosecco.csv",
         load_prosecco(("proposition_1", "proposition_2")), "f1", 0.50),
    Task("ProSeCCo (locutions)", "prosecco.csv",
         load_prosecco(("locution_1", "locution_2")), "f1", 0.50),
    Task("OCNLI dev", "ocnli-dev.jsonl", load_ocnli, "acc3", 0.60, "zh"),
    Task("XNLI-zh test", "xnli-zh-test.tsv", load_xnli, "acc3", 0.60, "zh"),
    Task("CDConv 2-class test", "cdconv-2class-test.tsv", load_cdconv, "macro2", 0.60, "zh"),
]


def f1(gold: list[bool], pred: list[bool]) -> float:
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    fp = sum(p and not g for g, p in zip(gold, pred, strict=True))
    fn = sum(g and not p for g, p in zip(gold, pred, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def score(task: Task, gold: list[str], probs: list[dict[str, float]]) -> dict[str, float]:
    """Accuracy and the task's headline metric."""
    top = [max(p, key=p.__getitem__) for p in probs]
    if task.metric == "acc3":
        acc = sum(g == t for g, t in zip(gold, top, strict=True)) / len(gold)
        is_c = [g == "contradiction" for g in gold]
        return {"acc": acc, "main": acc, "contra_f1": f1(is_c, [t == "contradiction" for t in top])}
    g_c = [g == "contradiction" for g in gold]
    p_c = [t == "contradiction" for t in top]
    acc = sum(a == b for a, b in zip(g_c, p_c, strict=True)) / len(gold)
    contra = f1(g_c, p_c)
    if task.metric == "macro2":
        other = f1([not g for g in g_c], [not p for p in p_c])
        return {"acc": acc, "main": (contra + other) / 2, "contra_f1": contra}
    return {"acc": acc, "main": contra, "contra_f1": contra}


def evaluate(model, rows_by_task: dict[str, list[tuple[str, str, str]]],
             batch: int) -> tuple[dict[str, dict[str, float]], float]:
    """Scores per task and overall pairs/s (cache cleared, so every pair is computed)."""
    results, pairs_done, seconds = {}, 0, 0.0
    for task in TASKS:
        rows = rows_by_task.get(task.name)
        if not rows:
            continue
        model.cache.clear()
        start = time.perf_counter()
        probs = model.predict([(a, b) for a, b, _ in rows], batch_size=batch)
        seconds += time.perf_counter() - start
        pairs_done += len(rows)
        results[task.name] = score(task, [g for _, _, g in rows], probs)
    return results, pairs_done / seconds if seconds else 0.0


def metric_name(task: Task) -> str:
    return {"f1": "contradiction F1", "acc3": "accuracy (3-class)",
            "macro2": "macro-F1 (2-class)"}[task.metric]


def table(rows_by_task: dict[str, list], int8: tuple[dict, float],
          fp32: tuple[dict, float] | None) -> str:
    head = "| set | n | metric | int8 | int8 acc | fp32 | fp32 acc | target |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for task in TASKS:
        if task.name not in int8[0]:
            continue
        r8 = int8[0][task.name]
        r32 = fp32[0].get(task.name) if fp32 else None
        f32 = f"{r32['main']:.3f} | {r32['acc']:.3f}" if r32 else "– | –"
        lines.append(f"| {task.name} | {len(rows_by_task[task.name])} | {metric_name(task)} | "
                     f"{r8['main']:.3f} | {r8['acc']:.3f} | {f32} | ≥ {task.target:.2f} |")
    speed32 = f"{fp32[1]:.0f}" if fp32 else "–"
    lines.append(f"| speed | all | pairs/s, batch 32 | {int8[1]:.0f} | | {speed32} | | ≥ 150 |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--model", type=Path, default=None,
                    help="default: $TIPLINE_NLI_MODEL, else the shipped model")
    ap.add_argument("--fp32", type=Path, default=DEFAULT_FP32, help="fp32 ONNX to compare")
    ap.add_argument("--limit", type=int, default=0, help="seeded sample of N pairs per set")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lang", choices=("en", "zh"), default=None,
                    help="only the sets in this language (a one-language model)")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"bench data not found at {args.data}; skipping")
        return 0
    os.environ.setdefault("TIPLINE_NLI_THREADS", str(args.threads))
    sys.path.insert(0, str(ROOT / "src"))
    from tipline.nli.loading import load_folder, load_nli_model

    model = load_nli_model(args.model)
    if model is None:
        print("no NLI model installed; skipping")
        return 0
    rows_by_task = {}
    for task in TASKS:
        path = args.data / task.file
        if path.exists() and args.lang in (None, task.lang):
            rows = task.load(path)
            if args.limit and len(rows) > args.limit:
                rows = random.Random(0).sample(rows, args.limit)
            rows_by_task[task.name] = rows
    int8 = evaluate(model, rows_by_task, args.batch_size)
    fp32 = None
    if args.fp32 and args.fp32.exists():
        fp32 = evaluate(load_folder(args.fp32), rows_by_task, args.batch_size)
    print(f"model: {model.path}" + (f"; fp32: {args.fp32}" if fp32 else "; fp32: not found"))
    print(table(rows_by_task, int8, fp32))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
