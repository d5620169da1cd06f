"""Links across cases: identifiers outright, names by score, each with its reasons."""

from __future__ import annotations

from pathlib import Path

from tipline.case import load_case
from tipline.links.extract import PersonRecord, extract
from tipline.links.identifiers import Identifier
from tipline.links.link import MAX_BLOCK, TOKEN_BLOCK, link_cases, match_people

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


def person(case: str, name: str, *ids: tuple[str, str]) -> PersonRecord:
    return PersonRecord(case, "P1", "subject", (name,),
                        tuple(Identifier(kind, value) for kind, value in ids))


def pairs(matches: list) -> set[tuple[str, str]]:  # type: ignore[type-arg]
    return {tuple(sorted((m.a.case, m.b.case))) for m in matches}  # type: ignore[misc]


def others(count: int, given: str = "Anna") -> list[PersonRecord]:
    """Different people: made-up surnames two syllables long, all unalike."""
    syllables = ("bar", "col", "dun", "fen", "gor", "hal", "kis", "lom", "mur", "pel")
    names = (f"{given} {a.capitalize()}{b}" for a in syllables for b in syllables if a != b)
    return [person(f"o{i}", n) for i, n in zip(range(count), names, strict=False)]


def test_initials_meet_the_given_name_they_stand_for() -> None:
    matches = match_people([*others(40), person("a", "M. Norgor"),
                            person("b", "Maria Norgor"), person("c", "K. Norgor")])
    assert pairs(matches) == {("a", "b")}
    assert "initials" in matches[0].reasons[0]


def test_one_slip_meets_its_name_even_when_the_surnames_block_is_too_crowded() -> None:
    """Wang Yanghua / Wang Yagnhua share no compact spelling, and the block of every Wang
    with a Y-name is over the cap; a key with one letter left out still brings them
    together."""
    crowded = [person(f"y{i}", f"Wang Y{a}{b}{c}") for i, (a, b, c) in enumerate(
        (a, b, c) for a in "aeiou" for b in "bdfgklmnpst" for c in ("ng", "o", "u"))]
    archive = [*crowded, person("a", "Wang Yanghua"), person("b", "Wang Yagnhua")]
    assert len(archive) > MAX_BLOCK
    assert ("a", "b") in pairs(match_people(archive))


def test_spellings_that_each_recur_are_two_names_not_a_slip() -> None:
    kinber = [person(f"e{i}", "James Kinber") for i in range(3)]
    kinbur = [person(f"u{i}", "James Kinbur") for i in range(3)]
    found = pairs(match_people([*others(40, "James"), *kinber, *kinbur]))
    assert ("e0", "e1") in found and ("u0", "u1") in found
    assert not any(a[0] != b[0] for a, b in found if "o" not in a[0] + b[0])
    # the same distance from a one-off spelling (a slip of the pen) weighs far more
    scored = match_people([*others(40, "James"), *kinber, *kinbur, person("s", "James Kinbir")],
                          threshold=0.0)
    score = {pair: m.score for m in scored for pair in pairs([m])}
    assert score[("e0", "s")] > 5 * score[("e0", "u0")]


def test_identifiers_join_records_that_share_none_directly() -> None:
    """张伟 is a common name, and the first and last record share no identifier; the middle
    one gives both their phone and their e-mail, so all three are one identity, and a
    fourth 张伟 whose own identity gives another phone is someone else."""
    common = [person(f"f{i}", "张伟") for i in range(12)]
    a = person("a", "Zhang Wei", ("phone", "+8613800138000"))
    b = person("b", "Wei ZHANG", ("phone", "+8613800138000"), ("email", "zw@example.com"))
    c = person("c", "张伟", ("email", "zw@example.com"))
    d = person("d", "张伟", ("email", "other@example.com"))
    e = person("e", "Zhang Wei", ("email", "other@example.com"), ("phone", "+8613900139000"))
    matches = match_people([*common, a, b, c, d, e])
    found = pairs(matches)
    assert {("a", "b"), ("b", "c"), ("a", "c"), ("d", "e")} <= found
    through = next(m for m in matches if pairs([m]) == {("a", "c")})
    assert "other records join them by shared identifiers" in through.reasons
    assert not found & {("a", "d"), ("c", "d"), ("a", "e"), ("c", "e")}
    assert not any(x.startswith("f") for pair in found for x in pair)


def test_a_crowded_token_block_is_not_compared_a_spelling_block_of_that_size_is() -> None:
    """A token with the others' initials ("zhang|w") is the weakest key: beyond TOKEN_BLOCK
    records it is dropped, while a spelling's own block of the same size is compared.
    Zhang Weiming / Zhang Waiminh (two letters apart) share only that token key."""
    def crowd(count: int) -> list[PersonRecord]:
        givens = (f"Wo{a}{b}" for a in "bcdfgkpqrstvxz" for b in "bcdfgkpqrstvxz" if a != b)
        return [person(f"w{i}", f"Zhang {g}") for i, g in zip(range(count), givens,
                                                                  strict=False)]

    pair = [person("a", "Zhang Weiming"), person("b", "Zhang Waiminh")]
    assert ("a", "b") in pairs(match_people([*pair, *crowd(TOKEN_BLOCK - 3)], threshold=0.0))
    assert ("a", "b") not in pairs(match_people([*pair, *crowd(TOKEN_BLOCK + 5)],
                                                threshold=0.0))
    namesakes = [person(f"s{i}", "Zhang Weiming") for i in range(TOKEN_BLOCK + 5)]
    assert ("s0", "s1") in pairs(match_people(namesakes, threshold=0.0))


def test_matches_do_not_depend_on_the_archives_order() -> None:
    """Each name is compared with the other either way round ("Wang Jun-Bin" reads as
    "bin wangjun" as well as "wang junbin"; "Wang Junbn" is a slip of the second), so the
    same archive in another order gives the same pairs, scores and reasons."""
    archive = [*others(30, "Maria"), person("a", "Wang Jun-Bin"), person("b", "Wang Junbn"),
               person("c", "Maria Norgor"), person("d", "M. Norgor"), person("e", "Yu Yu-Hong"),
               person("f", "Yu Yuhang"), person("g", "张伟明"), person("h", "Zhang Weiming")]

    def seen(matches: list) -> list:  # type: ignore[type-arg]
        return sorted((m.a.key, m.b.key, round(m.score, 9), m.reasons) for m in matches)

    first = match_people(archive, threshold=0.0)
    assert ("a", "b") in pairs(match_people(archive))
    assert seen(first) == seen(match_people(archive[::-1], threshold=0.0))


def test_pairs_that_could_not_link_are_not_compared_and_the_links_stay_the_same(
        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A name held by many people with their own phones cannot link two of them by itself,
    nor a slip of it: those pairs are left uncompared (`_Reach`), and the links, scores and
    reasons are exactly those of comparing every blocked pair."""
    import sys

    from tipline.links import link

    sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
    from links_synthetic import generate
    from tipline.links.identifiers import clean

    crowd = [person(f"w{i}", "Wang Wei", ("phone", f"+86138001380{i:02d}")) for i in range(40)]
    crowd += [person("x", "Wang Wei"), person("y", "Wang Wei"), person("z", "Wang Weii")]
    raw, _ = generate(3000, seed=11)
    synthetic = [PersonRecord(r.case, r.person, "subject", (r.name,), tuple(
        found for kind, value in (("phone", r.phone), ("email", r.email))
        if value and (found := clean(kind, value, "CN")) is not None)) for r in raw]
    compared: list[tuple[str, str]] = []
    features = link.pair_features

    def counted(a, b, archive):  # type: ignore[no-untyped-def]
        compared.append((a.record.case, b.record.case))
        return features(a, b, archive)

    monkeypatch.setattr(link, "pair_features", counted)

    def seen(matches: list) -> list:  # type: ignore[type-arg]
        return sorted((m.a.key, m.b.key, round(m.score, 9), m.reasons) for m in matches)

    for archive in (crowd, synthetic):
        compared.clear()
        pruned = seen(match_people(archive))
        fewer = set(compared)
        compared.clear()
        assert pruned == seen(match_people(archive, prune=False))
        assert fewer < set(compared)
        if archive is crowd:  # the namesakes with phones: compared only without pruning
            assert ("w0", "w1") in set(compared) - fewer
