"""Fine-tune the NLI cross-encoder on the annotated cases' own pairs, leave-one-author-out.

    python -m training.domain_nli                 # six folds, then the AP table
    python -m training.domain_nli --folds a e     # some folds only
    python -m training.domain_nli --final         # train on all six authors, save HF weights
    python -m training.domain_nli --device cuda   # on a lent GPU (bf16 autocast)
    python -m training.domain_nli --export-pairs .device/domain-pairs.json   # for a GPU machine
    python -m training.domain_nli --pairs .device/domain-pairs.json ...      # there: no corpus

Why: the public-NLI model reads two statements about one happening as a general reader would;
the annotated cases teach it what the investigators call a conflict (the same transfer given
two sums, a denial of what a record shows). Each fold trains on five authors' pairs (every
gold conflict in both orders, plus sampled non-conflicts, half of them the most similar pairs)
and reads every pair of the sixth, so the probabilities in `runs/domain/preds-<author>.json`
are held-out and can be stacked into the learned scorer as one more feature. A fold that is
already written is skipped: a killed run resumes with the next fold.

Measured on the 2-core CPU (fold e only, 10 minutes of training = half an epoch of 2,432
pairs, then 15 minutes to read e's 4,120 pairs twice): held-out AP 0.046 / 0.037
(contradiction / evidence_conflict) against 0.117 / 0.254 for the logistic scorer on the same
fold. A CPU cannot train it far enough; it is kept for a session with a GPU.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import astuple, dataclass
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from tqdm import tqdm

from training.data import LABEL2ID, Pair
from training.train import forward, load_classifier, make_batches

ROOT = Path(__file__).resolve().parents[1]

OUT = ROOT / "runs" / "domain"
ARTIFACT = ROOT / "src" / "tipline" / "models" / "nli"
PAIR_KINDS = ("contradiction", "evidence_conflict")


@dataclass(frozen=True)
class Row:
    """One candidate pair as the fine-tuning needs it: where it is, its gold label, how alike."""
    case: str
    author: str
    kind: str
    a: str
    b: str
    label: int
    similarity: float


def corpus_rows() -> list[Row]:
    from training.corpus import load_corpus

    return [Row(r.case, r.author, p.kind, p.a, p.b, p.label,
                float(p.features.get("similarity", 0.0) or 0.0))
            for r in load_corpus(use_nli=False) for p in r.pairs if p.kind in PAIR_KINDS]


def export_pairs(path: Path, out: Path) -> None:
    """Rows and texts in one file, so a GPU machine without the analyzer can train."""
    rows = corpus_rows()
    texts = item_texts(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"rows": [list(astuple(r)) for r in rows], "texts": texts},
                               ensure_ascii=False), encoding="utf-8")
    print(f"{path}: {len(rows)} pairs, {len(texts)} texts")


def read_pairs(path: Path) -> tuple[list[Row], dict[str, str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [Row(*r) for r in data["rows"]], data["texts"]


def item_texts(out: Path) -> dict[str, str]:
    """{"case|ref": text the model reads} for every statement and record, cached."""
    path = out / "texts.json"
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    from tipline.analysis.facts import build_items
    from tipline.case import load_case
    from training.corpus import case_files

    texts = {}
    for cf in tqdm(case_files(), desc="texts", mininterval=5):
        case = load_case(cf.path)
        for it in build_items(case):
            who = it.speaker or (f"record ({it.evidence_kind})" if it.evidence_kind else "")
            texts[f"{case.id}|{it.ref}"] = f"{who}: {it.embedding_text}".strip()
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    return texts


def key(case: str, a: str, b: str) -> str:
    return f"{case}|{a}|{b}"


def training_pairs(rows: list[Row], texts: dict[str, str], negatives: int,
                   seed: int) -> list[Pair]:
    """Gold conflicts in both orders; `negatives` × as many non-conflicts, half of them the
    most similar (the hard ones), half at random."""
    pos = [r for r in rows if r.label]
    neg = [r for r in rows if not r.label]
    rng = random.Random(seed)
    want = min(len(neg), negatives * len(pos))
    hard = sorted(neg, key=lambda r: -r.similarity)[:want // 2]
    taken = set(hard)
    rest = [r for r in neg if r not in taken]
    chosen = hard + rng.sample(rest, min(len(rest), want - len(hard)))

    def pair(c: str, a: str, b: str, label: str) -> Pair:
        return Pair(texts[f"{c}|{a}"], texts[f"{c}|{b}"], LABEL2ID[label], c)

    out = [pair(r.case, r.a, r.b, "contradiction") for r in pos]
    out += [pair(r.case, r.b, r.a, "contradiction") for r in pos]
    for r in chosen:
        a, b = (r.a, r.b) if rng.random() < 0.5 else (r.b, r.a)
        out.append(pair(r.case, a, b, "neutral"))
    rng.shuffle(out)
    return out


def train(base: Path, pairs: list[Pair], args: argparse.Namespace) -> torch.nn.Module:
    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    tok.enable_truncation(args.max_len)
    model = load_classifier(base)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    model.to(args.device)
    batches = make_batches(tok, pairs, args.batch_size, args.seed)
    total = int(len(batches) * args.epochs)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    model.train()
    start = time.time()
    for step in tqdm(range(total), desc="train", mininterval=10):
        frac = step / total
        minutes = (time.time() - start) / 60
        if args.max_minutes:
            frac = max(frac, minutes / args.max_minutes)
            if frac >= 1:
                break
        warm = min(1.0, (step + 1) / 30)
        for g in opt.param_groups:
            g["lr"] = args.lr * warm * max(0.02, 1 - frac)
        out, _ = forward(model, batches[step % len(batches)], args.device, train=True)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
    model.eval()
    return model


def predict(model: torch.nn.Module, base: Path, rows: list[Row], texts: dict[str, str],
            max_len: int, device: str = "cpu") -> dict[str, float]:
    """P(contradiction) for every pair (both orders averaged)."""
    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    tok.enable_truncation(max_len)
    keys, pairs = [], []
    for r in rows:
        keys.append(key(r.case, r.a, r.b))
        ta, tb = texts[f"{r.case}|{r.a}"], texts[f"{r.case}|{r.b}"]
        pairs += [Pair(ta, tb, 0, r.case), Pair(tb, ta, 0, r.case)]
    probs = np.zeros(len(pairs))
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].premise + pairs[i].hypothesis))
    with torch.no_grad():
        for s in tqdm(range(0, len(order), 64), desc="predict", mininterval=10):
            idx = order[s:s + 64]
            enc = tok.encode_batch([(pairs[i].premise, pairs[i].hypothesis) for i in idx])
            width = max(len(e.ids) for e in enc)
            ids = torch.zeros((len(idx), width), dtype=torch.long)
            mask = torch.zeros_like(ids)
            types = torch.zeros_like(ids)
            for k, e in enumerate(enc):
                ids[k, :len(e.ids)] = torch.tensor(e.ids)
                mask[k, :len(e.ids)] = 1
                types[k, :len(e.ids)] = torch.tensor(e.type_ids)
            logits = model(input_ids=ids.to(device), attention_mask=mask.to(device),
                           token_type_ids=types.to(device)).logits.float()
            probs[idx] = torch.softmax(logits, -1)[:, LABEL2ID["contradiction"]].cpu().numpy()
    both = probs.reshape(-1, 2).mean(axis=1)
    return {k: round(float(v), 4) for k, v in zip(keys, both, strict=True)}


def prepare_base(out: Path) -> Path:
    """The shipped NLI model's weights (its 3-way head too) as a trainable HF folder."""
    from training.from_onnx import write_hf_base

    base = out / "base"
    return base if (base / "config.json").exists() else write_hf_base(ARTIFACT, base)


def average_precision(scores: list[float], labels: list[int]) -> float:
    order = np.argsort(-np.asarray(scores), kind="stable")
    y = np.asarray(labels)[order]
    hits = np.cumsum(y)
    return float((hits / np.arange(1, len(y) + 1))[y == 1].sum() / max(1, y.sum()))


def report(rows: list[Row], out: Path) -> dict[str, float]:
    """Print the held-out AP table; write every fold's predictions as one preds.json."""
    preds: dict[str, float] = {}
    for f in sorted(out.glob("preds-*.json")):
        preds |= json.loads(f.read_text())
    (out / "preds.json").write_text(json.dumps(preds), encoding="utf-8")
    aps = {}
    print("| kind | pairs | gold | AP held-out |\n|---|---:|---:|---:|")
    for kind in PAIR_KINDS:
        got = [(preds[key(r.case, r.a, r.b)], r.label) for r in rows
               if r.kind == kind and key(r.case, r.a, r.b) in preds]
        if got:
            s, y = zip(*got, strict=True)
            aps[kind] = average_precision(list(s), list(y))
            print(f"| {kind} | {len(got)} | {sum(y)} | {aps[kind]:.3f} |")
    (out / "summary.json").write_text(json.dumps(aps), encoding="utf-8")
    return aps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", nargs="*", default=None, help="held-out authors (default: all)")
    ap.add_argument("--final", action="store_true",
                    help="train on all authors; write the trained weights (fp16) to OUT/final")
    ap.add_argument("--pairs", type=Path, default=None,
                    help="read rows and texts from this file (made by --export-pairs)")
    ap.add_argument("--export-pairs", type=Path, default=None, metavar="FILE",
                    help="write rows and texts for a machine without the analyzer, then stop")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--negatives", type=int, default=3, help="non-conflicts per conflict")
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--max-minutes", type=float, default=0.0, help="cap per fold")
    ap.add_argument("--max-len", type=int, default=192)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="cpu, or cuda")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.export_pairs:
        export_pairs(args.export_pairs, args.out)
        return 0
    rows, texts = read_pairs(args.pairs) if args.pairs else (corpus_rows(), item_texts(args.out))
    base = prepare_base(args.out)
    authors = sorted({r.author for r in rows})
    if args.final:
        from training.pack import dump_state

        t0 = time.time()
        pairs = training_pairs(rows, texts, args.negatives, args.seed)
        model = train(base, pairs, args)
        info = {"args": {k: str(v) for k, v in vars(args).items()}, "authors": authors,
                "train_pairs": len(pairs), "seconds": round(time.time() - t0, 1), "dev_acc": [],
                "steps": int(-(-len(pairs) // args.batch_size) * args.epochs)}
        dump_state(model.state_dict(), info, args.out / "final")
        return 0
    for held in args.folds or authors:
        path = args.out / f"preds-{held}.json"
        if path.exists():
            continue
        t0 = time.time()
        pairs = training_pairs([r for r in rows if r.author != held], texts,
                               args.negatives, args.seed)
        print(f"fold {held}: {len(pairs)} training pairs", flush=True)
        model = train(base, pairs, args)
        preds = predict(model, base, [r for r in rows if r.author == held], texts,
                        args.max_len, args.device)
        path.write_text(json.dumps(preds), encoding="utf-8")
        print(f"fold {held}: {time.time() - t0:.0f} s", flush=True)
    report(rows, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
