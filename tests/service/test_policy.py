"""Policies are data validated at start-up: a broken file stops the service with its name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tipline.service.policy import POLICY_DIR, PolicyError, load_policies


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, target)
    return target


def test_shipped_policies_load() -> None:
    p = load_policies()
    assert p.workflow.can_move("received", "triaged")
    assert not p.workflow.can_move("closed", "triaged")
    assert p.workflow.dispositions == ["substantiated", "unfounded", "false_report", "referred"]


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("workflow.yaml", "received: [triaged, closed]", "received: [triaged, lost]",
     "unknown status 'lost'"),
    ("rewards.yaml", "effect: {band: major}", "effect: {band: huge}", "unknown band 'huge'"),
    ("leniency.yaml", "voluntary_surrender: true, truthful_confession: true",
     "surrendered: true", "unknown fact 'surrendered'"),
    ("workflow.yaml", "evidence_kinds: [bank_transfer", "evidence_kinds: [dna",
     "not in the case format"),
    ("workflow.yaml", "  unfounded: 365\n", "", "retention_days needs a number of days"),
    ("workflow.yaml", "  unfounded: 365", "  unfounded: 0", "retention_days needs"),
    ("workflow.yaml", "  unfounded: 365", "  unfounded: a year", "malformed"),
])
def test_broken_policy_is_refused(tmp_path: Path, file: str, old: str, new: str,
                                  message: str) -> None:
    d = _copy(tmp_path)
    text = (d / file).read_text()
    assert old in text
    (d / file).write_text(text.replace(old, new, 1))
    with pytest.raises(PolicyError, match=message):
        load_policies(d)
