"""Each judge on small hand-made pairs: it fires where the two cannot both be true, and not
where they agree."""

from __future__ import annotations

import pytest

from tipline.analysis.facts import Item, build_items
from tipline.analysis.judges import (
    polarity_judge,
    retraction_judge,
)
from tipline.case import parse_case

CASE = """\
id: judges
received_at: 2025-06-10T09:00:00+08:00
reporter: P1
people:
  - {{id: P1, name: Tom Hale, role: reporter}}
  - {{id: P2, name: Rita Vance, role: subject}}
statements:
  - {{id: S1, by: P1, text: {a!r}}}
  - {{id: S2, by: P1, text: {b!r}}}
evidence:
  - {{id: E1, kind: bank_transfer, at: 2024-12-02, text: {e!r}, fields: {{to: P1, from: P2}}}}
"""


def items(a: str, b: str, e: str = "22,000 CNY received by P1 from Rita Vance.") -> list[Item]:
    return build_items(parse_case(CASE.format(a=a, b=b, e=e)))


def case_yaml(a: str, b: str = "Nothing else.", e: str = "A record.", *,
              question: str | None = None, zh: bool = False) -> str:
    """CASE with S1 as the answer to `question`, and with Chinese names for Chinese texts."""
    text = CASE.format(a=a, b=b, e=e)
    if question is not None:
        text = text.replace("{id: S1, by: P1,", f"{{id: S1, by: P1, question: {question!r},")
    return text.replace("Rita Vance", "孙丽").replace("Tom Hale", "钱志刚") if zh else text


@pytest.mark.parametrize(("a", "b", "fires"), [
    ("I never gave Rita anything.", "I sent Rita the documents.", True),
    ("I never met Rita away from the office.", "Rita and I had dinner at the hotel.", True),
    ("Rita sent me the documents.", "I sent Rita the documents.", False),
])
def test_polarity_judge(a: str, b: str, fires: bool) -> None:
    s1, s2, _ = items(a, b)
    assert (polarity_judge(s1, s2) is not None) is fires


def test_polarity_judge_chinese() -> None:
    case = case_yaml("我从来没给过她钱。", "我给她转了五万块。", "转账五万元。", zh=True)
    s1, s2, _ = build_items(parse_case(case))
    verdict = polarity_judge(s1, s2)
    assert verdict is not None and verdict.spans[0][0] == "S1"


def test_retraction_judge_needs_same_speaker_and_admission() -> None:
    s1, s2, _ = items("I never gave Rita any documents.",
                      "I lied before. I gave Rita the documents for money.")
    verdict = retraction_judge(s1, s2)
    assert verdict is not None and verdict.score > 0.5
    s1, s2, _ = items("I never gave Rita any documents.", "I gave Rita the documents.")
    assert retraction_judge(s1, s2) is None


@pytest.mark.parametrize(("text", "lang", "acts", "denied"), [
    # A negation denies the acts of its own clause, not the whole sentence.
    ("They paid me tens of thousands, but I only ever sent them fakes.", "en",
     {"money", "give"}, {"give"}),
    ("I saw the receipts; the cash counts didn't match them.", "en", {"money"}, set()),
    ("Neither I nor anyone in my family has ever received a cent from them.", "en",
     {"money"}, {"money"}),
    # Chinese fronts the object: the whole clause counts.
    ("我当场拒绝，一分钱也没给他。", "zh", {"money", "give"}, {"money", "give"}),
    # Turning down an offer denies what was offered.
    ("He offered me money to release the containers. I turned him down flat.", "en",
     {"money"}, {"money"}),
    # ... the offer, not what happened before it: the contact stands.
    ("They contacted me online and asked me to provide documents. I refused outright.", "en",
     {"contact", "give"}, {"give"}),
])
def test_denied_acts(text: str, lang: str, acts: set[str], denied: set[str]) -> None:
    case = case_yaml(text, zh=lang == "zh")
    s1 = build_items(parse_case(case))[0]
    assert acts <= {a for s in s1.sentences for a in s.acts}
    assert s1.negated_acts == frozenset(denied)


KYLE_CASE_HEAD = """\
id: kyle
received_at: 2025-11-23T08:30:00-05:00
reporter: P1
people:
  - {id: P1, name: Sue Marsh, role: reporter}
  - {id: P2, name: Kyle Brennan, role: subject}
"""


@pytest.mark.parametrize(("sentence", "places"), [
    ("Phone records: near O'Malley's 19:40-22:59.", {"o'malley's"}),
    ("He said he'd been at O'Malley's with the guys.", {"o'malley's"}),
    ("Moving north along 9th Avenue 23:05-23:20.", {"9th avenue"}),
    ("It is in March's report.", set()),
    ("Phone location data from P1's phone near the base.", set()),  # an id's possessive
    ("Maybe earlier in the year, around Easter.", set()),  # a holiday
    ("rkeane badge in at the planning department entrance 15:31.", {"entrance"}),
    ("I did print one copy, to mark up at home.", set()),  # a purpose, not a whereabouts
    ("I went to the office, to collect the map.", {"office"}),
])
def test_places_named_by_possessive_and_without_clock_times(sentence: str,
                                                             places: set[str]) -> None:
    from tipline.analysis.places import find_places

    assert find_places([sentence], "en") == [frozenset(places)]


def test_taking_something_out_of_a_system_is_not_being_somewhere() -> None:
    case = case_yaml("No.", question="Did you take the map out of the system?")
    s1 = build_items(parse_case(case))[0]
    assert "presence" not in s1.question_acts and "take" in s1.question_acts


def test_initials_and_titles_do_not_end_a_sentence() -> None:
    from tipline.analysis.text import split_sentences

    text = "Printed from PLN-114 (R. Keane's office). Dr. Egan asked. No. Fine."
    assert [s.text for s in split_sentences(text)] == [
        "Printed from PLN-114 (R. Keane's office).", "Dr. Egan asked.", "No.", "Fine."]


def test_a_witness_answer_is_about_the_people_its_question_names() -> None:
    """"No" to "Have you met Rita away from work?" against a witness's "Yes ... they sat
    together" to "Have you seen Tom with Rita away from work?": the witness never names Tom,
    the question does."""
    case = """\
id: witness
received_at: 2025-06-10T09:00:00+08:00
reporter: P3
people:
  - {id: P1, name: Tom Hale, role: subject}
  - {id: P2, name: Rita Vance, role: other}
  - {id: P3, name: Ann Lee, role: witness}
statements:
  - {id: S1, by: P1, question: "Have you ever met Rita Vance away from work?", text: "No."}
  - {id: S2, by: P3, question: "Have you seen Tom Hale with Rita Vance away from work?",
     text: "Yes, a few times, in the hotel bar. They sat together and talked for hours."}
"""
    s1, s2 = build_items(parse_case(case))
    verdict = polarity_judge(s1, s2)
    assert verdict is not None and verdict.reason.startswith("S1 denies contact")


def test_a_records_quotation_is_not_the_record_denying() -> None:
    quote = 'Message from Rita Vance: "I never took the money." Sent to P1.'
    _, _, e1 = items("Nothing.", "Nothing else.", quote)
    assert not any(s.negated for s in e1.sentences)
    s1, _, _ = items(quote, "Nothing else.")  # a person saying it is still a negation
    assert any(s.negated for s in s1.sentences)


def test_a_home_address_is_not_being_at_home() -> None:
    _, _, e1 = items("Nothing.", "Nothing else.",
                     "Companies register: the registered office is Rita Vance's home address.")
    assert not any("presence" in s.acts for s in e1.sentences)


@pytest.mark.parametrize(("text", "negated"), [
    ("No other print or download under that code.", False),
    ("Nobody else was there.", False),
    ("Not only did she pay, she called twice.", False),
    ("Not much. A few hundred quid.", False),
    ("Not properly.", False),
    ("But like I said, that's not why I'm calling.", False),
    ("No one saw me.", True),
    ("I never printed it.", True),
])
def test_limiting_words_are_no_denial(text: str, negated: bool) -> None:
    s1 = items(text, "Nothing else.")[0]
    assert any(s.negated for s in s1.sentences) is negated


def test_act_words_are_whole_words() -> None:
    """"Calloway" is not a call, "handwritten" not handing over, "Owen" not owing."""
    s1 = items("Calloway bought handwritten notes from Owen.", "Nothing else.")[0]
    assert not s1.sentences[0].acts & {"contact", "give", "money"}
    s2 = items("I called her and handed her the notes.", "Nothing else.")[0]
    assert {"contact", "give"} <= s2.sentences[0].acts
    s3 = items("It's been like that for weeks; the broker could've been driving.",
               "Nothing else.")[0]
    assert not s3.sentences[0].acts & {"presence", "harm"}
    s4 = items("I have never been to the base.", "Nothing else.")[0]
    assert "presence" in s4.sentences[0].acts
    # idioms that name no act: taking it well, a payment going through, leaving of one's accord
    s5 = items("He didn't take it well; it went through the app; I left of my own accord.",
               "Nothing else.")[0]
    assert not s5.sentences[0].acts & {"take", "presence"}


def test_a_hedged_answer_does_not_deny_the_question() -> None:
    """"Did you see the driver?" "Not properly." is no denial of having seen him."""
    case = case_yaml("Not properly.", question="Did you see the driver?")
    s1 = build_items(parse_case(case))[0]
    assert not s1.denies_question


@pytest.mark.parametrize(("text", "acts", "not_acts"), [
    ("他打电话来，让我去支付宝里查验收结果。", {"contact"}, {"harm", "money", "take"}),
    ("她拿约束带把老人绑在床上。", {"harm", "take"}, {"contact"}),
    ("他打了老人，还收了家属的钱。", {"harm", "take", "money"}, set()),
    ("监控显示他19:05进入酒楼包间。", {"contact"}, set()),
    ("物业两次就漏水赔偿进行调解。", {"dispute"}, set()),
    ("他发微信说：“不赔三万，你家就别想安生。”", {"dispute"}, set()),
    ("他们家还把用过的针头往楼道里扔。", {"dumping"}, {"presence"}),  # throwing, not being there
    ("更没有给别人打过针。", {"harm"}, {"give"}),  # 给 before a service is "for"
    ("他把文件给了我。", {"give"}, set()),
])
def test_chinese_act_words(text: str, acts: set[str], not_acts: set[str]) -> None:
    """A character is an act only in its words: 打电话 is a call, not a blow; 验收 is an
    inspection, not taking; 支付宝 is an app; 约束 is restraint, not a meeting."""
    case = CASE.format(a=text, b="无。", e="无关记录。")
    found = build_items(parse_case(case))[0].sentences[0].acts
    assert acts <= found and not (not_acts & found)


@pytest.mark.parametrize(("text", "acts"), [
    ("G. Hollis badged out through dock door 3 at 23:51.", {"presence"}),
    ("The two families fell out over a leak and went to mediation.", {"dispute"}),
    ("He texted her: “You'll regret this.”", {"dispute"}),  # a threat is a quarrel
    ("This isn't about getting back at anyone.", {"dispute"}),  # nor revenge
    ("The plant discharges dye into the river at night.", {"dumping"}),
    ("They had dinner at a restaurant in town.", {"contact"}),
    ("Do you have any financial relationship with Rita?", {"money"}),
])
def test_english_act_words(text: str, acts: set[str]) -> None:
    assert acts <= items(text, "Nothing else.")[0].sentences[0].acts


@pytest.mark.parametrize(("text", "not_acts"), [
    ("The contract went to Brightwell Medical last autumn.", {"presence"}),  # awarded, not gone
    ("The cash takings never go through the till.", {"presence"}),  # a till, not a place
    ("The system stamps every download or print with the holder's initials.", {"give"}),
    ("I did print one copy, to mark up at home.", {"presence"}),  # what it was for
    ("I may have left it in my car at some point.", {"presence"}),  # where the thing was
    ("Do you have any financial relationship with Rita?", {"contact"}),  # money, not meeting
])
def test_english_words_that_name_no_act(text: str, not_acts: set[str]) -> None:
    assert not (not_acts & items(text, "Nothing else.")[0].sentences[0].acts)


def test_a_denial_of_borrowing_from_anyone() -> None:
    """"一分都没跟别人借" denies borrowing: 没 before 跟/和/向 negates the verb that follows."""
    case = CASE.format(a="钱全是我自己攒的，一分都没跟别人借。", b="无。", e="无关记录。")
    s1 = build_items(parse_case(case))[0]
    assert "money" in s1.negated_acts


def test_reported_words_are_neither_asserted_nor_denied() -> None:
    """"Rita told us that she never paid me" reports Rita's words: it does not deny the payment
    the speaker admits elsewhere; said by the speaker, it does."""
    s1, s2, _ = items("Rita told us that she never paid me anything.", "Rita paid me 5,000 yuan.")
    assert s1.sentences[0].reported and polarity_judge(s1, s2) is None
    s1, s2, _ = items("Rita never paid me anything.", "Rita paid me 5,000 yuan.")
    assert polarity_judge(s1, s2) is not None
    s1 = items("We told her no. Like I said, she never paid me.", "Nothing else.")[0]
    assert not any(s.reported for s in s1.sentences)  # the speaker's own words


@pytest.mark.parametrize(("text", "reported"), [
    ("他说是给马站长的。", True),
    ("他要是乱说，说是我主动送的钱，你们可不能信。", True),  # what he might say
    ("她后来告诉我，钱是周磊拿的。", True),
    ("他说服我收下了钱。", False),  # 说服 persuades, it reports nothing
    ("我把钱转给了他。", False),
])
def test_reported_words_in_chinese(text: str, reported: bool) -> None:
    s1 = build_items(parse_case(case_yaml(text, zh=True)))[0]
    assert s1.sentences[0].reported is reported


def test_a_report_of_someone_elses_conduct_is_not_refuted_by_records_of_it() -> None:
    """"Rita's cash takings never go through the till" describes Rita; a record of her cash
    takings bears it out. "I never received any cash from Rita" is the speaker's own denial."""
    record = "Spreadsheet of Rita Vance's weekly cash takings, received by P1 in 2024."
    s1, _, e1 = items("Rita's cash takings never go through the till.", "Nothing else.", record)
    assert polarity_judge(s1, e1) is None
    s1, _, e1 = items("I never received any cash from Rita.", "Nothing else.", record)
    assert polarity_judge(s1, e1) is not None
    s1, _, e1 = items("Our manager Rita never received any cash.", "Nothing else.", record)
    assert polarity_judge(s1, e1) is None


def test_an_answer_shows_contact_the_way_its_question_asks() -> None:
    """"Who were your guests at the Olive Press?" "Buyers from Kessler; I took them out to keep
    the relationship warm" is a meeting, which a record that no one from Kessler dined with
    the speaker refutes."""
    case = case_yaml(
        "Buyers from Kessler. I took them out to keep the relationship warm.", "No.",
        "Kessler Foods: none of our staff attended any dinner or meeting with Tom Hale.",
        question="Who were your guests at the Olive Press on 8 June?")
    s1, _, e1 = build_items(parse_case(case))
    assert polarity_judge(s1, e1) is not None


def test_a_denial_of_borrowing_is_refuted_by_a_loan_not_by_payments() -> None:
    """"一分都没跟别人借" against "我转进去二十多万" is no conflict; against a loan it is."""
    case = case_yaml("钱全是我自己攒的，一分都没跟别人借。", "我前前后后给孙丽转了二十多万。",
                     "借呗：4月28日向钱志刚放款50,000元。", zh=True)
    s1, s2, e1 = build_items(parse_case(case))
    assert polarity_judge(s1, s2) is None
    assert polarity_judge(s1, e1) is not None


def test_who_drove_nobody_is_not_refuted_by_going_out() -> None:
    """"Who drove your car that night?" "Nobody." denies driving, not going out for a drink;
    a record of the car being driven refutes it."""
    case = case_yaml("Nobody.", "I went for a couple of drinks after my shift.",
                     "Traffic camera: P1 driving his car north at 23:13.",
                     question="Who drove your car that night?")
    s1, s2, e1 = build_items(parse_case(case))
    assert polarity_judge(s1, s2) is None
    assert polarity_judge(s1, e1) is not None


def test_an_admission_of_going_out_does_not_take_back_a_denial_of_driving() -> None:
    """"Who drove your car?" "Nobody." is not what "Okay. I went for a couple of drinks" takes
    back; "Did you go out?" "No." is."""
    def score(question: str, answer: str) -> float:
        case = case_yaml(answer, "Okay. I went out for a couple of drinks that night.",
                         question=question)
        s1, s2, _ = build_items(parse_case(case))
        verdict = retraction_judge(s1, s2)
        return verdict.score if verdict else 0.0
    assert score("Who drove your car that night?", "Nobody.") < score(
        "Did you go out that night?", "No.")


def test_a_denial_of_hitting_is_refuted_by_a_blow_not_by_restraints() -> None:
    """"我从来没打过他" is refuted by "掌掴老人面部", not by "取约束带，约束老人四肢"."""
    case = case_yaml("我从来没打过孙丽。", "无。", "监控：钱志刚取约束带返回，约束孙丽四肢。",
                     zh=True)
    s1, _, e1 = build_items(parse_case(case))
    assert polarity_judge(s1, e1) is None
    blow = case.replace("取约束带返回，约束孙丽四肢", "两次掌掴孙丽面部")
    s1, _, e1 = build_items(parse_case(blow))
    assert polarity_judge(s1, e1) is not None


@pytest.mark.parametrize(("text", "asserts"), [
    ("周磊跟他有什么往来，我不清楚。", False),
    ("I don't know what Rita did with the money.", False),
    ("Rita gave me the money.", True),
    ("我不知道他们在说什么，但是我看见孙丽收了钱。", True),
    # telling the listener to find it out
    ("你们还是多查查孙丽收了谁的钱。", False),
    ("You should check who Rita has been paying.", False),
    ("你们查一下，孙丽收了五万块钱。", True),
    # asking for help
    ("你们先帮我把被骗的钱追回来就行。", False),
    ("Just help me get my money back.", False),
])
def test_not_knowing_the_answer_asserts_nothing(text: str, asserts: bool) -> None:
    from tipline.analysis.judges import _asserts_nothing

    s1 = items(text, "Nothing else.")[0]
    assert (not _asserts_nothing(s1.sentences[0])) is asserts


@pytest.mark.parametrize(("record", "fires"), [
    ("Expense claims by Tom Hale for client dinners, 1,240 GBP.", False),
    ("Tom Hale claimed his October trips twice: on the fuel card and as personal mileage.", True),
])
def test_a_no_to_a_question_of_doing_it_twice(record: str, fires: bool) -> None:
    """"Did you claim the trips both on the fuel card and as mileage?" "No." denies the double
    claim, not every claim: only a record of the same trips refutes it."""
    s1, _, e1 = build_items(parse_case(case_yaml(
        "No. Every trip is claimed once.", e=record,
        question="Did you claim any October trips both on the fuel card and as personal mileage?")))
    assert (polarity_judge(s1, e1) is not None) is fires


@pytest.mark.parametrize(("other", "fires"), [
    ("Some photos of the campus and made-up notes.", False),
    ("I sent Rita photographs of the naval base.", True),
])
def test_only_ever_is_refuted_by_something_else(other: str, fires: bool) -> None:
    """"I only ever sent Rita made-up material" denies sending anything else: made-up notes
    agree with it, photographs of a base do not."""
    s1, s2, _ = items("Rita paid me, but I only ever sent Rita made-up material.", other)
    assert (polarity_judge(s1, s2) is not None) is fires


CAR_CASE = KYLE_CASE_HEAD + """\
statements:
  - {id: S1, by: P2, question: "Where were you that night?", text: "At home. I didn't go out."}
  - {id: S2, by: P2, question: "Who drove your car that night?", text: "Nobody."}
evidence:
  - {id: E1, kind: registry, text: "Vehicle registration: 7KLM294, keeper Kyle Brennan."}
  - {id: E2, kind: other, text: "Traffic camera, 23:13: grey Ford Explorer 7KLM294, northbound."}
"""


def test_a_plate_stands_for_its_keepers_car_not_for_the_keeper() -> None:
    """A traffic camera that reads Kyle's plate refutes "nobody drove it", but not "I didn't go
    out": it shows his car, not who drove it."""
    s1, s2, e1, e2 = build_items(parse_case(CAR_CASE))
    assert "P2" in e1.people and e2.through == {"P2"} and "P2" not in e2.people
    assert polarity_judge(s2, e2) is not None
    assert polarity_judge(s1, e2) is None


def test_an_identifier_beside_two_people_is_no_ones() -> None:
    shared = CAR_CASE.replace("keeper Kyle Brennan", "keepers Kyle Brennan and Sue Marsh")
    assert build_items(parse_case(shared))[3].through == frozenset()


@pytest.mark.parametrize(("text", "found"), [
    ("我家楼上602的孙浩。", {"P2"}),
    ("502和602之间有没有过矛盾？", {"P1", "P2"}),
    ("您和602住户之间有没有过纠纷？", {"P2"}),
    ("他赔了602元。", set()),  # a number that counts money names no home
])
def test_a_household_is_named_by_its_door_number(text: str, found: set[str]) -> None:
    """People listed as "502室住户" and "602室住户" are named by the bare numbers too, where
    they stand for the homes."""
    case = case_yaml(text, zh=True)
    case = case.replace("role: reporter}", "role: reporter, aliases: [502室住户]}")
    case = case.replace("role: subject}", "role: subject, aliases: [602室住户]}")
    assert build_items(parse_case(case))[0].sentences[0].people == found


@pytest.mark.parametrize(("denial", "fires"), [
    ("I did print one copy, to read at home. I never handed it to anyone.", False),
    ("I never printed it and I never sent it to anyone.", True),
])
def test_a_copy_is_not_handing_it_over(denial: str, fires: bool) -> None:
    """A print log refutes "I never printed it", not "I never handed it to anyone"."""
    s1, _, e1 = build_items(parse_case(case_yaml(
        denial, e="Audit log: draft map printed by Tom Hale at 15:42.")))
    assert (polarity_judge(s1, e1) is not None) is fires


def test_an_answer_hands_over_what_its_question_asks() -> None:
    """"What did you send Rita?" "Some photos of the campus." is handing something over, which
    "I never gave Rita anything" denies."""
    s1 = items("I refused outright and never gave Rita anything.", "Nothing else.")[0]
    answer = build_items(parse_case(case_yaml(
        "Some photos of the campus, for Rita.", question="What exactly did you send Rita?")))[0]
    assert polarity_judge(s1, answer) is not None


@pytest.mark.parametrize(("earlier", "takes_back"), [
    ("Is Rita saying I took the money? What did she tell you?", False),  # asks, claims nothing
    ("I never took any money from Rita.", True),
])
def test_only_a_claim_can_be_taken_back(earlier: str, takes_back: bool) -> None:
    """An admission withdraws what the speaker claimed, not a question they asked."""
    s1, s2, _ = items(earlier, "I lied before. I admit I took the money from Rita.")
    assert (retraction_judge(s1, s2) is not None) is takes_back


def test_no_involvement_is_refuted_by_a_directorship() -> None:
    """"That's my wife's business. I've no involvement in it." against a companies register
    naming the speaker a director."""
    case = case_yaml("That's my wife's business. I've no involvement in it.",
                     e="Companies register: SF Advisory Ltd, directors Sandra Hale and Tom Hale.",
                     question="What is SF Advisory Ltd?")
    s1, _, e1 = build_items(parse_case(case))
    verdict = polarity_judge(s1, e1)
    assert verdict is not None and "part in the business" in verdict.reason


def test_never_touched_it_is_refuted_by_the_files_author() -> None:
    """"I never touched it" against a spreadsheet whose author is the speaker."""
    case = case_yaml("Rita did, on a laptop in her office. I never touched it.",
                     e="Spreadsheet from the office laptop; document properties: author "
                       "Tom Hale, last modified by Tom Hale.",
                     question="Who kept the second set of books?")
    s1, _, e1 = build_items(parse_case(case))
    verdict = polarity_judge(s1, e1)
    assert verdict is not None and "by hand" in verdict.reason


def test_a_yes_asserts_what_its_question_says() -> None:
    """"Staff say you made up the cash envelopes. Is that right?" "Yes, but on her
    instructions." asserts making them up, which "I never touched them" denies."""
    s1 = items("Rita did all that. I never touched them.", "Nothing else.")[0]
    answer = build_items(parse_case(case_yaml(
        "Yes, but on her instructions.",
        question="Staff say you made up the cash wage envelopes. Is that right?")))[0]
    assert polarity_judge(s1, answer) is not None


@pytest.mark.parametrize(("account", "fires"), [
    ("I left of my own accord. I couldn't stomach it any more.", True),
    ("They dismissed me in December.", False),  # the same account
    ("我是自己辞职的。", True),
])
def test_two_accounts_of_leaving(account: str, fires: bool) -> None:
    """"I left of my own accord" against a dismissal letter: one leaving told two ways."""
    s1, _, e1 = items(account, "Nothing else.",
                      "Dismissal letter to Tom Hale: summary dismissal for gross misconduct.")
    assert (polarity_judge(s1, e1) is not None) is fires


@pytest.mark.parametrize(("report", "fires"), [
    ("上周六晚上，孙丽的厂子偷偷往河里排废水。", False),  # a year after the inspection
    ("去年五月，孙丽的厂子偷偷往河里排废水。", True),
])
def test_a_record_that_found_nothing_speaks_of_its_own_time(report: str, fires: bool) -> None:
    record = "2024年5月检查记录：现场检查孙丽的厂子，未发现排放废水。"
    case = case_yaml(report, "无。", record, zh=True)
    s1, _, e1 = build_items(parse_case(case.replace("2025-06-10", "2025-03-18")))
    assert (polarity_judge(s1, e1) is not None) is fires


def test_a_report_that_denies_its_own_motive() -> None:
    """"This isn't about getting back at anyone" is the speaker's own denial of a grudge, which
    a threatening message from them refutes."""
    s1, _, e1 = items("I left the firm. This isn't about getting back at anyone.", "Nothing.",
                      "WhatsApp message from Tom Hale to Rita Vance: “You'll regret this.”")
    assert polarity_judge(s1, e1) is not None


@pytest.mark.parametrize(("record", "fires"), [
    ("Badge log: Tom Hale badged out through dock door 3 at 23:51 on 2 December 2024.", True),
    ("Message from Tom Hale at 07:15 on 3 December 2024: back home now.", False),  # after six
])
def test_not_leaving_until_six_is_refuted_only_before_six(record: str, fires: bool) -> None:
    s1, _, e1 = items("I didn't leave the building until I clocked out at 6:00 on 3 December.",
                      "Nothing else.", record)
    assert (polarity_judge(s1, e1) is not None) is fires


def test_fine_closing_an_answer_takes_nothing_back() -> None:
    """"Fine." opening an answer concedes ("Fine. I did print one copy"); "my finances were
    fine." does not."""
    s1, s2, _ = items("I never borrowed any money.", "No, my finances were fine.")
    assert not s2.retraction
    s1, s2, _ = items("I never printed the map.", "Fine. I did print one copy of the map.")
    assert s2.retraction and retraction_judge(s1, s2) is not None


def test_a_quote_where_the_speaker_speaks_of_themself() -> None:
    """Of two sentences that show the same act, the verdict quotes the one about the speaker."""
    s1, s2, _ = items("I never went into the restricted area.",
                      "Rita wanted photos of the radar site. I climbed through a gap in the fence.")
    verdict = polarity_judge(s1, s2)
    assert verdict is not None and "climbed through" in verdict.reason
