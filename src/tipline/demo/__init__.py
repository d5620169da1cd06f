"""The bundled demo case: read from package data, so `tipline demo` works from any install."""

from __future__ import annotations

from importlib import resources

from tipline.case import Case, parse_case

DEMO_FILE = "demo-case.yaml"


def load_demo_case() -> Case:
    """Parse the bundled case with the same loader as user files: the demo proves the path."""
    data = resources.files("tipline.demo").joinpath(DEMO_FILE).read_bytes()
    return parse_case(data, source=f"{DEMO_FILE} (bundled)", fmt="yaml")
