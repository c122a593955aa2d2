"""Writing one table into an XLSX sheet (openpyxl write-only mode) and a CSV member of a ZIP,
row by row, so memory stays bounded. Text from users is defused: a spreadsheet never reads it
as a formula."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# CSV/XLSX cells starting with these are formulas to a spreadsheet: user text is defused.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?\d+")  # a phone number (validated at input) stays as it is
# Characters XML (so XLSX) cannot hold.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Table:
    name: str
    headers: tuple[str, ...]
    rows: Callable[[], AsyncIterator[Sequence[Any]]]


async def write_table(table: Table, workbook: Any, archive: zipfile.ZipFile) -> int:
    """One table into its sheet and its CSV, row by row; returns the number of data rows."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(table.name)
    sheet.freeze_panes = "A2"
    for index, header in enumerate(table.headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(header)
    bold = Font(bold=True)
    header_cells = []
    for header in table.headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    # UTF-8 with a byte order mark, so Excel reads accents right; comma-separated.
    with (
        archive.open(f"{table.name.lower()}.csv", "w") as raw,
        io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text,
    ):
        writer = csv.writer(text)
        writer.writerow(table.headers)
        async for row in table.rows():
            sheet.append([_xlsx_cell(sheet, value) for value in row])
            writer.writerow([_csv_value(value) for value in row])
            count += 1
    return count


def _width(header: str) -> float:
    if header.endswith("_at"):
        return 18
    if header in ("zone", "name", "team", "note", "place", "topics"):
        return 28
    return max(8, len(header) + 2)


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    value = ILLEGAL.sub("", value)
    if not value.startswith("="):  # openpyxl stores any other text as text
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # text, not the formula it looks like
    return cell


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and value.startswith(FORMULA_START):
        if PLAIN_NUMBER.fullmatch(value):
            return value
        return "'" + value
    return value
