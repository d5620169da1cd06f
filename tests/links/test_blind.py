"""Blind indexes: sealed identities match without being decrypted."""

from __future__ import annotations

import pytest

from tipline.links.blind import (
    blind_identifiers,
    blind_index,
    blind_name,
    blind_raw,
    derive_link_key,
)
from tipline.links.extract import PersonRecord
from tipline.links.identifiers import Identifier
from tipline.links.link import match_people

IDENTITY_KEY = b"k" * 32


def test_equal_values_in_any_format_give_equal_indexes_under_one_key() -> None:
    key = derive_link_key(IDENTITY_KEY)
    assert key != IDENTITY_KEY and len(key) == 32
    one = blind_raw(key, "phone", "138 0013 8000", "CN")
    two = blind_raw(key, "phone", "+86-138-0013-8000")
    assert one is not None and one == two and one.kind == "blind:phone"
    assert "13800138000" not in one.value
    other = blind_raw(derive_link_key(b"x" * 32), "phone", "+8613800138000")
    assert other is not None and other.value != one.value
    assert blind_index(key, "phone", "+8613800138000") != blind_index(key, "email",
                                                                      "+8613800138000")
    assert blind_name(key, "张伟") & blind_name(key, "Wei ZHANG")
    with pytest.raises(ValueError):
        derive_link_key(b"short")


def test_a_sealed_reporter_matches_a_plain_subject_elsewhere() -> None:
    key = derive_link_key(IDENTITY_KEY)
    plain = PersonRecord("old", "P2", "subject", ("Robert Brown",),
                         (Identifier("phone", "+8613800138000"),))
    sealed_ids = blind_identifiers(key, [Identifier("phone", "+8613800138000")])
    sealed = PersonRecord("new", "P1", "reporter", (), sealed_ids)
    assert match_people([plain, sealed]) == []  # without the key nothing is comparable
    matches = match_people([plain, sealed], blind_key=key)
    assert len(matches) == 1 and matches[0].reasons[0].startswith("same blind:phone")
