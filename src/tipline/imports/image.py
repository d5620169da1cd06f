"""Scanned letters and photographed documents through Tesseract OCR (Debian's tesseract-ocr
with tesseract-ocr-eng and tesseract-ocr-chi-sim). One `document` record per image (per frame
of a multi-page TIFF), `source_page` the frame. Without the tesseract program the import stops
with exit 2 and says what to install. Images over MAX_PIXELS are refused before decoding
(decompression bombs)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from tipline.imports.base import Draft, ImportFileError, ImportOptions, check_size

MAX_PIXELS = 80_000_000
MAX_FRAMES = 500
OCR_TIMEOUT_S = 300
_CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")


def tesseract() -> str | None:
    return shutil.which("tesseract")


@cache
def installed_languages() -> frozenset[str]:
    exe = tesseract()
    if not exe:
        return frozenset()
    done = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=60,
                          check=False)
    return frozenset(line.strip() for line in done.stdout.splitlines()[1:] if line.strip())


def open_image(path: Path, limit: int) -> object:
    """A Pillow image, refused when it is not an image or would decode past MAX_PIXELS."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    source = str(path)
    check_size(path, limit)
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            if image.width * image.height > MAX_PIXELS:
                raise ImportFileError(f"{image.width}x{image.height} pixels, over the "
                                      f"{MAX_PIXELS:,}-pixel limit", source=source)
            return image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImportFileError(f"over the {MAX_PIXELS:,}-pixel limit (a decompression bomb?)",
                              source=source) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImportFileError(f"not a readable image: {exc}", source=source) from None


def ocr(image_path: Path, languages: str, source: str) -> str:
    exe = tesseract()
    if not exe:
        raise ImportFileError("OCR needs Tesseract: apt-get install tesseract-ocr "
                              "tesseract-ocr-chi-sim", source=source)
    wanted = [lang for lang in languages.split("+") if lang]
    have = [lang for lang in wanted if lang in installed_languages()]
    if not have:
        raise ImportFileError(f"Tesseract has none of the languages {languages!r} installed "
                              f"(has: {', '.join(sorted(installed_languages())) or 'none'})",
                              source=source)
    try:
        done = subprocess.run([exe, str(image_path), "stdout", "-l", "+".join(have)],
                              capture_output=True, timeout=OCR_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise ImportFileError(f"OCR took over {OCR_TIMEOUT_S} s; refusing", source=source
                              ) from None
    if done.returncode != 0:
        why = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["failed"]
        raise ImportFileError(f"Tesseract failed: {why[0]}", source=source)
    return tidy(done.stdout.decode("utf-8", "replace"))


def tidy(text: str) -> str:
    """Tesseract's output with the spaces it puts between Chinese characters removed."""
    lines = [_CJK_GAP.sub("", line).rstrip() for line in text.replace("\f", "").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def read(path: Path, opts: ImportOptions) -> Iterator[Draft]:
    from PIL import ImageSequence

    source = str(path)
    image = open_image(path, opts.max_bytes)
    with tempfile.TemporaryDirectory(prefix="tipline-ocr-") as tmp:
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):  # type: ignore[arg-type]
            if number > MAX_FRAMES:
                raise ImportFileError(f"more than {MAX_FRAMES} frames", source=source)
            png = Path(tmp) / f"frame-{number}.png"
            try:
                frame.convert("RGB").save(png)
            except (OSError, ValueError) as exc:
                raise ImportFileError(f"cannot decode frame {number}: {exc}",
                                      source=source) from None
            text = ocr(png, opts.ocr_lang, source)
            if text:
                yield Draft(kind="document", text=text,
                            fields={"source_page": number, "ocr": "tesseract",
                                    "ocr_languages": opts.ocr_lang})
