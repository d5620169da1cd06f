"""The FtM export validates with followthemoney and loads back into entities."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from followthemoney import model

from tipline.case import load_case
from tipline.links.ftm import case_entities

CASES = Path(__file__).parent / "cases"
DEMO = Path(__file__).parents[2] / "src" / "tipline" / "demo" / "demo-case.yaml"


def test_case_maps_onto_ftm_schemata() -> None:
    entities = case_entities(load_case(CASES / "a-2023.yaml"))
    schemata = Counter(e.schema.name for e in entities)
    assert schemata["Project"] == 1 and schemata["Person"] == 2 and schemata["Company"] == 1
    assert schemata["Payment"] == 1 and schemata["Message"] == 1
    assert schemata["BankAccount"] == 1 and schemata["Ownership"] == 1
    payment = next(e for e in entities if e.schema.name == "Payment")
    assert payment.get("amount") and payment.get("currency") == ["CNY"]
    assert payment.get("beneficiaryAccount")
    person = next(e for e in entities
                  if e.schema.name == "Person" and e.first("name") == "张小明")
    assert person.get("phone") == ["+8613800138000"]


def test_cards_leave_masked() -> None:
    lines = [json.dumps(e.to_dict()) for e in case_entities(load_case(CASES / "b-2025.yaml"))]
    assert not any("4111111111111111" in line for line in lines)


def test_cli_export_lines_load_back_into_ftm_entities() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tipline", "export", "--ftm", str(DEMO), "--all", str(CASES)],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) > 20
    ids = set()
    for line in lines:
        entity = model.get_proxy(json.loads(line), cleaned=False)
        entity.schema.validate(entity.to_dict())
        assert entity.id and entity.id not in ids
        ids.add(entity.id)
    projects = [e for e in map(json.loads, lines) if e["schema"] == "Project"]
    assert len(projects) == 4
    # Every reference points at an entity in the same export.
    for line in lines:
        entity = model.get_proxy(json.loads(line), cleaned=False)
        for prop, value in entity.itervalues():
            if prop.type.name == "entity":
                assert value in ids, (entity.schema.name, prop.name)
