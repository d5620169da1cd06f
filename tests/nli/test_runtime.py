"""NLIModel and load_nli_model on a tiny model the tests build (HF folder and ONNX folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tipline.nli import LABELS, NLIModelError, load_nli_model
from tipline.nli import loading as nli_loading

PAIRS = [("The man is sleeping.", "The man is running."),
         ("I refused.", "He paid me 500 dollars."),
         ("A dog.", "A cat.")]


def _check(probs: list[dict[str, float]], n: int) -> None:
    assert len(probs) == n
    for p in probs:
        assert set(p) == set(LABELS)
        assert abs(sum(p.values()) - 1.0) < 1e-6
        assert all(0.0 <= v <= 1.0 for v in p.values())


def test_onnx_folder_via_env(tiny_onnx: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_NLI_MODEL", str(tiny_onnx))
    model = load_nli_model()
    assert model is not None
    probs = model.predict(PAIRS)
    _check(probs, len(PAIRS))
    # The bias favours id 0, named "CONTRADICTION" in config.json: label order is honoured.
    assert all(max(p, key=p.__getitem__) == "contradiction" for p in probs)


def test_hf_folder_is_converted_on_load(tiny_hf: Path, tiny_onnx: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_NLI_MODEL", str(tiny_hf))
    from_hf = load_nli_model()
    from_onnx = load_nli_model(tiny_onnx)
    assert from_hf is not None and from_onnx is not None
    for a, b in zip(from_hf.predict(PAIRS), from_onnx.predict(PAIRS), strict=True):
        assert a == pytest.approx(b, abs=1e-5)


def test_batching_does_not_change_results(tiny_onnx: Path) -> None:
    model = load_nli_model(tiny_onnx)
    assert model is not None
    batched = model.predict(PAIRS, batch_size=32)
    model.cache.clear()
    single = model.predict(PAIRS, batch_size=1)
    for a, b in zip(batched, single, strict=True):
        assert a == pytest.approx(b, abs=1e-5)


def test_cache_is_keyed_by_pair(tiny_onnx: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = load_nli_model(tiny_onnx)
    assert model is not None
    first = model.predict(PAIRS + PAIRS[:1])
    assert len(model.cache) == len(PAIRS)
    calls = []
    monkeypatch.setattr(model, "_run", lambda chunk: calls.append(chunk))
    assert model.predict(list(reversed(PAIRS))) == list(reversed(first[:3]))
    assert calls == []
    assert model.predict([]) == []


def test_bad_env_path_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIPLINE_NLI_MODEL", str(tmp_path / "nowhere"))
    with pytest.raises(NLIModelError, match="does not exist"):
        load_nli_model()
    (tmp_path / "empty").mkdir()
    with pytest.raises(NLIModelError, match="no model.onnx"):
        load_nli_model(tmp_path / "empty")


def test_wrong_labels_are_rejected(tiny_onnx: Path, tmp_path: Path) -> None:
    import json
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(tiny_onnx, copy)
    cfg = json.loads((copy / "config.json").read_text())
    cfg["id2label"] = {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}
    (copy / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(NLIModelError, match="id2label"):
        load_nli_model(copy)


def test_no_model_returns_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nli_loading, "shipped_model_dir", lambda: tmp_path)
    assert load_nli_model() is None
