"""The staff API's analysis of a case is the CLI's: a case stored in the database and read back
is analysed to exactly the same findings as the case file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipline.case import load_case
from tipline.service import jobs
from tipline.service.casefiles import cases
from tipline.service.runtime import Service

CASE = Path(__file__).resolve().parents[2].parent / "shared" / "cases" / "dev" / "he-2025.yaml"


@pytest.mark.skipif(not CASE.exists(), reason="needs ../shared/cases/dev")
def test_stored_case_is_analysed_as_the_file_is(service: Service) -> None:
    from tipline.analysis import analyze

    case = load_case(CASE)
    with service.database.session() as db:
        rec = cases.store_case(db, case)
        stored = jobs.current_analysis(db, rec, jobs.real_analyzer)
    direct = analyze(case).to_dict()
    assert stored["findings"] == direct["findings"]
    assert stored["timeline"] == direct["timeline"]
