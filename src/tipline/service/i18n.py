"""Both apps' pages in the reader's language (the reporter's pages and the staff's).

Templates carry English source strings in `_("…")`; each other language has a catalogue beside
the templates (`templates/i18n/<lang>.yaml`, English string -> translation). The language comes
from `?lang=` (remembered in a cookie), else the cookie, else the browser's Accept-Language.
A string missing from a catalogue shows in English (a test keeps the catalogues complete).

Domain values shown to staff (statuses, roles, finding kinds …) are codes, not English prose:
`term("role", "investigator")` looks up `"role:investigator"` and shows the code (underscores
as spaces) where the catalogue has none, so one code can mean two things in two groups (a
person's role "subject", a PDF's "subject" field). Forms keep posting the codes. Messages the
server makes with values in them ("a received case cannot move to 'closed'") are translated
by their pattern (`said`), the values kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from starlette.requests import Request

LANGS = ("en", "zh")
CATALOGUES = Path(__file__).parent / "templates" / "i18n"
COOKIE = "lang"


@cache
def catalogue(lang: str) -> dict[str, str]:
    path = CATALOGUES / f"{lang}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}


def gettext(lang: str) -> Callable[..., str]:
    """`_("text")` or `_("at most {n} characters", n=50000)` in `lang`."""
    table = catalogue(lang)

    def _(text: str, **values: Any) -> str:
        out = table.get(text) or text
        return out.format(**values) if values else out
    return _


def N_(text: str) -> str:
    """Marks an English string for the catalogue where it is made (an exception's message);
    it is translated where it is shown."""
    return text


def terms(lang: str) -> Callable[..., str]:
    """`term(group, code)` in `lang`: the catalogue's `"group:code"`, else `default`, else the
    code with its underscores as spaces."""
    table = catalogue(lang)

    def term(group: str, code: str | None, default: str | None = None) -> str:
        if code is None or code == "":
            return ""
        return table.get(f"{group}:{code}") or default or str(code).replace("_", " ")
    return term


@cache
def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)"
                              for i, p in enumerate(parts)), re.S)


def said(lang: str, message: str, patterns: Iterable[str] = ()) -> str:
    """A server's message in `lang`: the catalogue's translation of the message itself, or of
    the first of `patterns` (English templates with `{name}` fields, longest first) it is made
    from, with the values it carries (a `{status}` or `{role}` shown as its term); any other
    message as it is."""
    table = catalogue(lang)
    if message in table:
        return table[message]
    for template in patterns:
        found = _pattern(template).fullmatch(message)
        if found and template in table:  # a field named as a term group shows the term
            return table[template].format(**{k: table.get(f"{k}:{v}", v)
                                             for k, v in found.groupdict().items()})
    return message


def words(request: Request) -> Callable[..., str]:
    """`_` for this request's language."""
    return gettext(choose(request))


def choose(request: Request) -> str:
    """The page language: an explicit ?lang=, the remembered one, or the browser's first
    supported one (weights honoured); English otherwise."""
    for wanted in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if wanted in LANGS:
            return wanted
    ranked = []
    for i, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        ranked.append((-weight, i, tag.split("-")[0].lower()))
    return next((tag for _w, _i, tag in sorted(ranked) if tag in LANGS), "en")
