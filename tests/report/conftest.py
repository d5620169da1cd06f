"""Fixtures for the report tests: the sample case and its hand-made analysis."""

from __future__ import annotations

import pytest

from tipline.analysis.findings import Analysis
from tipline.case import Case, case_from_mapping

from .sample import case_mapping, full_analysis


@pytest.fixture
def case() -> Case:
    return case_from_mapping(case_mapping())


@pytest.fixture
def analysis() -> Analysis:
    return full_analysis()
