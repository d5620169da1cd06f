"""Candidate pairs: which items are worth judging at all, without scoring all n² pairs.

Items are blocked on what they share — people, content words, families of acts, amount
magnitudes, months — weighted by rarity (IDF), and each item keeps its top-k partners; the
nearest neighbours by embedding are added. On a dev-sized case this is every pair; on a case
with thousands of statements it is a few percent of them (see bench/speed.py).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from tipline.analysis.facts import Item

K_LEXICAL = 12
K_EMBEDDING = 6


def _keys(item: Item) -> set[str]:
    keys = {f"w:{w}" for w in item.topic_words}
    keys |= {f"p:{p}" for p in item.people | item.actors}
    keys |= {f"neg:{a}" for a in item.negated_acts} | {f"act:{a}" for a in item.asserted_acts}
    for m in item.amounts:
        keys.add(f"amt:{int(math.log10(max(m.hi, 1)))}")
        keys.add("amt")
    for d in item.dates:
        keys.add(f"month:{d.lo:%Y-%m}")
        keys.add("date")
    return keys


def candidate_pairs(
    items: Sequence[Item], vectors: np.ndarray | None = None,
    k_lexical: int | None = None, k_embedding: int | None = None,
) -> set[tuple[int, int]]:
    """Unordered index pairs (i < j) to judge; pairs of two evidence records are never needed."""
    k_lexical = K_LEXICAL if k_lexical is None else k_lexical
    k_embedding = K_EMBEDDING if k_embedding is None else k_embedding
    n = len(items)
    if n < 2:
        return set()
    key_sets = [sorted(_keys(it)) for it in items]  # sorted: the same pairs on every run
    df = Counter(k for ks in key_sets for k in ks)
    cap = max(40, n // 10)  # a key shared by most items says nothing about a pair
    vocab = {k: i for i, k in enumerate(sorted(k for k, c in df.items() if 1 < c <= cap))}
    rows, cols, vals = [], [], []
    for r, ks in enumerate(key_sets):
        for k in ks:
            if k in vocab:
                rows.append(r)
                cols.append(vocab[k])
                vals.append(math.log(n / df[k]) + 1.0)
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(n, max(1, len(vocab))))
    overlap = (matrix @ matrix.T).tocsr()
    is_evidence = np.array([it.kind == "evidence" for it in items])
    pairs: set[tuple[int, int]] = set()
    for i in range(n):
        start, end = overlap.indptr[i], overlap.indptr[i + 1]
        partners, scores = overlap.indices[start:end], overlap.data[start:end]
        keep = (partners != i) & ~(is_evidence[i] & is_evidence[partners])
        partners, scores = partners[keep], scores[keep]
        if len(partners) > k_lexical:  # ties broken by position, never by chance
            top = np.lexsort((partners, -np.round(scores, 6)))[:k_lexical]
            partners = partners[top]
        pairs.update((min(i, int(j)), max(i, int(j))) for j in partners)
    if vectors is not None and k_embedding > 0:
        sims = vectors @ vectors.T
        np.fill_diagonal(sims, -np.inf)
        sims[np.ix_(is_evidence, is_evidence)] = -np.inf
        k_nn = min(k_embedding, n - 1)
        top = np.argsort(-np.round(sims, 4), axis=1, kind="stable")[:, :k_nn]
        for i in range(n):
            for j in top[i]:
                if np.isfinite(sims[i, j]):
                    pairs.add((min(i, int(j)), max(i, int(j))))
    return pairs
