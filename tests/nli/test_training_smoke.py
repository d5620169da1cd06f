"""`python -m training.train --smoke` end to end: data slice -> train -> ONNX -> int8 -> load.

Needs the shared training data and the train extra (torch, transformers); skipped otherwise.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
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
