"""The int8 model shipped in src/tipline/models/nli (skipped when it is not installed)."""

from __future__ import annotations

import pytest

from tipline.nli import load_nli_model, shipped_model_dir

pytestmark = pytest.mark.skipif(not (shipped_model_dir() / "model.onnx").exists(),
                                reason="no shipped NLI model")


def test_shipped_model_is_small_and_complete() -> None:
    folder = shipped_model_dir()
    assert (folder / "model.onnx").stat().st_size < 40_000_000  # the issue's ~40 MB budget
    assert (folder / "tokenizer.json").exists() and (folder / "config.json").exists()
    assert (folder / "MODEL_CARD.md").exists()


@pytest.mark.parametrize("pair", [
    ("A man is sleeping in his bed.", "The man is running a marathon."),
    ("He paid me 500 dollars on Monday.", "He never paid me anything."),
    ("他昨天在北京。", "他昨天不在北京。"),
])
def test_obvious_contradiction(pair: tuple[str, str]) -> None:
    model = load_nli_model()
    assert model is not None
    probs = model.predict([pair])[0]
    assert abs(sum(probs.values()) - 1.0) < 1e-6
    assert max(probs, key=probs.__getitem__) == "contradiction", probs


def test_entailment_is_not_flagged() -> None:
    model = load_nli_model()
    assert model is not None
    probs = model.predict([("A woman is playing a guitar on stage.",
                            "A woman is playing an instrument.")])[0]
    assert probs["contradiction"] < 0.5, probs
