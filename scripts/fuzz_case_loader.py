"""Coverage-guided fuzzing of the case loader with atheris (not a dependency; pip install it).

    PYTHONPATH=src .venv/bin/python scripts/fuzz_case_loader.py -max_total_time=300

Any exception other than CaseFileError (a refusal that names its problem) is a finding: atheris
stops and writes the input to crash-<hash>, which `parse_case(open(path, "rb").read())`
replays. Arguments after the script are libFuzzer's (-max_total_time, -jobs, a corpus folder).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from tipline.case import parse_case
    from tipline.errors import CaseFileError


def one_input(data: bytes) -> None:
    for fmt in (None, "json", "yaml"):
        try:
            parse_case(data, source="fuzz", fmt=fmt)
        except CaseFileError as exc:
            if not exc.problem.strip():
                raise AssertionError(f"a refusal without a problem: {exc!r}") from None


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
