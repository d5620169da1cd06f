"""Cross-case links: identifiers and names out of each case, matched across the archive."""

from tipline.links.blind import blind_identifiers, blind_index, blind_name, derive_link_key
from tipline.links.extract import (
    CaseRecords,
    Mention,
    PersonRecord,
    extract,
    records_from_json,
    records_to_json,
)
from tipline.links.identifiers import Identifier, clean, find_in_text, mask_card
from tipline.links.link import CaseLink, PersonMatch, link_cases, match_people
from tipline.links.names import NameForms, name_forms

__all__ = [
    "CaseLink", "CaseRecords", "Identifier", "Mention", "NameForms", "PersonMatch",
    "PersonRecord", "blind_identifiers", "blind_index", "blind_name", "clean",
    "derive_link_key", "extract", "find_in_text", "link_cases", "mask_card", "match_people",
    "name_forms", "records_from_json", "records_to_json",
]
