"""analyze(case) -> Analysis: units → facts → candidate pairs → judges → findings."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from tipline.analysis.answers import answer_features
from tipline.analysis.conflicts import ConflictRun, NLIJudge, find_conflicts
from tipline.analysis.embeddings import embed
from tipline.analysis.evasion import find_evasion
from tipline.analysis.facts import build_items
from tipline.analysis.findings import Analysis, Finding
from tipline.analysis.implicated import find_implicated, implicated_features
from tipline.analysis.probing import find_probing
from tipline.analysis.scoring import load_scorers
from tipline.analysis.timeline import build_timeline
from tipline.case import Case

EMBED_MAX_ITEMS = 800  # beyond this, embedding every item costs more than it finds


@lru_cache(maxsize=1)
def default_nli() -> NLIJudge | None:
    """The shipped NLI model, or the one TIPLINE_NLI_MODEL points at; None when there is none."""
    from tipline.nli import load_nli_model

    return load_nli_model()


def analyze(case: Case, *, use_nli: bool = True, all_pairs: bool = False,
            run: ConflictRun | None = None) -> Analysis:
    """Pure: touches no database or network; every finding points back at case ids."""
    items = build_items(case)
    vectors = embed([it.embedding_text for it in items]) if len(items) <= EMBED_MAX_ITEMS else None
    # Without the model (use_nli=False, or none installed) the scorer fitted without it speaks.
    wants = use_nli and any(load_scorers("nli")[k].uses_nli
                            for k in ("contradiction", "evidence_conflict"))
    nli = default_nli() if wants else None
    run = run if run is not None else ConflictRun()
    conflicts = find_conflicts(items, vectors, nli, run=run, all_pairs=all_pairs)
    answers = answer_features(case, items)
    findings: list[Finding] = [*conflicts, *find_evasion(case, answers),
                               *find_probing(case, answers)]
    rule = find_implicated(case, [f for f in conflicts if f.kind == "evidence_conflict"],
                           threshold=0.0)
    if rule is not None:  # the records show the reporter; does his own account hold?
        scorer = load_scorers("nli" if nli is not None else "rules")["implicated"]
        score = scorer.score(implicated_features(
            case, rule, (((ps.a, ps.b), ps.probability) for ps in run.scores), findings))
        if score >= scorer.threshold:
            findings.append(replace(rule, score=score))
    order = {kind: i for i, kind in enumerate(
        ("contradiction", "evidence_conflict", "evasion", "probing", "reporter_implicated"))}
    findings.sort(key=lambda f: (order[f.kind], -f.score, f.refs))  # one order, every run
    return Analysis(
        case=case.id, findings=tuple(findings), timeline=tuple(build_timeline(items)),
        stats={"pairs_scored": run.pairs_scored, "pairs_possible": run.pairs_possible,
               "nli_pairs": run.nli_pairs},
    )
