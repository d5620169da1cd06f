"""Bank statement CSV: a saved profile (bank_profiles.yaml, or --profiles FILE) maps columns to
roles, or the header row is found and mapped by its names (English and Chinese).

Every transaction becomes one `bank_transfer` record: `fields.amount` signed (negative is
money out of the account), `direction` debit/credit, `currency` an ISO code, plus description,
counterparty, balance and reference; `source_row` is the line of the file (header included).
The text says the same in a sentence the analyzer's amount reader understands:
"Debit of 1,250.00 GBP: CARD PAYMENT ACME LTD", "支出1250.00元：转账"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from tipline.imports.base import (
    Draft,
    ImportFileError,
    ImportOptions,
    decode_text,
    note,
    read_bytes,
)
from tipline.imports.csv_rows import norm_header, read_rows, sniff_delimiter
from tipline.imports.dates import DateProblem, date_part, infer_order, parse_moment

ROLES = ("date", "time", "description", "amount", "debit", "credit", "direction", "currency",
         "balance", "counterparty", "reference")
HEADER_SCAN = 40
CURRENCY_WORDS = {
    "£": "GBP", "$": "USD", "us$": "USD", "€": "EUR", "¥": "CNY", "￥": "CNY", "hk$": "HKD",
    "rmb": "CNY", "人民币": "CNY", "美元": "USD", "英镑": "GBP", "欧元": "EUR", "港币": "HKD",
    "港元": "HKD", "日元": "JPY", "元": "CNY",
}
ZH_CURRENCY = {"CNY": "元", "USD": "美元", "GBP": "英镑", "EUR": "欧元", "HKD": "港元",
               "JPY": "日元"}
_DEBIT_WORDS = {"d", "dr", "debit", "s", "soll", "out", "借", "支", "支出", "借方", "-"}
_CREDIT_WORDS = {"c", "cr", "credit", "h", "haben", "in", "贷", "收", "收入", "贷方", "+"}
_CJK = re.compile(r"[\u4e00-\u9fff]")


@cache
def builtin() -> dict[str, Any]:
    text = files("tipline.imports").joinpath("bank_profiles.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def load_profiles(path: Path | None) -> dict[str, Any]:
    profiles = dict(builtin()["profiles"])
    if path is None:
        return profiles
    source = str(path)
    data = read_bytes(path, 1024 * 1024)
    try:
        extra = yaml.safe_load(decode_text(data, source))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ImportFileError(f"malformed YAML: {getattr(exc, 'problem', exc)}", source=source,
                              line=mark.line + 1 if mark else None) from None
    if not isinstance(extra, dict) or not isinstance(extra.get("profiles"), dict):
        raise ImportFileError("must be a mapping with a 'profiles' mapping", source=source)
    for name, spec in extra["profiles"].items():
        if not isinstance(spec, dict) or not isinstance(spec.get("columns"), dict):
            raise ImportFileError("needs a 'columns' mapping", source=source,
                                  field=f"profiles.{name}")
        unknown = set(spec["columns"]) - set(ROLES)
        if unknown:
            raise ImportFileError(f"unknown roles {sorted(unknown)}; roles are "
                                  f"{', '.join(ROLES)}", source=source,
                                  field=f"profiles.{name}.columns")
        profiles[str(name)] = spec
    return profiles


def _auto_columns(header: list[str]) -> dict[str, int]:
    names = {role: {norm_header(n) for n in ns} for role, ns in builtin()["headers"].items()}
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = norm_header(cell)
        for role in ROLES:
            if role not in found and key in names.get(role, ()):
                found[role] = i
                break
    return found


def _profile_columns(header: list[str], spec: dict[str, Any]) -> dict[str, int] | None:
    index = {norm_header(c): i for i, c in enumerate(header)}
    found: dict[str, int] = {}
    for role, name in spec["columns"].items():
        alternatives = [norm_header(str(a)) for a in (name if isinstance(name, list) else [name])]
        hit = next((index[a] for a in alternatives if a in index), None)
        if hit is None:
            if role == "date":
                return None
            continue
        found[role] = hit
    return found


def _usable(cols: dict[str, int]) -> bool:
    return "date" in cols and bool({"amount", "debit", "credit"} & set(cols))


def _find_header(rows: list[tuple[int, list[str]]], spec: dict[str, Any] | None, source: str
                 ) -> tuple[int, dict[str, int]]:
    for pos, (_, row) in enumerate(rows[:HEADER_SCAN]):
        cols = _profile_columns(row, spec) if spec else _auto_columns(row)
        if cols and _usable(cols):
            return pos, cols
    if spec:
        wanted = ", ".join(map(str, spec["columns"].values()))
        raise ImportFileError(f"no header row with the profile's columns ({wanted}) in the "
                              f"first {HEADER_SCAN} lines", source=source)
    raise ImportFileError(
        f"no header row with a date column and an amount (or debit/credit) column in the first "
        f"{HEADER_SCAN} lines; name the columns in a profile (--profiles FILE --profile NAME)",
        source=source)


def currency_code(text: str) -> str | None:
    word = text.strip().lower()
    if re.fullmatch(r"[a-z]{3}", word):
        return word.upper()
    return CURRENCY_WORDS.get(word)


_SYMBOL = re.compile(r"US\$|HK\$|[£$€¥￥]|\b[A-Z]{3}\b|人民币|美元|英镑|欧元|港币|港元|元")


def _decimal_style(cells: list[str]) -> str:
    comma = dot = 0
    for cell in cells:
        digits = re.sub(r"[^\d.,]", "", cell)
        if "," in digits and "." in digits:
            if digits.rfind(",") > digits.rfind("."):
                comma += 1
            else:
                dot += 1
        elif re.search(r",\d{1,2}$", digits):
            comma += 1
        elif re.search(r"\.\d{1,2}$", digits) or re.search(r"\.\d{4,}$", digits):
            dot += 1
    return "," if comma > dot else "."


def parse_amount(cell: str, decimal: str) -> tuple[Decimal, str | None, int]:
    """(unsigned-or-signed value, currency found in the cell, sign hint from CR/DR marks)."""
    text = cell.strip().replace("\u2212", "-").replace("\u00a0", " ")
    currency = None
    m = _SYMBOL.search(text)
    if m:
        currency = currency_code(m.group(0))
        text = (text[:m.start()] + text[m.end():]).strip()
    hint = 0
    mark = re.search(r"\s*\b(CR|DR|Cr|Dr|cr|dr)\.?$", text)
    if mark:
        hint = 1 if mark.group(1).lower() == "cr" else -1
        text = text[:mark.start()].strip()
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1].strip()
    if text.endswith("-"):
        negative, text = True, text[:-1].strip()
    if text.startswith(("-", "+")):
        negative, text = text[0] == "-", text[1:].strip()
    thousands = "." if decimal == "," else ","
    text = text.replace(" ", "").replace("'", "").replace(thousands, "")
    if decimal == ",":
        text = text.replace(",", ".")
    if not re.fullmatch(r"\d+(?:\.\d+)?|\.\d+", text):
        raise ValueError(f"{cell!r} is not an amount")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{cell!r} is not an amount") from None
    return (-value if negative else value), currency, hint


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _money(value: Decimal, currency: str | None, zh: bool) -> str:
    if zh:
        unit = ZH_CURRENCY.get(currency or "", f" {currency}" if currency else "")
        return f"{abs(value):.2f}{unit}"
    return f"{abs(value):,.2f}" + (f" {currency}" if currency else "")


def read(path: Path, opts: ImportOptions) -> Iterator[Draft]:
    source = str(path)
    text = decode_text(read_bytes(path, opts.max_bytes), source)
    spec: dict[str, Any] | None = None
    if opts.profile:
        profiles = load_profiles(opts.profiles)
        if opts.profile not in profiles:
            raise ImportFileError(f"no profile {opts.profile!r}; saved profiles: "
                                  f"{', '.join(sorted(profiles))}", source="--profile")
        spec = profiles[opts.profile]
    elif opts.profiles:
        raise ImportFileError("--profiles needs --profile NAME", source=str(opts.profiles))
    spec = spec or {}
    rows = read_rows(text, spec.get("delimiter") or sniff_delimiter(text), source)
    head, cols = _find_header(rows, spec if spec.get("columns") else None, source)
    header = rows[head][1]
    body = [(line, row) for line, row in rows[head + 1:] if any(row)]

    def cell(row: list[str], role: str) -> str:
        i = cols.get(role)
        return row[i] if i is not None and i < len(row) else ""

    zh = bool(_CJK.search(" ".join(header)))
    fmt = spec.get("date_format")
    order = opts.date_order
    if order is None and not fmt:
        try:
            order, ambiguous = infer_order([date_part(cell(r, "date")) for _, r in body
                                            if cell(r, "date")])
        except DateProblem as exc:
            raise ImportFileError(f"date: {exc}; give --date-order", source=source) from None
        if ambiguous:
            note(f"{source}: every date fits both day/month and month/day order; read as "
                 f"{order} (give --date-order to choose)")
    money_cells = [cell(r, k) for _, r in body for k in ("amount", "debit", "credit", "balance")
                   if cell(r, k)]
    decimal = str(spec.get("decimal") or _decimal_style(money_cells))
    default_currency = opts.currency or spec.get("currency")
    invert = bool(spec.get("invert"))
    marks = (_DEBIT_WORDS | {str(w).lower() for w in spec.get("debit_words") or ()},
             _CREDIT_WORDS | {str(w).lower() for w in spec.get("credit_words") or ()})
    skipped = 0
    for line, row in body:
        raw_date = cell(row, "date")
        if raw_date and cell(row, "time") and not fmt:
            raw_date = f"{raw_date} {cell(row, 'time')}"
        if not raw_date:
            skipped += 1
            continue
        try:
            at: date | datetime = (datetime.strptime(raw_date, fmt) if fmt
                                   else parse_moment(raw_date, order or "dmy"))
        except (DateProblem, ValueError) as exc:
            raise ImportFileError(str(exc), source=source, line=line, field="date") from None
        try:
            amount, currency, direction = _amount(row, cell, decimal, invert, marks)
            balance = (parse_amount(cell(row, "balance"), decimal)[0]
                       if cell(row, "balance") else None)
        except ValueError as exc:
            raise ImportFileError(str(exc), source=source, line=line, field="amount") from None
        if amount is None:
            skipped += 1
            continue
        currency = (currency_code(cell(row, "currency")) if cell(row, "currency") else None
                    ) or currency or default_currency
        description = cell(row, "description")
        counterparty = cell(row, "counterparty")
        debit = direction < 0
        if zh:
            words = f"{'支出' if debit else '收入'}{_money(amount, currency, True)}"
            tail = f"（对方：{counterparty}）" if counterparty else ""
            sentence = f"{words}：{description}{tail}" if description else words + tail
        else:
            words = f"{'Debit' if debit else 'Credit'} of {_money(amount, currency, False)}"
            tail = (f" ({'to' if debit else 'from'} {counterparty})"
                    if counterparty and counterparty.lower() not in description.lower() else "")
            sentence = f"{words}: {description}{tail}" if description else words + tail
        fields: dict[str, Any] = {
            "amount": _number(amount), "currency": currency,
            "direction": "debit" if debit else "credit", "description": description,
            "counterparty": counterparty,
            ("to" if debit else "from"): counterparty,
            "balance": _number(balance) if balance is not None else None,
            "reference": cell(row, "reference"), "source_row": line,
        }
        yield Draft(kind="bank_transfer", at=at, text=sentence, fields=fields)
    if skipped:
        note(f"{source}: skipped {skipped} rows without a date or an amount "
             "(totals, opening or closing balances)")


def _amount(row: list[str], cell: Any, decimal: str, invert: bool,
            marks: tuple[set[str], set[str]]) -> tuple[Decimal | None, str | None, int]:
    """The signed amount (negative = money out), a currency seen in the cell, the direction."""
    currency = None
    if cell(row, "debit") or cell(row, "credit"):
        out = parse_amount(cell(row, "debit"), decimal) if cell(row, "debit") else None
        into = parse_amount(cell(row, "credit"), decimal) if cell(row, "credit") else None
        if out and out[0] != 0:
            value, currency = -abs(out[0]), out[1]
        elif into and into[0] != 0:
            value, currency = abs(into[0]), into[1]
        else:
            return None, None, 0
    elif cell(row, "amount"):
        value, currency, hint = parse_amount(cell(row, "amount"), decimal)
        word = cell(row, "direction").strip().lower().rstrip(".")
        if word in marks[0] or hint < 0:
            value = -abs(value)
        elif word in marks[1] or hint > 0:
            value = abs(value)
        elif word:
            raise ValueError(f"direction {word!r} is neither debit nor credit")
        elif invert:
            value = -value
    else:
        return None, None, 0
    return value, currency, -1 if value < 0 else 1
