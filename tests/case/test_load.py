"""Case files: good ones load, every kind of bad one fails with a message naming the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tipline.case import load as load_module
from tipline.case import load_case, parse_case
from tipline.errors import CaseFileError

GOOD = """\
id: c1
received_at: 2025-06-10T09:12:00+08:00
reporter: P1
people:
  - {id: P1, name: He, role: reporter, aliases: [小何]}
statements:
  - {id: S1, by: P1, text: "I refused outright.", at: 2025-06-10T09:20:00+08:00}
  - {id: S2, by: P1, question: "How much?", text: "A few thousand."}
evidence:
  - {id: E1, kind: bank_transfer, at: 2024-11-03, text: "18,000 CNY to P1.",
     fields: {amount: 18000, to: P1}}
custom_field: kept
"""


def test_good_yaml_loads_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "c1.yaml"
    path.write_text(GOOD, encoding="utf-8")
    case = load_case(path)
    assert case.id == "c1"
    assert [s.id for s in case.statements] == ["S1", "S2"]
    assert case.statements[1].is_answer
    assert case.evidence[0].fields["amount"] == 18000
    assert case.language == "en" and not case.language_given
    data = case.to_dict()
    assert data["custom_field"] == "kept"
    assert data["evidence"][0]["at"] == "2024-11-03"
    again = parse_case(json.dumps(data), fmt="json")
    assert again.to_dict() == data


def test_anchor_is_statement_at_else_received_at(tmp_path: Path) -> None:
    case = parse_case(GOOD)
    assert case.anchor(case.statements[0]).isoformat() == "2025-06-10T09:20:00"
    assert case.anchor(case.statements[1]).isoformat() == "2025-06-10T09:12:00"


def test_chinese_language_detected() -> None:
    text = GOOD.replace("I refused outright.", "我当场拒绝，一分钱也没给他。").replace(
        "A few thousand.", "几千块吧。")
    assert parse_case(text).language == "zh"


def _swap(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


BAD = [
    ("malformed YAML", "id: [unclosed\n", "malformed YAML"),
    ("empty file", "   \n", "empty"),
    ("not a mapping", "- a\n- b\n", "must be a mapping"),
    ("missing id", _swap("id: c1\n", ""), "id: is required"),
    ("missing received_at", _swap("received_at: 2025-06-10T09:12:00+08:00\n", ""),
     "received_at: is required"),
    ("statements not a list", GOOD.split("statements:")[0] + "statements: 5\n", "must be a list"),
    ("no statements", GOOD.split("statements:")[0] + "statements: []\n", "at least one"),
    ("text wrong type", _swap('text: "I refused outright."', "text: [a, b]"), "must be text"),
    ("duplicate statement id", _swap("{id: S2,", "{id: S1,"), "already used"),
    ("statement/evidence id collision", _swap("{id: E1,", "{id: S1,"), "already used"),
    ("unknown person", _swap("{id: S2, by: P1", "{id: S2, by: P9"), "unknown person 'P9'"),
    ("unknown reporter", _swap("reporter: P1", "reporter: P7"), "unknown person 'P7'"),
    ("impossible date", _swap("at: 2024-11-03", "at: 2024-02-30"), "date"),
    ("impossible date text", _swap("at: 2024-11-03", 'at: "2024-13-01"'), "ISO 8601"),
    ("bad channel", _swap("id: c1\n", "id: c1\nchannel: pigeon\n"), "not one of"),
    ("duplicate key", _swap("id: c1\n", "id: c1\nid: c2\n"), "duplicate key 'id'"),
    ("python tag", "!!python/object/apply:os.system ['true']\n", "tag"),
    ("custom tag", _swap("custom_field: kept", "custom_field: !secret x"), "tag"),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD, ids=[b[0] for b in BAD])
def test_bad_yaml_is_named(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseFileError) as err:
        load_case(path)
    message = str(err.value)
    assert str(path) in message
    assert expected in message


def test_yaml_errors_carry_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(_swap("{id: S2, by: P1", "{id: S2, by: P9"), encoding="utf-8")
    with pytest.raises(CaseFileError) as err:
        load_case(path)
    assert err.value.line == 8
    assert err.value.field == "statements[1].by"


def test_malformed_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{\n "id": "x",\n "received_at": \n}', encoding="utf-8")
    with pytest.raises(CaseFileError) as err:
        load_case(path)
    assert "malformed JSON" in str(err.value) and err.value.line == 4


def test_json_duplicate_keys(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('{"id": "a", "id": "b"}', encoding="utf-8")
    with pytest.raises(CaseFileError, match="duplicate key 'id'"):
        load_case(path)


def test_non_utf8_is_refused_with_offset(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes(GOOD.replace("小何", "He2").encode() + "text: 我拒绝".encode("gbk"))
    with pytest.raises(CaseFileError, match="not UTF-8"):
        load_case(path)


def test_binary_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(CaseFileError, match="binary data"):
        load_case(path)


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CaseFileError, match="alias"):
        load_case(path)


def test_oversized_file_refused_before_reading(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_module, "MAX_BYTES", 1000)
    path = tmp_path / "big.yaml"
    with path.open("wb") as handle:  # sparse: large on paper, nothing to read
        handle.truncate(500 * 1024 * 1024)
    with pytest.raises(CaseFileError, match="over the 1,000-byte limit"):
        load_case(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="no such file"):
        load_case(tmp_path / "nope.yaml")


def test_unknown_fields_are_kept_not_errors() -> None:
    case = parse_case(_swap("{id: S2, by: P1,", "{id: S2, by: P1, mood: calm,"))
    assert case.statements[1].extra == {"mood": "calm"}
