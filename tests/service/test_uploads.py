"""Reporter uploads: typed by content, limited while streaming, cleaned of metadata before
staff see them, the original sealed and opened only after a custodian's approval (audited with
its SHA-256). On SQLite and PostgreSQL through the service fixtures."""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator
from dataclasses import replace

from fastapi.testclient import TestClient
from PIL import Image
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from tests.service.conftest import Staff, login_page
from tipline.service.intake import uploads
from tipline.service.models import AuditEntry, CaseRecord, ReporterUpload
from tipline.service.reporter.app import create_reporter_app
from tipline.service.runtime import Service

GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    exif[GPS_IFD] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    return data


def pdf_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "Zhang Min", "/Producer": "OfficeSuite 9"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def reporter(service: Service) -> TestClient:
    return TestClient(create_reporter_app(service))


def one_case(service: Service) -> str:
    with service.database.read() as db:
        ids = list(db.scalars(select(CaseRecord.case_id)))
    assert len(ids) == 1
    return ids[0]


def cases_count(service: Service) -> int:
    with service.database.read() as db:
        return len(list(db.scalars(select(CaseRecord.id))))


def test_a_jpeg_reaches_staff_without_its_gps(service: Service, staff_client: TestClient,
                                               team: dict[str, Staff]) -> None:
    photo = jpeg_with_gps()
    r = reporter(service).post("/report", data={"text": "He took the cash at the depot."},
                               files=[("files", ("IMG_wang_fang.jpg", photo, "image/jpeg"))])
    assert r.status_code == 200, r.text
    assert 'id="receipt"' in r.text and "GPS position" in r.text and "camera make" in r.text
    case_id = one_case(service)
    login_page(staff_client, team["sue"])
    page = staff_client.get(f"/cases/{case_id}").text
    assert "Reporter&#39;s files" in page or "Reporter's files" in page
    assert "IMG_wang_fang" not in page  # the sent name is sealed with the original
    with service.database.read() as db:
        up = db.scalars(select(ReporterUpload)).one()
        att_id, name = up.attachment.id, up.attachment.filename
        assert photo not in up.sealed and up.sha256 == hashlib.sha256(photo).hexdigest()
    assert f'href="/attachments/{att_id}"' in page and name.startswith("upload-")
    got = staff_client.get(f"/attachments/{att_id}")
    assert got.status_code == 200
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["content-type"] == "application/octet-stream"
    clean = Image.open(io.BytesIO(got.content))
    assert clean.format == "JPEG" and clean.size == (64, 48)
    exif = clean.getexif()
    assert not exif.get_ifd(GPS_IFD) and GPS_IFD not in exif and 0x010F not in exif
    assert b"PhoneMaker" not in got.content


def test_a_pdf_sent_in_follow_up_loses_its_author_and_the_page_says_so(
        service: Service, staff_client: TestClient, team: dict[str, Staff]) -> None:
    c = reporter(service)
    r = c.post("/report", data={"text": "Invoices were forged."})
    receipt = r.text.split('id="receipt">')[1].split("<")[0]
    c.post("/followup", data={"receipt": receipt}, headers={"Accept-Language": "zh"})
    pdf = pdf_with_author()
    r = c.post("/followup/message", data={"text": ""}, headers={"Accept-Language": "zh"},
               files=[("files", ("invoice.pdf", pdf, "application/pdf"))])
    assert r.status_code == 200, r.text
    assert "您的文件" in r.text and "作者" in r.text and "PDF 文档" in r.text
    case_id = one_case(service)
    login_page(staff_client, team["sue"])
    with service.database.read() as db:
        att_id = db.scalars(select(ReporterUpload)).one().attachment.id
    got = staff_client.get(f"/attachments/{att_id}").content
    assert b"Zhang Min" not in got and b"OfficeSuite" not in got
    assert not (PdfReader(io.BytesIO(got)).metadata or {}).get("/Author")
    assert f'href="/attachments/{att_id}"' in staff_client.get(f"/cases/{case_id}").text


def test_a_program_renamed_jpg_is_refused_and_the_form_kept(service: Service) -> None:
    r = reporter(service).post(
        "/report", data={"text": "Keep these words.", "category": "fraud"},
        files=[("files", ("holiday.jpg", EXE, "image/jpeg"))])
    assert r.status_code == 415
    assert "Keep these words." in r.text and 'value="fraud"' in r.text
    assert "JPEG, PNG" in r.text
    assert cases_count(service) == 0


def test_an_over_limit_file_is_refused_early_with_the_form_kept(service: Service) -> None:
    service.settings = replace(service.settings, max_upload_bytes=4000,
                               max_report_upload_bytes=6000)
    c = reporter(service)
    r = c.post("/report", data={"text": "My words stay."},
               files=[("files", ("big.txt", b"a" * 5000, "text/plain"))])
    assert r.status_code == 413 and "My words stay." in r.text and "larger than" in r.text
    r = c.post("/report", data={"text": "Two files."}, files=[
        ("files", ("a.txt", b"a" * 3500, "text/plain")),
        ("files", ("b.txt", b"b" * 3500, "text/plain"))])
    assert r.status_code == 413 and "Two files." in r.text and "together" in r.text
    assert cases_count(service) == 0
    # a body larger than the whole allowance is refused from its Content-Length, unread
    r = c.post("/report", content=b"x" * 700_000, headers={
        "content-type": "multipart/form-data; boundary=zz", "Accept-Language": "en"})
    assert r.status_code == 413 and "too large to receive" in r.text


def test_the_reader_never_holds_more_than_the_limit() -> None:
    boundary = b"bnd"
    body = (b"--bnd\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhello\r\n"
            b"--bnd\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.bin\"\r\n"
            b"Content-Type: image/jpeg\r\n\r\n" + b"\xff" * 1_000_000 + b"\r\n"
            b"--bnd\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nafter\r\n--bnd--\r\n")

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(body), 8192):
            yield body[i:i + 8192]

    reader = uploads.FormReader(uploads.Limits(per_file=10_000, per_report=20_000, files=5,
                                               field_chars=1000))
    form = asyncio.run(reader.read(f"multipart/form-data; boundary={boundary.decode()}",
                                   chunks()))
    assert form.refused is not None and form.refused.code == "file_size"
    assert form.most_held <= 10_000 and form.files == []
    assert form.fields == {"text": "hello", "name": "after"}


def test_the_original_opens_only_after_a_custodian_approves_and_each_view_is_audited(
        service: Service, staff_client: TestClient, team: dict[str, Staff]) -> None:
    photo = jpeg_with_gps()
    reporter(service).post("/report", data={"text": "Photo of the meeting."},
                           files=[("files", ("meeting.jpg", photo, "image/jpeg"))])
    case_id = one_case(service)
    with service.database.read() as db:
        upload_id = db.scalars(select(ReporterUpload.id)).one()
    original = f"/cases/{case_id}/uploads/{upload_id}/original"
    csrf = login_page(staff_client, team["sue"])
    assert staff_client.get(original).status_code == 403
    staff_client.post(f"/cases/{case_id}/originals/request",
                      data={"csrf_token": csrf, "reason": "The court needs the file as sent."})
    assert staff_client.get(original).status_code == 403  # asked, not approved
    custodian = TestClient(staff_client.app)
    ccsrf = login_page(custodian, team["cus"])
    listing = custodian.get("/identity-requests").text
    assert "originals" in listing and "The court needs the file as sent." in listing
    assert custodian.get(original).status_code == 404  # the custodian sees no case content
    custodian.post("/identity-requests/1/decide", data={"csrf_token": ccsrf,
                   "decision": "approve", "reason": "Proportionate."})
    assert f'href="{original}"' in staff_client.get(f"/cases/{case_id}").text
    for _ in range(2):
        got = staff_client.get(original)
        assert got.status_code == 200 and got.content == photo
        assert got.headers["content-disposition"].startswith("attachment;")
        assert "meeting.jpg" in got.headers["content-disposition"]
    # approval for the originals does not open the identity, nor for another investigator
    ivy = TestClient(staff_client.app)
    login_page(ivy, team["ivy"])
    assert ivy.get(original).status_code == 404  # not assigned: no such case for her
    digest = hashlib.sha256(photo).hexdigest()
    with service.database.read() as db:
        entries = [(e.action, e.actor, e.detail) for e in db.scalars(select(AuditEntry).where(
            AuditEntry.action.in_(("upload.add", "upload.original.view")))
            .order_by(AuditEntry.seq))]
    assert [e[0] for e in entries] == ["upload.add", "upload.original.view",
                                       "upload.original.view"]
    assert entries[0][2]["sha256_original"] == digest
    assert all(d["sha256"] == digest and actor == "sue" for _a, actor, d in entries[1:])
