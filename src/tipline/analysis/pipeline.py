"""analyze(case) -> Analysis: units, facts, candidate pairs, judges, findings."""

from __future__ import annotations

from tipline.analysis.findings import Analysis
from tipline.case import Case


def analyze(case: Case) -> Analysis:
    """Pure: touches no database or network; every finding points back at case ids."""
    return Analysis(case=case.id, findings=())
