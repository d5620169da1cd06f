"""The reporter's pages in the reporter's language.

Templates carry English source strings in `_("…")`; each other language has a catalogue beside
the templates (`templates/i18n/<lang>.yaml`, English string -> translation). The language comes
from `?lang=` (remembered in a cookie), else the cookie, else the browser's Accept-Language.
A string missing from a catalogue shows in English (a test keeps the catalogues complete).
"""

from __future__ import annotations

from collections.abc import Callable
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
