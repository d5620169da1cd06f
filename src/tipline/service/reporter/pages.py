"""How a reporter's page is shown: in their language, the form as posted (fields and files,
read with limits), and refusals said in words a reporter understands."""

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse

from tipline.service import i18n
from tipline.service.intake import reports, uploads
from tipline.service.web import render
from tipline.service.webdeps import service_of

# Where a page reached by a POST lives, for its language links (a link is a GET).
GET_PAGE = {"/report": "/", "/followup": "/followup", "/followup/message": "/followup"}


async def posted(request: Request) -> uploads.ParsedForm:
    """The form's fields and files, read as they stream in (see uploads.FormReader);
    a plain urlencoded form has no files."""
    settings = service_of(request).settings
    limits = uploads.Limits(per_file=settings.max_upload_bytes,
                            per_report=settings.max_report_upload_bytes,
                            files=settings.max_upload_files,
                            field_chars=settings.max_report_chars)
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        try:
            return await uploads.FormReader(limits).read(ctype, request.stream())
        except uploads.UploadRefused as exc:
            return uploads.ParsedForm(refused=exc)
        except Exception:  # a malformed multipart body (python-multipart's errors)
            raise HTTPException(400, "malformed form") from None
    form = await request.form()
    return uploads.ParsedForm(fields={k: v for k, v in form.items() if isinstance(v, str)})


Posted = Annotated[uploads.ParsedForm, Depends(posted)]


def page(request: Request, name: str, status_code: int = 200, **context: Any
         ) -> HTMLResponse:
    """A page in the reporter's language; an explicit ?lang= is remembered for a year."""
    lang = i18n.choose(request)
    here = request.url.path if request.method == "GET" else GET_PAGE.get(
        request.url.path, "/")
    resp = render(request, name, status_code=status_code, lang=lang, here=here,
                  _=i18n.gettext(lang), **context)
    if request.query_params.get("lang") in i18n.LANGS:
        resp.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, httponly=True,
                        samesite="lax", secure=service_of(request).settings.secure_cookies)
    return resp


def too_large_page(request: Request) -> HTMLResponse:
    """A form too large to read: its text cannot be shown back, so say how to get it."""
    settings = service_of(request).settings
    _ = i18n.words(request)
    return page(request, "reporter/home.html", status_code=413, form={}, error=_(
        "That is too large to receive: at most {n} characters of text and {m} MB of files. Nothing was sent; your browser's Back button returns to your text.",  # noqa: E501
        n=settings.max_report_chars, m=settings.max_report_upload_bytes // 2**20))


def upload_said(request: Request, exc: uploads.UploadRefused) -> tuple[int, str]:
    """A refused file, said in the reporter's language, and the answer's status."""
    settings = service_of(request).settings
    _ = i18n.words(request)
    if exc.code == "type":
        return 415, _("We accept only photos (JPEG, PNG), PDF documents and plain text files; a file you chose is none of these. Nothing was sent: your text is kept below; please choose your files again.")  # noqa: E501
    if exc.code == "count":
        return 413, _("At most {n} files can be sent at once. Nothing was sent: your text is kept below; please choose your files again.", n=settings.max_upload_files)  # noqa: E501
    if exc.code == "file_size":
        return 413, _("A file is larger than {n} MB. Nothing was sent: your text is kept below; please choose smaller files.", n=settings.max_upload_bytes // 2**20)  # noqa: E501
    return 413, _("The files of one report may together be at most {n} MB. Nothing was sent: your text is kept below; please choose fewer or smaller files.", n=settings.max_report_upload_bytes // 2**20)  # noqa: E501


def files_said(request: Request, rows: list[uploads.ReporterUpload]
               ) -> list[dict[str, Any]]:
    """Each file the reporter sent, and what was removed from it, in their language."""
    _ = i18n.words(request)
    words = {"GPS position": _("GPS position"), "camera make": _("camera make"),
             "camera model": _("camera model"), "software": _("software"),
             "artist": _("artist"), "copyright": _("copyright"),
             "date and time": _("date and time"),
             "camera settings and serial numbers (EXIF)": _(
                 "camera settings and serial numbers (EXIF)"),
             "EXIF data": _("EXIF data"), "XMP metadata": _("XMP metadata"),
             "comment": _("comment"), "text notes": _("text notes"),
             "author": _("author"), "creating program": _("creating program"),
             "producer": _("producer"), "title": _("title"), "subject": _("subject"),
             "keywords": _("keywords"), "creation date": _("creation date"),
             "modification date": _("modification date"),
             "JPEG image": _("JPEG image"), "PNG image": _("PNG image"),
             "PDF document": _("PDF document"), "plain text": _("plain text")}
    out = []
    for up in rows:
        d = uploads.describe(up)
        out.append({**d, "kind": words.get(d["kind"], d["kind"]),
                    "removed": [words.get(w, w) for w in d["removed"]]})
    return out


def said(request: Request, exc: reports.ReportError) -> str:
    """A refused text, said in the reporter's language."""
    _ = i18n.words(request)
    if exc.limit:
        return _("That is too long: at most {n} characters.", n=exc.limit)
    if exc.code == "unstorable":
        return _("The text contains a character that cannot be stored; please remove it and send again.")  # noqa: E501
    if exc.code == "closed":
        return _("This case is closed, so messages can no longer be sent on it. To tell us something new, please make a new report.")  # noqa: E501
    return _("Please write what happened.")
