"""Case files: the model and the safe loader (shared/case-format.md)."""

from tipline.case.load import case_from_mapping, detect_language, load_case, parse_case
from tipline.case.model import Case, Evidence, Person, Statement

__all__ = [
    "Case", "Evidence", "Person", "Statement",
    "case_from_mapping", "detect_language", "load_case", "parse_case",
]
