"""WhatsApp "Export chat" text, as phones write it (a .txt, or the .zip with _chat.txt inside).

Android:  ``31/12/2020, 21:15 - Alice: text``   ``12/31/20, 9:15 PM - Alice: text``
          ``2020/12/31 下午9:15 - 小明: 文字``
iOS:      ``[31/12/2020, 21:15:42] Alice: text``  ``[2020/12/31 下午9:15:42] 小明: 文字``

The day/month order is inferred from all the dates in the file (dates.infer_order). A line
that does not start a message continues the one before (multi-line messages). Lines without
"sender: " after the header are system notices (encryption, group changes) and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tipline.imports.base import (
    Draft,
    ImportFileError,
    ImportOptions,
    decode_text,
    note,
    read_bytes,
    zip_member,
)
from tipline.imports.dates import DateProblem, date_part, infer_order, parse_moment

_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"
_DATE = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\.?|\d{4}年\d{1,2}月\d{1,2}日"
_TIME = (r"(?:上午|下午|中午|晚上|凌晨|早上)?\s*\d{1,2}[:.]\d{2}(?:[:.]\d{2})?"
         r"(?:[\s\u202f\u00a0]*(?:[AaPp]\.?\s?[Mm]\.?|上午|下午))?")
_IOS = re.compile(rf"^\[(?P<date>{_DATE}),?\s*(?P<time>{_TIME})\]\s(?P<rest>.*)$")
_ANDROID = re.compile(rf"^(?P<date>{_DATE}),?\s*(?P<time>{_TIME})\s[-–]\s(?P<rest>.*)$")
_SENDER = re.compile(r"^(?P<sender>[^:]{1,80}?):\s(?P<text>.*)$", re.S)
_ATTACHED = re.compile(r"<(?:attached|附件)[:：]\s*(?P<name>[^>]+)>|"
                       r"(?P<name2>\S+\.\w{2,4}) \((?:file attached|文件已附上|附件)\)")
_OMITTED = re.compile(r"^<?(?:Media omitted|media omitted|image omitted|video omitted|"
                      r"audio omitted|document omitted|sticker omitted|GIF omitted|"
                      r"媒体文件已省略|图片已省略|省略影音|视频已省略|音频已省略)>?$")


@dataclass
class _Message:
    line: int
    date: str
    time: str
    rest: list[str] = field(default_factory=list)


def _chat_member(names: list[str]) -> str | None:
    texts = [n for n in names if n.lower().endswith(".txt") and not n.startswith("__MACOSX")]
    chat = [n for n in texts if n.rsplit("/", 1)[-1] == "_chat.txt"]
    found = chat or texts
    return found[0] if found else None


def load_text(path: Path, limit: int) -> str:
    source = str(path)
    data = read_bytes(path, limit) if not _is_zip(path) else zip_member(
        path, limit, _chat_member)[1]
    return decode_text(data, source)


def _is_zip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _split(text: str, source: str) -> list[_Message]:
    messages: list[_Message] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip(_MARKS)
        m = _IOS.match(line) or _ANDROID.match(line)
        if m:
            messages.append(_Message(number, m.group("date"), m.group("time"),
                                     [m.group("rest").lstrip(_MARKS)]))
        elif messages:
            messages[-1].rest.append(raw.strip(_MARKS))
        elif line.strip():
            raise ImportFileError("not a WhatsApp chat export: the first line has no "
                                  "date, time and sender", source=source, line=number)
    if not messages:
        raise ImportFileError("not a WhatsApp chat export: no messages found", source=source)
    return messages


def read(path: Path, opts: ImportOptions) -> Iterator[Draft]:
    source = str(path)
    messages = _split(load_text(path, opts.max_bytes), source)
    order = opts.date_order
    if order is None:
        try:
            order, ambiguous = infer_order([date_part(m.date) for m in messages])
        except DateProblem as exc:
            raise ImportFileError(f"{exc}; give --date-order", source=source) from None
        if ambiguous:
            note(f"{source}: every date fits both day/month and month/day order; read as "
                 f"{order} (give --date-order to choose)")
    number = 0
    for msg in messages:
        body = "\n".join(msg.rest).rstrip()
        m = _SENDER.match(body)
        if not m:
            continue  # a system notice: encryption, someone joined or left
        number += 1
        try:
            at = parse_moment(f"{msg.date} {msg.time}", order)
        except DateProblem as exc:
            raise ImportFileError(str(exc), source=source, line=msg.line,
                                  field="date") from None
        text = m.group("text").strip(_MARKS)
        fields: dict[str, object] = {"sender": m.group("sender").strip(_MARKS).strip()}
        attached = _ATTACHED.search(text)
        if attached:
            fields["attachment"] = (attached.group("name") or attached.group("name2")).strip()
        elif _OMITTED.match(text.strip()):
            fields["attachment"] = "(media omitted from the export)"
        fields["source_message"] = number
        fields["source_line"] = msg.line
        yield Draft(kind="communication", at=at, text=text, fields=fields)
    if number == 0:
        raise ImportFileError("no messages with a sender found", source=source)
