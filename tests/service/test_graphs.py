"""SVG pictures: labels escaped, highlights split correctly, edges from mentions and conflicts."""

from __future__ import annotations

from tipline.service.findings.graphs import graph_edges, highlighted, people_graph_svg, timeline_svg

CASE = {"people": [{"id": "P1", "name": "<b>He</b>", "role": "reporter"},
                   {"id": "P2", "name": "Zhao", "role": "subject"}],
        "statements": [{"id": "S1", "by": "P1", "text": "Zhao paid me."},
                       {"id": "S2", "by": "P2", "text": "I paid nobody."}],
        "evidence": [{"id": "E1", "kind": "bank_transfer", "text": "x",
                      "fields": {"to": "P1"}}]}


def test_highlight_segments() -> None:
    assert highlighted("abcdef", [(1, 3), (2, 4), (10, 12)]) == [
        ("a", False), ("bc", True), ("d", True), ("ef", False)]
    assert highlighted("abc", []) == [("abc", False)]


def test_graph_edges_and_escaping() -> None:
    analysis = {"findings": [{"kind": "contradiction", "refs": ["S1", "S2"]},
                             {"kind": "evidence_conflict", "refs": ["S2", "E1"]}]}
    edges = graph_edges(CASE, analysis)
    assert ("P1", "P2", "mentions") in edges and ("E1", "P1", "concerns") in edges
    assert ("P1", "P2", "conflicts") in edges and ("E1", "P2", "conflicts") in edges
    svg = str(people_graph_svg(CASE, analysis))
    assert "<b>" not in svg and "&lt;b&gt;He&lt;/b&gt;" in svg


def test_timeline_orders_and_escapes() -> None:
    svg = str(timeline_svg({"timeline": [
        {"at": "2025-03", "precision": "month", "refs": ["S2"], "text": "<i>later</i>"},
        {"at": "2024-11-03", "precision": "day", "refs": ["E1"], "text": "earlier",
         "amount": {"min": 1, "max": 2, "currency": "CNY"}}]}))
    assert svg.index("earlier") < svg.index("later") and "<i>" not in svg
    assert "No dated events" in str(timeline_svg({"timeline": []}))
