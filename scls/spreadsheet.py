"""CSV and xlsx for spreadsheets: every export goes through `write_csv` or `write_xlsx`,
which neutralise cells a spreadsheet would run as a formula.

A cell that starts with =, +, -, @ (or a tab or carriage return, which some spreadsheets
skip before looking) is prefixed with a single quote, as OWASP's CSV injection advice
says: the spreadsheet then shows the text as it is instead of running it. Plain numbers,
negative ones included, are left alone.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import BinaryIO, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def spreadsheet_safe(cell: object) -> str:
    text = "" if cell is None else str(cell)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.match(text):
        return "'" + text
    return text


def write_csv(out: TextIO, header: Iterable[object], rows: Iterable[Iterable[object]]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    writer.writerows([spreadsheet_safe(cell) for cell in row] for row in rows)


def write_xlsx(
    out: BinaryIO, title: str, header: Iterable[object], rows: Iterable[Iterable[object]]
) -> None:
    """One worksheet of text cells, neutralised as CSV's are (openpyxl would otherwise
    store a cell starting with = as a formula)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]  # Excel's limit on a sheet's name
    sheet.append([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        sheet.append([spreadsheet_safe(cell) for cell in row])
    workbook.save(out)
