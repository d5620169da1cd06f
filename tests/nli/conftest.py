"""A tiny cross-encoder built by the tests themselves (random weights, fixed classifier bias)."""

from __future__ import annotations

from pathlib import Path

import pytest

WORDS = ["the", "man", "woman", "is", "not", "sleeping", "running", "paid", "me", "never",
         "a", "dog", "cat", "500", "dollars", "i", "refused", "he", "she", "photos"]


def build_tiny_hf(folder: Path) -> Path:
    """Save a 2-layer BERT classifier whose bias makes 'contradiction' (id 0) win."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    vocab = {t: i for i, t in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *WORDS])}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]")
    config = transformers.BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, num_labels=3,
        id2label={0: "CONTRADICTION", 1: "entailment", 2: "neutral"},
        label2id={"CONTRADICTION": 0, "entailment": 1, "neutral": 2})
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.mul_(0.01)
        model.classifier.bias.copy_(torch.tensor([3.0, 0.0, -1.0]))
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(folder))
    fast.save_pretrained(str(folder))
    return folder


@pytest.fixture(scope="session")
def tiny_hf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_hf(tmp_path_factory.mktemp("tiny") / "hf")


@pytest.fixture(scope="session")
def tiny_onnx(tiny_hf: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tipline.nli.convert import export_hf_to_onnx

    out = tmp_path_factory.mktemp("tiny") / "onnx"
    export_hf_to_onnx(tiny_hf, out)
    return out


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Conversions land in the test's tmp folder, not the user's ~/.cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("TIPLINE_NLI_MODEL", raising=False)
