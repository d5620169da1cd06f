"""Reading case files safely: size-bounded, UTF-8 only, safe YAML, errors a person can act on."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from tipline.case.model import (
    CHANNELS,
    EVIDENCE_KINDS,
    LANGUAGES,
    ROLES,
    Case,
    Evidence,
    Person,
    Statement,
)
from tipline.errors import CaseFileError

MAX_BYTES = int(os.environ.get("TIPLINE_MAX_CASE_BYTES", 20 * 1024 * 1024))
MAX_ALIASES = 1000
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def load_case(path: str | Path) -> Case:
    """Read and validate one case file; the size is checked before anything is read."""
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise CaseFileError("no such file", source=source) from None
    except OSError as exc:
        raise CaseFileError(f"cannot read: {exc.strerror}", source=source) from None
    if path.is_dir():
        raise CaseFileError("is a folder, not a case file", source=source)
    if size > MAX_BYTES:
        raise CaseFileError(
            f"file is {size:,} bytes, over the {MAX_BYTES:,}-byte limit", source=source
        )
    with path.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    fmt = "json" if path.suffix.lower() == ".json" else "yaml"
    return parse_case(data, source=source, fmt=fmt)


def parse_case(data: bytes | str, *, source: str = "<case>", fmt: str | None = None) -> Case:
    """Parse case-file bytes (YAML or JSON; JSON when `fmt` is None and it starts with '{')."""
    text = _decode(data, source) if isinstance(data, bytes) else data
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise CaseFileError(f"over the {MAX_BYTES:,}-byte limit", source=source)
    if not text.strip():
        raise CaseFileError("file is empty", source=source)
    if fmt is None:
        fmt = "json" if text.lstrip().startswith(("{", "[")) else "yaml"
    lines: dict[int, int] = {}
    if fmt == "json":
        obj = _parse_json(text, source)
    else:
        obj, lines = _parse_yaml(text, source)
    return case_from_mapping(obj, source=source, lines=lines)


def _decode(data: bytes, source: str) -> str:
    if b"\x00" in data[:8192]:
        raise CaseFileError("binary data, not a YAML or JSON text file", source=source)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CaseFileError(
            f"not UTF-8 text (bad byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
            source=source,
            line=line,
        ) from None
    return text.removeprefix("\ufeff")


def _parse_json(text: str, source: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise CaseFileError(f"duplicate key {key!r}", source=source)
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise CaseFileError(f"malformed JSON: {exc.msg}", source=source, line=exc.lineno) from None
    except RecursionError:
        raise CaseFileError("malformed JSON: nested too deeply", source=source) from None


class _CaseLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and remembers where each mapping starts."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.lines: dict[int, int] = {}

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise CaseFileError(
                    "a mapping key must be plain text", line=key_node.start_mark.line + 1
                )
            if key in seen:
                raise CaseFileError(f"duplicate key {key!r}", line=key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_case_map(self, node: yaml.MappingNode) -> Iterator[dict[Any, Any]]:
        data: dict[Any, Any] = {}
        self.lines[id(data)] = node.start_mark.line + 1
        yield data
        data.update(self.construct_mapping(node))


_CaseLoader.add_constructor("tag:yaml.org,2002:map", _CaseLoader.construct_case_map)


def _parse_yaml(text: str, source: str) -> tuple[Any, dict[int, int]]:
    _refuse_alias_bombs(text, source)
    try:
        loader = _CaseLoader(text)
    except yaml.reader.ReaderError as exc:  # the reader checks every character up front
        raise CaseFileError(f"YAML does not allow the control character U+{exc.character:04X}",
                            source=source, line=text[: exc.position].count("\n") + 1) from None
    try:
        obj = loader.get_single_data()
    except CaseFileError as exc:
        exc.source = source
        raise CaseFileError(exc.problem, source=source, line=exc.line) from None
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = exc.problem or "cannot construct value"
        if "could not determine a constructor for the tag" in problem:
            problem = f"YAML tags are not allowed ({problem.split('tag')[-1].strip()})"
        raise CaseFileError(problem, source=source, line=line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise CaseFileError(f"malformed YAML: {exc.problem}", source=source, line=line) from None
    except yaml.YAMLError as exc:
        raise CaseFileError(f"malformed YAML: {exc}", source=source) from None
    except ValueError as exc:  # impossible timestamps such as 2025-02-30
        raise CaseFileError(f"impossible date: {exc}", source=source) from None
    except RecursionError:
        raise CaseFileError("malformed YAML: nested too deeply", source=source) from None
    finally:
        loader.dispose()
    return obj, loader.lines


def _refuse_alias_bombs(text: str, source: str) -> None:
    """Aliases expand on traversal; a handful is normal, thousands is an attack."""
    if "*" not in text:
        return
    count = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                count += 1
                if count > MAX_ALIASES:
                    raise CaseFileError(
                        f"more than {MAX_ALIASES} YAML aliases; refusing a possible alias bomb",
                        source=source,
                    )
    except yaml.YAMLError:
        return  # the real parse reports it with a line number


# --- validation -------------------------------------------------------------------------------


class _Checker:
    """Turns a parsed mapping into a Case, naming file, line and field for every problem."""

    def __init__(self, source: str, lines: dict[int, int]) -> None:
        self.source = source
        self.lines = lines

    def fail(self, problem: str, field: str, where: object = None) -> CaseFileError:
        return CaseFileError(
            problem, source=self.source, line=self.lines.get(id(where)), field=field
        )

    def mapping(self, obj: Any, field: str, where: object = None) -> dict[str, Any]:
        if not isinstance(obj, dict):
            raise self.fail(f"must be a mapping, not {_kind(obj)}", field, where)
        return obj

    def text(self, obj: dict[str, Any], key: str, field: str, *, required: bool) -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                raise self.fail("is required", f"{field}.{key}".lstrip("."), obj)
            return None
        if isinstance(value, (bool, list, dict)):
            raise self.fail(f"must be text, not {_kind(value)}", f"{field}.{key}".lstrip("."), obj)
        return str(value).strip() if key != "text" else str(value)

    def moment(self, obj: dict[str, Any], key: str, field: str, *, required: bool
               ) -> tuple[datetime | None, bool]:
        value = obj.get(key)
        name = f"{field}.{key}".lstrip(".")
        if value is None:
            if required:
                raise self.fail("is required", name, obj)
            return None, False
        if isinstance(value, datetime):
            return value, False
        if isinstance(value, date):
            return datetime.combine(value, time()), True
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise self.fail(
                    f"{value!r} is not an ISO 8601 date or an impossible date", name, obj
                ) from None
            return parsed, len(value.strip()) == 10
        raise self.fail(f"must be an ISO 8601 date, not {_kind(value)}", name, obj)

    def seq(self, obj: dict[str, Any], key: str) -> list[Any]:
        value = obj.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"must be a list, not {_kind(value)}", key, obj)
        return value

    def choice(self, value: str | None, allowed: tuple[str, ...], field: str, where: object
               ) -> None:
        if value is not None and value not in allowed:
            raise self.fail(f"{value!r} is not one of {', '.join(allowed)}", field, where)


def case_from_mapping(
    obj: Any, *, source: str = "<case>", lines: dict[int, int] | None = None
) -> Case:
    """Validate a parsed case file; every problem names its field and, for YAML, its line."""
    c = _Checker(source, lines or {})
    if obj is None:
        raise CaseFileError("file is empty", source=source)
    root = c.mapping(obj, "case")
    case_id = c.text(root, "id", "", required=True)
    assert case_id is not None
    received_at, _ = c.moment(root, "received_at", "", required=True)
    assert received_at is not None
    language = c.text(root, "language", "", required=False)
    c.choice(language, LANGUAGES, "language", root)
    channel = c.text(root, "channel", "", required=False)
    c.choice(channel, CHANNELS, "channel", root)

    people: list[Person] = []
    ids: dict[str, str] = {}

    def claim(item_id: str, field: str, where: object) -> None:
        if item_id in ids:
            raise c.fail(f"id {item_id!r} is already used by {ids[item_id]}", field, where)
        ids[item_id] = field

    for i, raw in enumerate(c.seq(root, "people")):
        f = f"people[{i}]"
        p = c.mapping(raw, f, root)
        pid = c.text(p, "id", f, required=True)
        assert pid is not None
        claim(pid, f, p)
        role = c.text(p, "role", f, required=False) or "other"
        c.choice(role, ROLES, f"{f}.role", p)
        aliases = p.get("aliases") or []
        if not isinstance(aliases, list) or any(isinstance(a, (list, dict)) for a in aliases):
            raise c.fail("must be a list of names", f"{f}.aliases", p)
        people.append(Person(
            id=pid, name=c.text(p, "name", f, required=False) or "", role=role,
            aliases=tuple(str(a) for a in aliases),
            extra=_extra(p, {"id", "name", "role", "aliases"}),
        ))
    person_ids = {p.id for p in people}

    reporter = c.text(root, "reporter", "", required=False)
    if reporter is not None and person_ids and reporter not in person_ids:
        raise c.fail(f"names unknown person {reporter!r}", "reporter", root)

    raw_statements = c.seq(root, "statements")
    if not raw_statements:
        raise c.fail("is required and must list at least one statement", "statements", root)
    statements: list[Statement] = []
    for i, raw in enumerate(raw_statements):
        f = f"statements[{i}]"
        s = c.mapping(raw, f, root)
        sid = c.text(s, "id", f, required=True)
        assert sid is not None
        claim(sid, f, s)
        by = c.text(s, "by", f, required=True)
        assert by is not None
        if by not in person_ids:
            raise c.fail(f"names unknown person {by!r}", f"{f}.by", s)
        text = c.text(s, "text", f, required=True) or ""
        if not text.strip():
            raise c.fail("must not be empty", f"{f}.text", s)
        at, _ = c.moment(s, "at", f, required=False)
        statements.append(Statement(
            id=sid, by=by, text=text, at=at,
            setting=c.text(s, "setting", f, required=False),
            question=c.text(s, "question", f, required=False),
            extra=_extra(s, {"id", "by", "text", "at", "setting", "question"}),
        ))

    evidence: list[Evidence] = []
    for i, raw in enumerate(c.seq(root, "evidence")):
        f = f"evidence[{i}]"
        e = c.mapping(raw, f, root)
        eid = c.text(e, "id", f, required=True)
        assert eid is not None
        claim(eid, f, e)
        kind = c.text(e, "kind", f, required=False) or "other"
        c.choice(kind, EVIDENCE_KINDS, f"{f}.kind", e)
        fields = e.get("fields") or {}
        c.mapping(fields, f"{f}.fields", e)
        at, is_date = c.moment(e, "at", f, required=False)
        evidence.append(Evidence(
            id=eid, kind=kind, text=c.text(e, "text", f, required=True) or "", at=at,
            at_is_date=is_date, fields=_plain(fields),
            extra=_extra(e, {"id", "kind", "text", "at", "fields"}),
        ))

    all_text = " ".join(s.text for s in statements)
    return Case(
        id=case_id, received_at=received_at, statements=tuple(statements),
        people=tuple(people), evidence=tuple(evidence),
        language=language or detect_language(all_text), language_given=language is not None,
        channel=channel, category=c.text(root, "category", "", required=False),
        reporter=reporter,
        extra=_extra(root, {"id", "language", "received_at", "channel", "category", "reporter",
                            "people", "statements", "evidence"}),
    )


def detect_language(text: str) -> str:
    """'zh' when Chinese characters dominate, 'en' when Latin letters do, else 'mixed'."""
    cjk, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    if cjk == 0 or latin > 4 * cjk:
        return "en"
    if latin < cjk:
        return "zh"
    return "mixed"


def _extra(mapping: dict[str, Any], known: set[str]) -> dict[str, Any]:
    return {str(k): _plain(v) for k, v in mapping.items() if k not in known}


def _plain(value: Any) -> Any:
    """JSON-safe copy: dates become ISO text, so unknown fields survive a round trip."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number",
            bool: "true/false"}.get(type(value), type(value).__name__)
