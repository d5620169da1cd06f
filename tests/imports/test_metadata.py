"""Metadata removal: a phone photo loses its GPS position, a PDF its author and producer."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from tests.imports.makers import jpeg_with_gps, pdf
from tipline.imports.metadata import UnsupportedFile, sniff, strip_metadata

GPS = 0x8825


def test_jpeg_loses_exif_gps_and_camera() -> None:
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS)  # the fixture carries GPS
    clean = strip_metadata(data)
    assert clean.kind == "jpeg"
    assert clean.removed[:3] == ["GPS position", "camera make", "camera model"]
    out = Image.open(io.BytesIO(clean.data))
    assert out.format == "JPEG" and out.size == (80, 60)
    assert not out.getexif() and not out.getexif().get_ifd(GPS)
    assert b"Exif" not in clean.data and b"PhoneMaker" not in clean.data
    assert out.getpixel((10, 30))[2] > 150 and out.getpixel((70, 30))[0] > 150  # same picture


def test_orientation_is_applied_before_exif_goes() -> None:
    clean = strip_metadata(jpeg_with_gps((80, 60), orientation=6))  # "rotate 90° to view"
    assert Image.open(io.BytesIO(clean.data)).size == (60, 80)


def test_png_text_chunks_go() -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Reporter Name")
    buf = io.BytesIO()
    Image.new("RGB", (10, 10), "white").save(buf, "PNG", pnginfo=info)
    clean = strip_metadata(buf.getvalue())
    assert clean.kind == "png" and "text notes" in clean.removed
    assert b"Reporter Name" not in clean.data


def test_pdf_loses_author_and_producer_keeps_text() -> None:
    data = pdf(["Meeting notes, 3 March"], {"/Author": "Reporter Name",
                                            "/Producer": "OfficeSuite 7 (serial 88812)",
                                            "/Creator": "Writer", "/Title": "notes"})
    assert PdfReader(io.BytesIO(data)).metadata["/Author"] == "Reporter Name"
    clean = strip_metadata(data)
    assert clean.kind == "pdf"
    assert {"author", "producer", "creating program", "title"} <= set(clean.removed)
    reader = PdfReader(io.BytesIO(clean.data))
    assert not reader.metadata  # no information dictionary at all
    assert b"Reporter Name" not in clean.data and b"88812" not in clean.data
    assert reader.pages[0].extract_text() == "Meeting notes, 3 March"


def test_type_comes_from_content_not_name() -> None:
    assert sniff(jpeg_with_gps()) == "jpeg"
    assert sniff(b"%PDF-1.7\n...") == "pdf"
    with pytest.raises(UnsupportedFile):
        strip_metadata(b"MZ\x90\x00 an executable renamed photo.jpg")
    with pytest.raises(UnsupportedFile):
        strip_metadata(b"\xff\xd8\xff truncated jpeg")


def test_polyglot_jpeg_with_a_zip_appended_comes_out_as_the_picture_only() -> None:
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    polyglot = jpeg_with_gps() + archive.getvalue()  # opens as a JPEG and as a zip
    clean = strip_metadata(polyglot)
    assert clean.kind == "jpeg"
    assert b"PK\x03\x04" not in clean.data and b"payload.html" not in clean.data
    assert Image.open(io.BytesIO(clean.data)).size == (80, 60)
