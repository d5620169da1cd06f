"""WhatsApp exports in four layouts, English and Chinese, one of 1,000 messages."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from tests.imports.makers import as_case, chat, whatsapp, write
from tipline.imports import ImportFileError, ImportOptions, import_file

EN = ("Did you send the documents?", "I'll transfer the 18,000 tomorrow",
      "Meet me at the station", "ok", "Call me")
ZH = ("文件发了吗？", "明天转你一万八", "在车站见", "好的", "给我打电话")


@pytest.mark.parametrize(("layout", "senders", "lines"), [
    ("android-gb", ("Alice Smith", "Bob"), EN),
    ("ios-us", ("Alice Smith", "+1 202 555 0143"), EN),
    ("android-zh", ("小何", "王老师"), ZH),
    ("ios-zh", ("小何", "王老师"), ZH),
])
def test_thousand_messages_give_thousand_records(tmp_path: Path, layout: str,
                                                 senders: tuple[str, ...],
                                                 lines: tuple[str, ...]) -> None:
    messages = chat(1000, senders, lines)
    path = write(tmp_path / "chat.txt", whatsapp(messages, layout))
    records = import_file("whatsapp", path)
    assert len(records) == 1000
    precision = "seconds" if layout in ("ios-us", "ios-zh") else "minutes"
    for record, m in zip(records, messages, strict=True):
        # a sender that starts with "+" (a phone number) is defused like any formula trigger
        shown = "'" + m.sender if m.sender.startswith("+") else m.sender
        assert record["fields"]["sender"] == shown
        assert record["text"] == m.text
        expected = m.at if precision == "seconds" else m.at.replace(second=0)
        assert datetime.fromisoformat(record["at"]) == expected
        assert record["kind"] == "communication"
    assert records[0]["fields"]["source_message"] == 1
    assert records[-1]["fields"]["source_message"] == 1000
    assert records[0]["fields"]["source_file"] == "chat.txt"
    case = as_case(records)
    assert len(case.evidence) == 1000 and case.evidence[0].at is not None


def test_day_month_order_is_inferred_from_the_whole_file(tmp_path: Path) -> None:
    # The first dates fit both orders; a later one (13/01) settles day/month.
    text = ("05/01/2025, 09:00 - A: first\n06/01/2025, 09:00 - B: second\n"
            "13/01/2025, 09:00 - A: third\n")
    records = import_file("whatsapp", write(tmp_path / "c.txt", text))
    assert [r["at"][:10] for r in records] == ["2025-01-05", "2025-01-06", "2025-01-13"]
    us = text.replace("05/01", "01/05").replace("06/01", "01/06").replace("13/01", "01/13")
    records = import_file("whatsapp", write(tmp_path / "u.txt", us))
    assert [r["at"][:10] for r in records] == ["2025-01-05", "2025-01-06", "2025-01-13"]


def test_ambiguous_order_follows_the_run_of_dates_or_the_option(tmp_path: Path) -> None:
    text = "01/02/2025, 09:00 - A: x\n01/03/2025, 09:00 - A: y\n01/04/2025, 09:00 - A: z\n"
    path = write(tmp_path / "c.txt", text)
    # January 2, 3, 4 runs more steadily than February 1, March 1, April 1
    assert [r["at"][:10] for r in import_file("whatsapp", path)] == [
        "2025-01-02", "2025-01-03", "2025-01-04"]
    forced = import_file("whatsapp", path, ImportOptions(date_order="dmy"))
    assert forced[1]["at"][:10] == "2025-03-01"


def test_media_system_lines_and_zip_export(tmp_path: Path) -> None:
    text = ("[04/03/2025, 21:15:02] Alice: \u200e<attached: 00000012-PHOTO-2025-03-04.jpg>\n"
            "[04/03/2025, 21:16:00] Bob: \u200eimage omitted\n"
            "[04/03/2025, 21:17:00] \u200eBob left\n")
    archive = tmp_path / "WhatsApp Chat - Alice.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_chat.txt", text)
        z.writestr("00000012-PHOTO-2025-03-04.jpg", b"\xff\xd8\xff")
    records = import_file("whatsapp", archive)
    assert len(records) == 2
    assert records[0]["fields"]["attachment"] == "00000012-PHOTO-2025-03-04.jpg"
    assert "omitted" in records[1]["fields"]["attachment"]


def test_zip_bomb_is_refused_before_it_inflates(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("_chat.txt", b"0" * 50_000_000)  # 50 MB of zeros deflate to ~50 kB
    assert archive.stat().st_size < 200_000
    with pytest.raises(ImportFileError, match="zip bomb"):
        import_file("whatsapp", archive)


def test_not_a_chat_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.txt", "shopping list\nmilk\n")
    with pytest.raises(ImportFileError) as err:
        import_file("whatsapp", path)
    assert str(err.value).startswith(f"{path}:1: not a WhatsApp chat export")


def test_impossible_date_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path / "c.txt", "31/01/2025, 09:00 - A: x\n31/02/2025, 09:00 - A: y\n")
    with pytest.raises(ImportFileError, match=r"c\.txt:2: date: .31/02/2025 09:00.: impossible"):
        import_file("whatsapp", path)
