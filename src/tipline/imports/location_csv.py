"""Cell-site and location records CSV, as carriers and phone extractions write them: a time
column and either coordinates (latitude/longitude) or a cell (cell id, site, address), with the
subscriber's number, the event (call, SMS, data), its other party and duration when present.
Headers are matched by name (English and Chinese); each row becomes a `location` record with
`source_row` the line of the file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tipline.imports.base import Draft, ImportFileError, ImportOptions, decode_text, read_bytes
from tipline.imports.csv_rows import norm_header, read_rows, sniff_delimiter
from tipline.imports.dates import DateProblem, date_part, infer_order, parse_moment

HEADERS: dict[str, set[str]] = {
    "time": {"time", "timestamp", "date/time", "datetime", "date time", "start time",
             "start", "event time", "utc time", "local time", "时间", "开始时间", "通话时间",
             "日期时间", "时间戳"},
    "date": {"date", "日期"},
    "latitude": {"latitude", "lat", "纬度"},
    "longitude": {"longitude", "lon", "lng", "long", "经度"},
    "cell": {"cell id", "cell", "cellid", "ci", "cgi", "ecgi", "cell identity", "基站",
             "小区", "基站号", "小区号", "基站编号"},
    "lac": {"lac", "tac", "位置区", "位置区码"},
    "site": {"site", "site name", "tower", "address", "location", "place", "sector",
             "基站地址", "地址", "位置", "地点"},
    "subscriber": {"msisdn", "number", "phone", "phone number", "subscriber", "a number",
                   "a-number", "calling number", "本机号码", "号码", "用户号码"},
    "event": {"event", "type", "event type", "call type", "service", "类型", "事件", "业务类型",
              "通话类型"},
    "other_party": {"other party", "b number", "b-number", "called number", "other number",
                    "对方号码", "对端号码"},
    "duration": {"duration", "duration (s)", "seconds", "时长", "通话时长"},
    "accuracy": {"accuracy", "accuracy (m)", "radius", "radius (m)", "precision", "精度"},
    "imei": {"imei"},
    "azimuth": {"azimuth", "bearing", "方位角"},
}
HEADER_SCAN = 40


def _columns(row: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        key = norm_header(cell)
        for role, names in HEADERS.items():
            if role not in found and key in names:
                found[role] = i
                break
    return found


def _find_header(rows: list[tuple[int, list[str]]], source: str) -> tuple[int, dict[str, int]]:
    for head, (_, row) in enumerate(rows[:HEADER_SCAN]):
        cols = _columns(row)
        if ("time" in cols or "date" in cols) and (
                {"latitude", "longitude"} <= set(cols) or "cell" in cols or "site" in cols):
            return head, cols
    raise ImportFileError("no header row with a time column and coordinates (latitude, "
                          "longitude) or a cell / site column in the first "
                          f"{HEADER_SCAN} lines", source=source)


def _float(text: str, what: str, low: float, high: float) -> float:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(f"{text!r} is not a {what}") from None
    if not low <= value <= high:
        raise ValueError(f"{what} {value} is out of range")
    return value


def _seconds(text: str) -> int | str:
    """A duration as whole seconds where it is "95" or "0:01:35"; else kept as written."""
    if text.isdigit():
        return int(text)
    m = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{2})", text)
    return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + int(m.group(3)) if m else text


def read(path: Path, opts: ImportOptions) -> Iterator[Draft]:
    source = str(path)
    text = decode_text(read_bytes(path, opts.max_bytes), source)
    rows = read_rows(text, sniff_delimiter(text), source)
    head, cols = _find_header(rows, source)
    body = [(line, r) for line, r in rows[head + 1:] if any(r)]

    def cell(r: list[str], role: str) -> str:
        i = cols.get(role)
        return r[i] if i is not None and i < len(r) else ""

    def when(r: list[str]) -> str:
        both = f"{cell(r, 'date')} {cell(r, 'time')}".strip()
        return both if "date" in cols and "time" in cols else cell(r, "time") or both

    order = opts.date_order
    if order is None:
        try:
            order, _ = infer_order([date_part(when(r)) for _, r in body if when(r)])
        except DateProblem as exc:
            raise ImportFileError(f"time: {exc}; give --date-order", source=source) from None
    for line, r in body:
        try:
            at = parse_moment(when(r), order)
        except DateProblem as exc:
            raise ImportFileError(str(exc), source=source, line=line, field="time") from None
        try:
            lat = _float(cell(r, "latitude"), "latitude", -90, 90) if cell(r, "latitude") else None
            lon = (_float(cell(r, "longitude"), "longitude", -180, 180)
                   if cell(r, "longitude") else None)
        except ValueError as exc:
            raise ImportFileError(str(exc), source=source, line=line,
                                  field="coordinates") from None
        if (lat is None) != (lon is None):
            raise ImportFileError("has a latitude without a longitude or the reverse",
                                  source=source, line=line, field="coordinates")
        cell_id, site = cell(r, "cell"), cell(r, "site")
        if lat is None and not cell_id and not site:
            raise ImportFileError("has neither coordinates nor a cell or site", source=source,
                                  line=line)
        who = cell(r, "subscriber")
        event = cell(r, "event")
        place = " ".join(p for p in (
            site, f"(cell {cell_id})" if cell_id else "",
            f"at {lat:.5f}, {lon:.5f}" if lat is not None and lon is not None else "") if p)
        phone = f"Phone {who}" if who else "The phone"
        parts = [f"{phone} was served by {place}" if cell_id or site
                 else f"{phone} was located at {place.removeprefix('at ')}"]
        if event:
            other = cell(r, "other_party")
            said = event if event.isupper() else event.lower()
            parts.append(f"during {said}" + (f" with {other}" if other else ""))
        fields: dict[str, Any] = {
            "latitude": lat, "longitude": lon, "cell_id": cell_id, "lac": cell(r, "lac"),
            "site": site, "subscriber": who, "event": event,
            "other_party": cell(r, "other_party"), "duration_s": _seconds(cell(r, "duration")),
            "accuracy_m": cell(r, "accuracy"), "imei": cell(r, "imei"),
            "azimuth": cell(r, "azimuth"), "source_row": line,
        }
        yield Draft(kind="location", at=at, text=re.sub(r"\s+", " ", " ".join(parts)) + ".",
                    fields=fields)
