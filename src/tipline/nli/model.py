"""NLIModel: batched, cached entailment / neutral / contradiction probabilities from ONNX."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

LABELS = ("entailment", "neutral", "contradiction")
CACHE_MAX = 200_000  # text pairs kept in memory; cleared wholesale when full


def default_threads() -> int:
    """TIPLINE_NLI_THREADS, else all cores up to 4 (more rarely helps a 6-layer model)."""
    env = os.environ.get("TIPLINE_NLI_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(4, os.cpu_count() or 1))


def label_order(id2label: dict[int, str]) -> list[int]:
    """For each of LABELS, the logit index that holds it (names matched case-insensitively)."""
    by_name = {name.strip().lower(): int(idx) for idx, name in id2label.items()}
    missing = [name for name in LABELS if name not in by_name]
    if len(id2label) != 3 or missing:
        raise ValueError(f"id2label must name entailment, neutral and contradiction; got "
                         f"{dict(id2label)}")
    return [by_name[name] for name in LABELS]


class NLIModel:
    """A cross-encoder run with onnxruntime. `predict` returns one probability dict per pair."""

    def __init__(self, onnx_path: Path, tokenizer_path: Path, id2label: dict[int, str],
                 *, max_length: int = 128, pad_id: int = 0, threads: int | None = None) -> None:
        self.order = label_order(id2label)
        self.path = onnx_path
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or default_threads()
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_path), opts,
                                            providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length)
        self.pad_id = pad_id
        self.cache: dict[tuple[str, str], dict[str, float]] = {}

    def predict(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32
                ) -> list[dict[str, float]]:
        """Probabilities {entailment, neutral, contradiction} summing to 1, one per pair."""
        todo = list(dict.fromkeys(p for p in pairs if p not in self.cache))
        # Similar lengths in a batch mean less padding, which is most of the CPU cost.
        todo.sort(key=lambda p: len(p[0]) + len(p[1]))
        if len(self.cache) + len(todo) > CACHE_MAX:
            self.cache.clear()
        for start in range(0, len(todo), max(1, batch_size)):
            chunk = todo[start:start + batch_size]
            for pair, probs in zip(chunk, self._run(chunk), strict=True):
                self.cache[pair] = dict(zip(LABELS, map(float, probs), strict=True))
        return [dict(self.cache[p]) if p in self.cache else self._one(p) for p in pairs]

    def _one(self, pair: tuple[str, str]) -> dict[str, float]:
        """Fallback for a pair evicted by a cache clear inside the same call."""
        return dict(zip(LABELS, map(float, self._run([pair])[0]), strict=True))

    def _run(self, chunk: Sequence[tuple[str, str]]) -> np.ndarray:
        encs = self.tokenizer.encode_batch([(a, b) for a, b in chunk])
        width = max(len(e.ids) for e in encs)
        ids = np.full((len(encs), width), self.pad_id, dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for i, enc in enumerate(encs):
            n = len(enc.ids)
            ids[i, :n], mask[i, :n], types[i, :n] = enc.ids, 1, enc.type_ids
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        logits = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
        logits = logits[:, self.order].astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)
