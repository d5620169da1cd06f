"""Telegram JSON exports, e-mail (.eml with an attachment, .mbox) and cell-site records."""

from __future__ import annotations

import json
import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.imports.makers import as_case, write
from tipline.imports import ImportFileError, import_file


def _telegram(n: int) -> dict[str, object]:
    messages: list[dict[str, object]] = [
        {"id": 1, "type": "service", "date": "2025-03-01T09:59:00", "actor": "李伟",
         "action": "create_group", "text": ""}]
    for i in range(2, n + 2):
        messages.append({
            "id": i, "type": "message", "date": f"2025-03-01T10:{i % 60:02d}:00",
            "date_unixtime": "1740823800", "from": "李伟" if i % 2 else "Zhang San",
            "from_id": f"user{i % 2}",
            "text": ["Send the ", {"type": "bold", "text": "documents"}, f" tonight {i}"]
            if i % 3 else f"明天转你一万八 {i}",
            "text_entities": []})
    messages.append({"id": n + 2, "type": "message", "date": "2025-03-01T11:00:00",
                     "from": "Zhang San", "from_id": "user0", "photo": "photos/photo_1.jpg",
                     "text": "", "reply_to_message_id": 3})
    return {"name": "Work", "type": "private_group", "id": 42, "messages": messages}


def test_telegram_export(tmp_path: Path) -> None:
    path = write(tmp_path / "result.json", json.dumps(_telegram(40), ensure_ascii=False))
    records = import_file("telegram", path)
    assert len(records) == 41  # the service message is not a record
    first = records[0]
    assert first["text"] == "Send the documents tonight 2"  # formatting flattened
    assert first["fields"]["sender"] == "Zhang San" and first["at"] == "2025-03-01T10:02"
    assert first["fields"]["source_message"] == 2 and first["fields"]["source_chat"] == "Work"
    assert records[1]["fields"]["sender"] == "李伟" and records[1]["text"] == "明天转你一万八 3"
    photo = records[-1]
    assert photo["fields"]["attachment"] == "photos/photo_1.jpg"
    assert photo["fields"]["reply_to"] == 3
    as_case(records)


def test_telegram_full_account_export_and_bad_json(tmp_path: Path) -> None:
    chat = _telegram(3)
    path = write(tmp_path / "all.json", json.dumps({"about": "x", "chats": {"list": [chat]}}))
    assert len(import_file("telegram", path)) == 4
    bad = write(tmp_path / "bad.json", '{"messages": [\n{"id": 1,}\n]}')
    with pytest.raises(ImportFileError, match=r"bad\.json:2: malformed JSON"):
        import_file("telegram", bad)
    other = write(tmp_path / "other.json", '{"rows": []}')
    with pytest.raises(ImportFileError, match="not a Telegram export"):
        import_file("telegram", other)


def _mail(subject: str, body: str, date: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Li Wei <li.wei@example.com>"
    msg["To"] = "Zhang San <zhang@example.org>, finance@example.org"
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = f"<{abs(hash(subject))}@example.com>"
    msg.set_content(body)
    return msg


def test_eml_with_attachments(tmp_path: Path) -> None:
    msg = _mail("发票 Invoice 4471", "Please pay 18,000 CNY by Friday.\n请周五前付款。",
                "Tue, 04 Mar 2025 21:15:00 +0800")
    msg.add_attachment(b"%PDF-1.4\n" + b"x" * 500, maintype="application", subtype="pdf",
                       filename="invoice-4471.pdf")
    msg.add_attachment(b"\xff\xd8\xff" + b"y" * 100, maintype="image", subtype="jpeg",
                       filename="收据.jpg")
    path = write(tmp_path / "invoice.eml", bytes(msg))
    (record,) = import_file("email", path)
    assert record["at"] == "2025-03-04T21:15+08:00"
    assert record["text"].startswith("发票 Invoice 4471\n\nPlease pay 18,000 CNY by Friday.")
    fields = record["fields"]
    assert fields["from"] == "Li Wei <li.wei@example.com>"
    assert fields["to"] == "Zhang San <zhang@example.org>, finance@example.org"
    assert [(a["name"], a["type"], a["bytes"]) for a in fields["attachments"]] == [
        ("invoice-4471.pdf", "application/pdf", 509), ("收据.jpg", "image/jpeg", 103)]
    assert fields["source_message"] == 1 and fields["source_file"] == "invoice.eml"
    assert as_case([record]).evidence[0].at is not None


def test_mbox_numbers_its_messages_and_reads_html_mail(tmp_path: Path) -> None:
    path = tmp_path / "box.mbox"
    box = mailbox.mbox(str(path))
    box.add(_mail("one", "first", "Mon, 03 Mar 2025 08:00:00 +0000"))
    html = _mail("two", "", "Mon, 03 Mar 2025 09:00:00 +0000")
    html.set_content("<html><body><p>Paid &amp; done</p><script>x()</script></body></html>",
                     subtype="html")
    box.add(html)
    box.flush()
    box.close()
    records = import_file("mbox", path)
    assert [r["fields"]["source_message"] for r in records] == [1, 2]
    assert records[1]["text"] == "two\n\nPaid & done"


def test_not_an_email(tmp_path: Path) -> None:
    path = write(tmp_path / "x.eml", "\x00\x01binary")
    with pytest.raises(ImportFileError, match=r"x\.eml:1: not an e-mail message"):
        import_file("email", path)


LOCATIONS = """\
MSISDN,Start Time,Event,B Number,Cell ID,LAC,Site Name,Latitude,Longitude,Azimuth,Duration
+447700900123,04/03/2025 21:15:00,Call,+447700900456,23011,501,Harbour Road mast,\
51.50740,-0.12780,120,0:01:35
+447700900123,04/03/2025 23:40:00,SMS,,23020,501,Station Street,51.51000,-0.13000,240,
+447700900123,05/03/2025 07:02:10,Data,,23011,501,Harbour Road mast,51.50740,-0.12780,120,
"""

LOCATIONS_ZH = """\
本机号码,开始时间,业务类型,对方号码,基站号,基站地址,纬度,经度
13800138000,2025-03-04 21:15:00,主叫,13900139000,46001,浦东新区世纪大道,31.2304,121.4737
"""


def test_cell_site_records(tmp_path: Path) -> None:
    records = import_file("location-csv", write(tmp_path / "cells.csv", LOCATIONS))
    assert len(records) == 3
    first = records[0]
    assert first["kind"] == "location" and first["at"] == "2025-03-04T21:15"
    assert first["fields"]["latitude"] == 51.5074 and first["fields"]["cell_id"] == "23011"
    assert first["fields"]["duration_s"] == 95 and first["fields"]["source_row"] == 2
    assert first["text"] == ("Phone +447700900123 was served by Harbour Road mast (cell 23011) "
                             "at 51.50740, -0.12780 during call with +447700900456.")
    zh = import_file("location-csv", write(tmp_path / "zh.csv", LOCATIONS_ZH))
    assert zh[0]["fields"]["site"] == "浦东新区世纪大道"
    assert zh[0]["fields"]["longitude"] == 121.4737
    as_case(records + [dict(zh[0], id="loc-zh")])


def test_bad_coordinates_name_the_row(tmp_path: Path) -> None:
    bad = LOCATIONS.replace("51.51000", "151.51")
    path = write(tmp_path / "cells.csv", bad)
    with pytest.raises(ImportFileError) as err:
        import_file("location-csv", path)
    assert str(err.value) == f"{path}:3: coordinates: latitude 151.51 is out of range"
