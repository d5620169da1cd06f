"""E-mail through the standard library's `email` package: one message (.eml) or a mailbox
(.mbox, told apart by its "From " first line). Each message becomes a `communication`
record: subject and plain-text body (HTML-only mail is reduced to its text), from, to, cc,
date with its offset, Message-ID, and the attachments it carries listed by name, type and size
(their content is not imported). `source_message` numbers the messages of an mbox from 1."""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from html import unescape
from pathlib import Path
from typing import Any

from tipline.imports.base import Draft, ImportFileError, ImportOptions, check_size, read_bytes

MAX_MESSAGES = 200_000
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if part.get_content_subtype() == "html":
        content = unescape(_TAGS.sub(" ", content))
        content = re.sub(r"[ \t]+", " ", content)
    return re.sub(r"\n{3,}", "\n\n", content.replace("\r\n", "\n")).strip()


def _attachments(msg: EmailMessage) -> list[dict[str, Any]]:
    out = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)
        out.append({"name": part.get_filename() or "(unnamed)",
                    "type": part.get_content_type(),
                    "bytes": len(payload) if isinstance(payload, bytes) else 0})
    return out


def _addresses(msg: EmailMessage, header: str) -> str:
    values = [str(v) for v in msg.get_all(header, [])]
    pairs = getaddresses(values)
    return ", ".join(f"{name} <{addr}>" if name else addr for name, addr in pairs if addr)


def _draft(msg: EmailMessage, number: int, source: str) -> Draft:
    at = None
    if msg["date"]:
        try:
            at = parsedate_to_datetime(str(msg["date"]))
        except (TypeError, ValueError):
            raise ImportFileError(f"Date header {str(msg['date'])!r} is not a date",
                                  source=source, field=f"message {number}") from None
    subject = str(msg["subject"] or "").strip()
    body = _body(msg)
    attachments = _attachments(msg)
    text = f"{subject}\n\n{body}".strip() if subject else body
    if not text:
        text = "(no subject, no text)"
    sender = _addresses(msg, "from")
    fields: dict[str, Any] = {
        "from": sender, "sender": sender, "to": _addresses(msg, "to"),
        "cc": _addresses(msg, "cc"), "subject": subject,
        "message_id": str(msg["message-id"] or "").strip(),
        "attachments": attachments, "source_message": number,
    }
    return Draft(kind="communication", at=at, text=text, fields=fields)


def _parse(data: bytes) -> EmailMessage:
    return email.message_from_bytes(data, policy=email.policy.default)


def read(path: Path, opts: ImportOptions) -> Iterator[Draft]:
    source = str(path)
    check_size(path, opts.max_bytes)
    with path.open("rb") as handle:
        head = handle.read(5)
    if head == b"From ":
        box = mailbox.mbox(str(path), factory=None, create=False)
        try:
            for number, key in enumerate(box.iterkeys(), start=1):
                if number > MAX_MESSAGES:
                    raise ImportFileError(f"more than {MAX_MESSAGES:,} messages", source=source)
                yield _draft(_parse(box.get_bytes(key)), number, source)
        finally:
            box.close()
        return
    data = read_bytes(path, opts.max_bytes)
    if b"\x00" in data[:8192] or not re.match(rb"^[\x21-\x39\x3b-\x7e]+:", data.lstrip()):
        raise ImportFileError("not an e-mail message: no header line at the start (an .eml "
                              "starts with headers such as From:, an .mbox with 'From ')",
                              source=source, line=1)
    yield _draft(_parse(data), 1, source)
