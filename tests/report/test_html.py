"""The HTML page: hostile case text stays text, marks wrap exactly the spans, no scripts."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.report.sample import E1, S1, S2, case_mapping, full_analysis
from tipline.analysis.findings import Amount, Analysis, Finding, Span, TimelineEntry
from tipline.case import Case, case_from_mapping
from tipline.report.common import NO_FINDINGS
from tipline.report.html import render_html

SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'


class _Tags(HTMLParser):
    """Every tag and attribute the browser would see."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)


def _tags(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    return parser


def _marks(page: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", page, flags=re.S)


def _hostile_case() -> tuple[Case, Analysis]:
    text = f"Before {SCRIPT} middle {IMG} after"
    case = case_from_mapping(case_mapping(
        id=f"case{SCRIPT}", category=IMG,
        people=[{"id": "P1", "name": f"Eve{IMG}", "role": "reporter"}],
        statements=[
            {"id": "S1", "by": "P1", "setting": SCRIPT, "question": IMG, "text": text},
            {"id": "S2", "by": "P1", "text": "</textarea></style></svg><svg onload=alert(1)>"},
        ],
        evidence=[{"id": "E1", "kind": "note", "text": f"{SCRIPT}&amp;"}],
    ))
    start = text.index(SCRIPT)
    analysis = Analysis(
        case=case.id,
        findings=(
            Finding("contradiction", ("S1", "S2"), 0.9, f"because {SCRIPT}",
                    (Span("S1", start, start + len(SCRIPT)),), judge=IMG),
            Finding("evasion", ("S1",), 0.7, IMG),
            Finding(f"kind{SCRIPT}", ("E1",), 0.5, "x"),
        ),
        timeline=(
            TimelineEntry("2024-10-01", "day", ("S1",), SCRIPT, Amount(1, 2, IMG)),
            TimelineEntry(f"2024{SCRIPT}", IMG, (f"S1{IMG}",), IMG),
        ),
    )
    return case, analysis


def test_hostile_text_never_appears_raw() -> None:
    page = render_html([_hostile_case()])
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "<svg onload" not in page
    assert "&lt;script&gt;" in page
    parsed = _tags(page)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not [name for name, _ in parsed.attrs if name.startswith("on")]
    assert parsed.tags.count("svg") == 1  # our timeline, not the hostile one


def test_hostile_span_is_escaped_inside_its_mark() -> None:
    page = render_html([_hostile_case()])
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in _marks(page)


def test_marks_wrap_exactly_the_spans(case: Case, analysis: Analysis) -> None:
    marks = _marks(render_html([(case, analysis)]))
    for expected in ("I refused to give him anything", "I sold him some photographs",
                     "refused", "4,500 EUR", "I don&#39;t remember exactly",
                     "whether you are already looking into me",
                     "inside the restricted perimeter"):
        assert expected in marks
    assert not any("reported it" in m for m in marks)


def test_page_has_quotes_reasons_groups_filters_and_timeline(case: Case, analysis: Analysis
                                                             ) -> None:
    page = render_html([(case, analysis)])
    assert "Reporter implicated" in page
    for kind in ("contradiction", "evidence_conflict", "evasion", "probing",
                 "reporter_implicated"):
        assert f'class="group g-{kind}"' in page
        assert f'class="flt k-{kind}"' in page
    assert "S1 says he refused; S2 says he sold photographs." in page
    assert "When did you first meet him?" in page
    assert page.count('class="dot"') == 3
    assert "4,500 EUR" in page and "1,000–9,999 EUR" in page


def test_page_is_standalone() -> None:
    page = render_html([(case_from_mapping(case_mapping()), full_analysis())])
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)
    assert "<link" not in page and "@import" not in page
    assert page.lstrip().startswith("<!DOCTYPE html>")


def test_no_findings_and_several_cases_on_one_page() -> None:
    first = case_from_mapping(case_mapping())
    second = case_from_mapping(case_mapping(id="second-case"))
    page = render_html([(first, full_analysis()),
                        (second, Analysis(case="second-case", findings=()))])
    assert NO_FINDINGS in page
    assert 'id="case-1"' in page and 'id="case-2"' in page
    assert 'href="#case-2"' in page


def test_long_quotes_are_trimmed_with_full_text_available() -> None:
    long_text = "word " * 300 + "KEY" + " word" * 300
    start = long_text.index("KEY")
    case = case_from_mapping(case_mapping(statements=[
        {"id": "S1", "by": "P1", "text": long_text}, {"id": "S2", "by": "P1", "text": S2}]))
    finding = Finding("contradiction", ("S1", "S2"), 0.8, "r", (Span("S1", start, start + 3),))
    page = render_html([(case, Analysis(case="test-case", findings=(finding,)))])
    assert "<summary>Full text</summary>" in page
    assert _marks(page).count("KEY") == 2  # the excerpt and its full text


def test_unknown_refs_render() -> None:
    case = case_from_mapping(case_mapping())
    finding = Finding("evidence_conflict", ("S1", "E9"), 0.6, "r")
    page = render_html([(case, Analysis(case="test-case", findings=(finding,)))])
    assert "no such statement or record in this case" in page
    assert S1 in page and E1 in page


def test_weak_findings_fold_away_after_the_strongest(case: Case) -> None:
    findings = tuple(Finding("contradiction", ("S1", "S2"), 0.9 - i / 20, f"reason {i}")
                     for i in range(9))
    page = render_html([(case, Analysis(case="test-case", findings=findings))])
    assert "3 more, with lower scores</summary>" in page
    assert page.index("reason 5") < page.index("3 more") < page.index("reason 6")


def test_timeline_labels_fit_the_picture() -> None:
    from tipline.report.timeline_svg import CHAR_PX, WIDTH, _cells, layout

    entries = tuple(TimelineEntry(f"2024-0{m}", "month", ("S1",), "很长的中文描述" * 20)
                    for m in range(1, 10))
    picture = layout(entries, set())
    assert len(picture.items) == 9
    for item in picture.items:
        width = (_cells(item.label) + _cells(item.amount)) * CHAR_PX
        if item.anchor == "start":
            assert item.label_x + width <= WIDTH
        else:
            assert item.label_x - width >= 0
