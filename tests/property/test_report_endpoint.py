"""POST /api/v1/reports: any unicode text is 201 or a 4xx, never a 5xx, never echoed back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from tests.property import BOUNDED
from tipline.service.reporter.app import create_reporter_app
from tipline.service.runtime import Service

ODD = ["\x00", "\ud800", "\udfff", "\udc80x", "\x7f", "\x1b[31m", "\u202e", "\ufeff", "\u2028",
       "\x85", "\r\n", "\t", " ", "😀", "\U0010ffff", "<script>", "\\", '"', "'; drop table"]
pieces = st.characters() | st.sampled_from(ODD)


def text_of(min_size: int = 0, max_size: int = 60) -> st.SearchStrategy[str]:
    return st.lists(pieces, min_size=min_size, max_size=max_size).map("".join)


LIMIT = 50_000  # Settings.max_report_chars, which the fixtures' fast settings keep


@st.composite
def long_texts(draw: st.DrawFn) -> str:
    """Texts at and around the limit, some made of astral characters (12 JSON bytes each)."""
    unit = draw(text_of(1, 3))
    n = draw(st.sampled_from([LIMIT - 1, LIMIT, LIMIT + 1, 2 * LIMIT]))
    return (unit * n)[:n]


texts = text_of(max_size=120) | long_texts()
bodies = st.fixed_dictionaries({"text": texts}, optional={
    "channel": st.sampled_from(["web", "hotline", "\x00", "\ud800", "nope"]),
    "category": st.none() | text_of(max_size=20),
    "language": st.none() | st.sampled_from(["en", "zh", "xx", "\ud800"]),
    "identity": st.none() | st.dictionaries(text_of(max_size=5),
                                            text_of(max_size=10), max_size=2),
})


@pytest.fixture
def client(service: Service) -> TestClient:
    """Throttles opened wide: the examples come from one address, faster than any reporter."""
    for throttle in (service.submissions.client, service.submissions.overall):
        throttle.limit = 10**9
    return TestClient(create_reporter_app(service))


def post(client: TestClient, body: dict[str, Any]) -> Any:
    # json.dumps escapes lone surrogates as "\udXXX" (httpx's json= would fail to encode them)
    return client.post("/api/v1/reports", content=json.dumps(body).encode(),
                       headers={"Content-Type": "application/json"})


def check(body: dict[str, Any], r: Any) -> None:
    assert r.status_code == 201 or 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    if r.status_code == 201:
        assert set(r.json()) == {"report_id", "receipt"}
        return
    text = body["text"]
    if len(text) >= 8:  # shorter ones may be in any message by chance
        assert text not in r.text
        assert json.dumps(text)[1:-1] not in r.text


@BOUNDED
@given(body=bodies)
def test_any_report_text_is_201_or_4xx_and_never_echoed(client: TestClient,
                                                        body: dict[str, Any]) -> None:
    check(body, post(client, body))


@pytest.mark.parametrize("text", ["a\x00b", "lone \ud800 surrogate", "\udfff" * 9,
                                  "😀" * LIMIT, "x" * (LIMIT + 1), "😀" * (LIMIT + 1),
                                  " \u3000\n\t", "ok\x1b[31m"])
def test_report_text_edges(client: TestClient, text: str) -> None:
    check({"text": text}, post(client, {"text": text}))
