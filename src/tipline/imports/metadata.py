"""Metadata removal for files a reporter uploads, before staff see them.

    from tipline.imports.metadata import strip_metadata
    clean = strip_metadata(data)          # bytes in, Stripped out
    clean.data, clean.kind, clean.removed # new bytes, "jpeg"/"png"/…/"pdf", what was found

The type is sniffed from the content, never the name. Images (JPEG, PNG, WebP, TIFF, GIF) are
re-encoded from their pixels alone (Pillow): EXIF with its GPS block, camera and serial
numbers, XMP, IPTC, comments and PNG text chunks do not survive; the EXIF orientation is
applied to the pixels first, so the picture stays upright. ICC colour profiles are kept.
PDFs (pypdf) lose their information dictionary (author, creator, producer, title, dates),
the XMP metadata streams of the document and its pages, and page-piece data; the text and
drawing stay. Anything else raises UnsupportedFile: callers should refuse or keep such files
sealed rather than show them. The original is the caller's to keep (sealed, with its SHA-256
in the audit log); this module only returns the cleaned copy and the list of what it removed,
worded for the reporter's page ("GPS position", "author")."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Any

MAX_PIXELS = 80_000_000
_IMAGE_MAGIC = {
    b"\xff\xd8\xff": "jpeg", b"\x89PNG\r\n\x1a\n": "png", b"GIF87a": "gif", b"GIF89a": "gif",
    b"II*\x00": "tiff", b"MM\x00*": "tiff",
}
_PIL_FORMAT = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "tiff": "TIFF", "webp": "WEBP"}
_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_NAMED_TAGS = {0x010F: "camera make", 0x0110: "camera model", 0x0131: "software",
               0x013B: "artist", 0x8298: "copyright", 0x0132: "date and time"}


class UnsupportedFile(ValueError):
    """Content this module cannot clean (not an image or PDF it knows, or unreadable)."""


@dataclass(frozen=True)
class Stripped:
    data: bytes
    kind: str
    removed: list[str] = field(default_factory=list)


def sniff(data: bytes) -> str | None:
    """The file's type from its first bytes: jpeg, png, gif, tiff, webp, pdf, or None."""
    for magic, kind in _IMAGE_MAGIC.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if b"%PDF-" in data[:1024]:
        return "pdf"
    return None


def strip_metadata(data: bytes) -> Stripped:
    kind = sniff(data)
    if kind == "pdf":
        return strip_pdf(data)
    if kind is not None:
        return strip_image(data, kind)
    raise UnsupportedFile("not a JPEG, PNG, GIF, TIFF, WebP image or a PDF")


def _found_in_image(image: object) -> list[str]:
    found: list[str] = []
    exif = image.getexif()  # type: ignore[attr-defined]
    if exif:
        if exif.get_ifd(_GPS_IFD) or _GPS_IFD in exif:
            found.append("GPS position")
        found.extend(name for tag, name in _NAMED_TAGS.items() if tag in exif)
        if exif.get_ifd(_EXIF_IFD):
            found.append("camera settings and serial numbers (EXIF)")
        if not found or found == ["GPS position"]:
            found.append("EXIF data")
    info = image.info  # type: ignore[attr-defined]
    if "xmp" in info or "XML:com.adobe.xmp" in info:
        found.append("XMP metadata")
    if "comment" in info:
        found.append("comment")
    if any(k not in ("dpi", "icc_profile", "transparency", "gamma", "duration", "loop",
                     "background", "exif", "xmp", "comment", "XML:com.adobe.xmp", "jfif",
                     "jfif_version", "jfif_unit", "jfif_density", "progressive",
                     "progression", "adobe", "adobe_transform", "compression", "srgb",
                     "aspect", "version", "extension", "interlace", "lossless", "chromaticity")
           and isinstance(info[k], str) for k in info):
        found.append("text notes")
    return found


def strip_image(data: bytes, kind: str) -> Stripped:
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnsupportedFile(f"over the {MAX_PIXELS:,}-pixel limit") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnsupportedFile(f"not a readable image: {exc}") from None
    removed = _found_in_image(image)
    icc = image.info.get("icc_profile")
    frames = [ImageOps.exif_transpose(frame.copy()) or frame.copy()
              for frame in ImageSequence.Iterator(image)]
    clean = []
    for frame in frames:  # pixels only: a fresh image carries no info dict or EXIF
        bare = Image.new(frame.mode, frame.size)
        bare.paste(frame)
        palette = frame.getpalette() if frame.mode == "P" else None
        if palette:
            bare.putpalette(palette)
        clean.append(bare)
    out = io.BytesIO()
    options: dict[str, object] = {}
    if icc:
        options["icc_profile"] = icc
    if kind == "jpeg":
        options["quality"] = 95
        first = clean[0].convert("RGB") if clean[0].mode not in ("RGB", "L", "CMYK") \
            else clean[0]
        first.save(out, format="JPEG", **options)
    else:
        if len(clean) > 1:
            options.update(save_all=True, append_images=clean[1:])
        clean[0].save(out, format=_PIL_FORMAT[kind], **options)
    return Stripped(out.getvalue(), kind, removed)


def strip_pdf(data: bytes) -> Stripped:
    import logging

    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError
    from pypdf.generic import NameObject

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnsupportedFile("the PDF is password-protected")
        info: dict[str, Any] = dict(reader.metadata or {})
        removed = [name for key, name in (
            ("/Author", "author"), ("/Creator", "creating program"),
            ("/Producer", "producer"), ("/Title", "title"), ("/Subject", "subject"),
            ("/Keywords", "keywords"), ("/CreationDate", "creation date"),
            ("/ModDate", "modification date")) if info.get(key)]
        removed += [f"document information {key.lstrip('/')}" for key in info
                    if key not in ("/Author", "/Creator", "/Producer", "/Title", "/Subject",
                                   "/Keywords", "/CreationDate", "/ModDate")]
        if "/Metadata" in reader.root_object:
            removed.append("XMP metadata")
        writer = PdfWriter(clone_from=reader)
    except UnsupportedFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise UnsupportedFile(f"not a readable PDF: {exc}") from None
    root = writer._root_object
    for key in ("/Metadata", "/PieceInfo"):
        if key in root:
            del root[NameObject(key)]
    for page in writer.pages:
        for key in ("/Metadata", "/PieceInfo"):
            if key in page:
                del page[NameObject(key)]
    writer.metadata = None  # no information dictionary at all, not even pypdf's Producer
    out = io.BytesIO()
    writer.write(out)
    return Stripped(out.getvalue(), "pdf", removed)
