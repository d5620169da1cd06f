"""The annotated cases, grouped by author, and every pair of every case read into features.

Six authors: `shared/cases/dev` and `shared/cases/train/a` … `e`. Reading all pairs of all
cases (judges, claims, the NLI model) takes minutes, so the rows are cached in `runs/`, keyed
by a hash of the analyzer's source: any change to the engine reads them again.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CACHE = ROOT / "runs" / "corpus"


def author_dirs(shared: Path = SHARED) -> dict[str, Path]:
    """{author: folder} for every folder of annotated cases that exists."""
    found = {"dev": shared / "cases" / "dev"}
    train = shared / "cases" / "train"
    if train.is_dir():
        found |= {d.name: d for d in sorted(train.iterdir()) if d.is_dir()}
    return {a: d for a, d in found.items() if any(d.glob("*.gold.yaml"))}


@dataclass(frozen=True)
class CaseFile:
    author: str
    path: Path
    gold: dict[str, Any]


def case_files(shared: Path = SHARED) -> list[CaseFile]:
    out = []
    for author, folder in author_dirs(shared).items():
        for gold_path in sorted(folder.glob("*.gold.yaml")):
            gold = yaml.safe_load(gold_path.read_text(encoding="utf-8")) or {}
            out.append(CaseFile(author, gold_path.with_name(
                gold_path.name.replace(".gold.yaml", ".yaml")), gold))
    return out


def honest(gold: dict[str, Any]) -> bool:
    """An honest-reporter case: no conflict, no probing, nobody implicated."""
    return not (gold.get("contradiction") or gold.get("evidence_conflict")
                or gold.get("probing") or gold.get("reporter_implicated"))


@dataclass
class PairRow:
    case: str
    author: str
    lang: str
    kind: str
    a: str
    b: str
    features: dict[str, float]
    label: int


@dataclass
class AnswerRow:
    case: str
    author: str
    lang: str
    ref: str
    features: dict[str, float]
    evasion: int
    probing: int
    by_reporter: bool


@dataclass
class CaseRows:
    case: str
    author: str
    lang: str
    gold: dict[str, Any]
    pairs: list[PairRow]
    answers: list[AnswerRow]


# What single-statement features (evasion, probing) and the case-level steps read; a change to
# them re-reads only the answers, not every pair through the NLI model.
_NOT_PAIRS = frozenset({"answers.py", "evasion.py", "probing.py", "_cues.py", "cues.yaml",
                        "implicated.py", "timeline.py", "pipeline.py", "findings.py",
                        "scorer.yaml"})


def _engine_hash(pairs_only: bool) -> str:
    h = hashlib.sha256()
    src = ROOT / "src" / "tipline"
    for path in sorted([*src.glob("analysis/*"), *src.glob("nli/*.py"),
                        src / "models" / "nli" / "model.onnx"]):
        if not path.is_file() or path.name == "scorer.yaml":  # the scorer reads rows
            continue
        if pairs_only and path.name in _NOT_PAIRS:
            continue
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _model_hash() -> str:
    path = ROOT / "src" / "tipline" / "models" / "nli" / "model.onnx"
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def read_answers(cf: CaseFile, case: Any, items: Any, lang: str) -> list[AnswerRow]:
    from tipline.analysis.answers import answer_features

    evasive = set(map(str, cf.gold.get("evasion") or []))
    probing = set(map(str, cf.gold.get("probing") or []))
    return [AnswerRow(case.id, cf.author, lang, st.id, feats, int(st.id in evasive),
                      int(st.id in probing), by_reporter)
            for st, feats, by_reporter in answer_features(case, items)]


def read_case(cf: CaseFile, nli: Any, pairs_from: CaseRows | None = None) -> CaseRows:
    """Every pair and every statement of a case read into rows; with `pairs_from`, only the
    statements are read again."""
    from tipline.analysis.conflicts import pair_kind, score_pairs
    from tipline.analysis.embeddings import embed
    from tipline.analysis.facts import build_items
    from tipline.case import load_case

    case = load_case(cf.path)
    items = build_items(case)
    lang = Counter(it.lang for it in items).most_common(1)[0][0]
    if pairs_from is not None:
        return CaseRows(case.id, cf.author, lang, cf.gold, pairs_from.pairs,
                        read_answers(cf, case, items, lang))
    vectors = embed([it.embedding_text for it in items])
    n = len(items)
    pairs = sorted((i, j) for i in range(n) for j in range(i + 1, n)
                   if pair_kind(items[i], items[j]))
    gold = {k: {frozenset(map(str, p)) for p in cf.gold.get(k) or []}
            for k in ("contradiction", "evidence_conflict")}
    rows = [PairRow(case.id, cf.author, lang, kind, a.ref, b.ref, ps.features,
                    int(frozenset((a.ref, b.ref)) in gold[kind]))
            for kind, a, b, ps in score_pairs(items, vectors, pairs, nli)]
    return CaseRows(case.id, cf.author, lang, cf.gold, rows, read_answers(cf, case, items, lang))


def _case_id(cf: CaseFile) -> str:
    return str(yaml.safe_load(cf.path.read_text(encoding="utf-8"))["id"])


class CachedNLI:
    """The NLI model with its readings kept on disk: most text pairs survive an engine change,
    and the model is most of the time it takes to read the corpus."""

    def __init__(self, model: Any, path: Path) -> None:
        self.model, self.path = model, path
        self.known: dict[tuple[str, str], dict[str, float]] = (
            pickle.loads(path.read_bytes()) if path.exists() else {})  # noqa: S301 - our own file

    def predict(self, pairs: Any, batch_size: int = 32) -> list[dict[str, float]]:
        todo = [p for p in dict.fromkeys(pairs) if p not in self.known]
        if todo:
            self.known.update(zip(todo, self.model.predict(todo, batch_size=batch_size),
                                  strict=True))
        return [self.known[p] for p in pairs]

    def save(self) -> None:
        self.path.write_bytes(pickle.dumps(self.known))


def load_corpus(shared: Path = SHARED, use_nli: bool = True, quiet: bool = False
                ) -> list[CaseRows]:
    """Every annotated case read into rows (cached by engine version)."""
    key = f"{_engine_hash(False)}-{'nli' if use_nli else 'rules'}"
    path = CACHE / f"{key}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())  # noqa: S301 - our own cache file
    pairs_path = CACHE / f"pairs-{_engine_hash(True)}-{'nli' if use_nli else 'rules'}.pkl"
    known: dict[str, CaseRows] = {}
    if pairs_path.exists():
        known = {r.case: r for r in pickle.loads(pairs_path.read_bytes())}  # noqa: S301
    nli = None
    CACHE.mkdir(parents=True, exist_ok=True)
    if use_nli:
        from tipline.nli import load_nli_model

        nli = CachedNLI(load_nli_model(), CACHE / f"nli-{_model_hash()}.pkl")
    files = case_files(shared)
    out = []
    for k, cf in enumerate(files, 1):
        out.append(read_case(cf, nli, known.get(_case_id(cf))))
        if not quiet:
            print(f"\r  reading cases {k}/{len(files)} ({cf.path.stem})".ljust(70), end="",
                  file=sys.stderr, flush=True)
    if not quiet:
        print(file=sys.stderr)
    path.write_bytes(pickle.dumps(out))
    pairs_path.write_bytes(pickle.dumps(out))
    if nli is not None:
        nli.save()
    return out
