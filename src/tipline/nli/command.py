"""`tipline nli --pairs FILE`: one JSON line of probabilities per `text_a<TAB>text_b` line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tipline.nli.loading import NLIModelError, load_nli_model


class PairsFileError(ValueError):
    """A pairs file that cannot be read; the message names the file and line."""


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """Pairs from a TSV file; blank lines are skipped, any other malformed line is an error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise PairsFileError(f"{path}: cannot read: {reason}") from None
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
            raise PairsFileError(f"{path}:{number}: expected text_a<TAB>text_b, "
                                 f"got {len(fields)} field(s)")
        pairs.append((fields[0].strip(), fields[1].strip()))
    return pairs


def run_pairs_command(path: Path) -> int:
    """Print one {"entailment","neutral","contradiction"} JSON line per pair; 2 on bad input."""
    try:
        pairs = read_pairs(path)
        model = load_nli_model()
    except (PairsFileError, NLIModelError) as exc:
        print(f"tipline: {exc}", file=sys.stderr)
        return 2
    if model is None:
        print("tipline: no NLI model is installed and TIPLINE_NLI_MODEL is not set",
              file=sys.stderr)
        return 2
    for probs in model.predict(pairs, batch_size=32):
        print(json.dumps(probs))
    return 0
