"""Links across cases: identifiers outright, names by score, each with its reasons."""

from __future__ import annotations

from pathlib import Path

from tipline.case import load_case
from tipline.links.extract import PersonRecord, extract
from tipline.links.identifiers import Identifier
from tipline.links.link import link_cases, match_people

CASES = Path(__file__).parent / "cases"


def records(*names: str) -> list[PersonRecord]:
    return [PersonRecord(case=f"c{i}", person="P1", role="subject", names=(n,))
            for i, n in enumerate(names)]


def test_case_links_name_the_shared_identifiers_and_roles() -> None:
    archive = [extract(load_case(CASES / f"{n}.yaml")) for n in ("a-2023", "b-2025", "c-2024")]
    links = link_cases(archive)
    assert [(link.a, link.b) for link in links] == [("a-2023", "b-2025")]
    texts = " | ".join(r.text for r in links[0].reasons)
    assert "a subject (P2) in a-2023 is the reporter (P1) in b-2025" in texts
    assert "same phone +8613800138000" in texts and "across scripts" in texts
    assert "both mention iban GB82WEST12345698765432" in texts
    assert "both mention email zhang.xm@example.com" in texts
    # the parts, aligned with (a, b), so the staff app can word a reason from either side
    person = next(r for r in links[0].reasons if r.who is not None)
    assert person.who == ("a subject (P2)", "the reporter (P1)")
    assert person.text.endswith(person.detail) and "same phone" in person.detail
    mention = next(r for r in links[0].reasons if r.refs is not None)
    assert mention.detail.startswith("both mention") and all(mention.refs)


def test_rare_name_across_scripts_and_a_typo_link_common_name_alone_does_not() -> None:
    filler = [PersonRecord(case=f"f{i}", person="P1", role="witness", names=("张伟",))
              for i in range(40)]
    people = records("诸葛亮明", "Liangming ZHUGE", "Zhuge Liangmnig", *(["张伟"] * 2))
    matches = match_people([*people, *filler])
    pairs = {(m.a.case, m.b.case) for m in matches}
    assert {("c0", "c1"), ("c0", "c2"), ("c1", "c2")} <= pairs
    assert not any("f" in a + b for a, b in pairs)  # 42 records named 张伟: no name link
    first = next(m for m in matches if {m.a.case, m.b.case} == {"c0", "c1"})
    assert first.score > 0.9 and "across scripts" in first.reasons[0]


def test_shared_phone_links_outright_household_account_needs_names() -> None:
    phone = Identifier("phone", "+8613800138000")
    account = Identifier("account", "6222021234567890")
    a = PersonRecord("x", "P1", "subject", ("Robert Brown",), (phone, account))
    b = PersonRecord("y", "P1", "reporter", ("Bob",), (phone,))
    c = PersonRecord("z", "P1", "witness", ("Alice Green",), (account,))
    matches = match_people([a, b, c])
    assert [(m.a.case, m.b.case) for m in matches] == [("x", "y")]
    assert matches[0].reasons[0] == "same phone +8613800138000"


def test_same_case_never_matches_itself() -> None:
    a = PersonRecord("x", "P1", "subject", ("Robert Brown",))
    b = PersonRecord("x", "P2", "subject", ("Robert Brown",))
    assert match_people([a, b]) == []


def test_records_keep_as_json_and_a_focused_link_equals_the_archives(tmp_path: Path) -> None:
    """What the staff app keeps per case (records as JSON) and links per case (`focus`) gives
    exactly the links the whole archive's linking gives for that case."""
    import json
    import sys

    sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
    from links_synthetic import generate, write_cases
    from tipline.links.extract import records_from_json, records_to_json

    raw, _ = generate(300, seed=7)
    write_cases(raw, tmp_path)
    archive = [extract(load_case(p)) for p in sorted(tmp_path.glob("*.yaml"))]
    archive += [extract(load_case(p)) for p in sorted(CASES.glob("*.yaml"))]
    kept = [records_from_json(json.loads(json.dumps(records_to_json(r)))) for r in archive]
    assert kept == archive
    assert all(k.people == r.people and k.mentions == r.mentions
               for k, r in zip(kept, archive, strict=True))
    every = link_cases(kept)
    linked = sorted({c for link in every for c in (link.a, link.b)})
    assert len(linked) > 50  # the archive has links to compare
    for case in [*linked[::7], archive[0].case]:
        assert link_cases(kept, focus=case) == [
            link for link in every if case in (link.a, link.b)]
