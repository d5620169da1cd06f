"""Real-shaped evidence files, made by the tests: chat exports, statements, mail, PDFs, images."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tipline.case import Case, case_from_mapping


def as_case(records: list[dict[str, Any]]) -> Case:
    """The records loaded as the evidence of a case by tipline.case's own validator."""
    return case_from_mapping({
        "id": "import-test", "received_at": "2025-06-10T09:00:00+08:00",
        "people": [{"id": "P1", "name": "Reporter", "role": "reporter"}],
        "statements": [{"id": "S1", "by": "P1", "text": "I never paid anyone."}],
        "evidence": records,
    }, source="<imported>")


@dataclass
class Chat:
    sender: str
    at: datetime
    text: str


def chat(n: int, senders: tuple[str, ...], lines: tuple[str, ...], seed: int = 7,
         start: datetime = datetime(2024, 11, 3, 8, 0)) -> list[Chat]:
    rng = random.Random(seed)
    out, at = [], start
    for i in range(n):
        at += timedelta(minutes=rng.randint(1, 400))
        text = f"{rng.choice(lines)} #{i}"
        if i % 17 == 0:
            text += "\n" + rng.choice(lines)  # a multi-line message
        out.append(Chat(rng.choice(senders), at, text))
    return out


def _clock12(at: datetime, narrow: bool) -> str:
    gap = "\u202f" if narrow else " "
    return f"{at.hour % 12 or 12}:{at:%M}:{at:%S}{gap}{'AM' if at.hour < 12 else 'PM'}"


def _zh_clock(at: datetime, seconds: bool) -> str:
    part = "上午" if at.hour < 12 else "下午"
    clock = f"{at.hour % 12 or 12}:{at:%M}" + (f":{at:%S}" if seconds else "")
    return part + clock


def whatsapp(messages: list[Chat], layout: str) -> str:
    """A WhatsApp export: android-gb (d/m/y 24h), ios-us (m/d/y 12h), android-zh, ios-zh."""
    lines = []
    if layout == "android-gb":
        lines.append(f"{messages[0].at:%d/%m/%Y}, 07:59 - Messages and calls are end-to-end "
                     "encrypted. No one outside of this chat, not even WhatsApp, can read or "
                     "listen to them.")
    for m in messages:
        if layout == "android-gb":
            head = f"{m.at:%d/%m/%Y}, {m.at:%H:%M} - {m.sender}: "
        elif layout == "ios-us":
            head = (f"[{m.at.month}/{m.at.day}/{m.at:%y}, {_clock12(m.at, True)}] "
                    f"{m.sender}: ")
        elif layout == "android-zh":
            head = f"{m.at.year}/{m.at.month}/{m.at.day} {_zh_clock(m.at, False)} - {m.sender}: "
        elif layout == "ios-zh":
            day = f"{m.at.year}/{m.at.month}/{m.at.day}"
            head = f"\u200e[{day} {_zh_clock(m.at, True)}] {m.sender}: "
        else:
            raise ValueError(layout)
        lines.append(head + m.text)
    return "\n".join(lines) + "\n"


def pdf(pages: list[str], meta: dict[str, str] | None = None) -> bytes:
    """A PDF whose pages carry the given text in Helvetica (an empty string: a page without
    a text layer), with an information dictionary when `meta` is given."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    for text in pages:
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        body = "".join(f"BT /F1 12 Tf 72 {720 - 16 * i} Td ({line}) Tj ET\n"
                       for i, line in enumerate(text.splitlines()))
        stream = DecodedStreamObject()
        stream.set_data(body.encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if meta:
        writer.add_metadata(meta)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (80, 60), orientation: int | None = None) -> bytes:
    """A JPEG as a phone writes it: camera make and model, and a GPS position in EXIF."""
    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X12"
    if orientation:
        exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (31.0, 13.0, 50.4), 3: "E", 4: (121.0, 28.0, 10.2)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def write(path: Path, data: str | bytes) -> Path:
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path
