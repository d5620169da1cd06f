"""The linking benchmark in small (1,000 records), so CI notices when accuracy falls."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))

from links_bench import run_one  # noqa: E402


def test_thousand_records_link_with_known_truth() -> None:
    result = run_one(1000, seed=15)
    assert result["precision"] >= 0.93 and result["recall"] >= 0.88, result
    assert result["link_s"] < 30
