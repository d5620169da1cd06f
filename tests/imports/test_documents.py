"""PDF text layers and scanned letters through OCR (skipped where Tesseract is absent)."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from tests.imports.makers import as_case, pdf, write
from tipline.imports import ImportFileError, import_file
from tipline.imports.image import installed_languages

LETTER_EN = ("Invoice 4471: 18,000 CNY paid to Li Wei on 3 March 2025.\n"
             "Payment received in cash at the Harbour Road office.")


def test_pdf_text_layer_one_record_per_page(tmp_path: Path) -> None:
    path = write(tmp_path / "invoice.pdf", pdf([LETTER_EN, "", "Second page: signed, J. Smith"],
                                               {"/Author": "Li Wei", "/Title": "Invoice 4471"}))
    records = import_file("pdf", path)
    assert [r["fields"]["source_page"] for r in records] == [1, 3]  # page 2 has no text
    assert records[0]["text"] == LETTER_EN
    assert records[0]["kind"] == "document" and "at" not in records[0]
    assert records[0]["fields"]["document_author"] == "Li Wei"
    assert records[0]["fields"]["pages"] == 3
    as_case(records)


def test_broken_pdf_is_one_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50)
    with pytest.raises(ImportFileError, match=r"broken\.pdf: not a readable PDF"):
        import_file("pdf", path)


def test_image_without_tesseract_or_not_an_image(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    png = tmp_path / "scan.png"
    Image.new("RGB", (50, 20), "white").save(png)
    monkeypatch.setattr("tipline.imports.image.tesseract", lambda: None)
    with pytest.raises(ImportFileError, match="OCR needs Tesseract: apt-get install"):
        import_file("image", png)
    with pytest.raises(ImportFileError, match="not a readable image"):
        import_file("image", write(tmp_path / "fake.png", b"\x89PNG\r\n\x1a\nnope"))


def test_decompression_bomb_image_is_refused(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "bomb.png"
    Image.new("1", (12_000, 12_000)).save(path)  # 144 Mpixel of nothing: a few kB on disk
    assert path.stat().st_size < 100_000
    with pytest.raises(ImportFileError, match="pixel limit"):
        import_file("image", path)


def _cjk_font() -> str | None:
    for candidate in ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                      "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                      "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"):
        if Path(candidate).exists():
            return candidate
    return None


LETTER_ZH = ["举报信", "二零二四年十一月三日，王某从境外账户", "向何某转账一万八千元人民币。",
             "十二月他们在车站附近见面两次，", "何某交给对方一个文件袋。",
             "我愿意配合调查，请为我保密。"]


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract-ocr not installed")
def test_scanned_chinese_letter_recovers_most_characters(tmp_path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    font_path = _cjk_font()
    if font_path is None or "chi_sim" not in installed_languages():
        pytest.skip("no CJK font or no tesseract-ocr-chi-sim")
    font = ImageFont.truetype(font_path, 40)
    image = Image.new("L", (1400, 120 + 70 * len(LETTER_ZH)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(LETTER_ZH):
        draw.text((80, 60 + 70 * i), line, font=font, fill=0)
    path = tmp_path / "letter.png"
    image.save(path, dpi=(300, 300))
    (record,) = import_file("image", path)
    expected = "".join(LETTER_ZH)
    got = "".join(record["text"].split())
    matched = sum(b.size for b in difflib.SequenceMatcher(None, expected, got,
                                                          autojunk=False).get_matching_blocks())
    assert matched / len(expected) >= 0.95, record["text"]
    assert record["kind"] == "document" and record["fields"]["source_page"] == 1
