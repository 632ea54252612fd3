"""Writing Excel workbooks safely: text is always a text cell, never a formula."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from coding.common.files import atomic_write

HEADER_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")


def cell(sheet: WriteOnlyWorksheet, value: object, *, bold: bool = False, wrap: bool = False):
    """Return a write-only cell; strings are stored as text even if they start with '='."""
    if value is None or (isinstance(value, float) and value != value):
        value = None
    c = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        c.data_type = "s"  # openpyxl would otherwise take '=…' as a formula
    if bold:
        c.font = HEADER_FONT
    if wrap:
        c.alignment = WRAP
    return c


def write_workbook(
    path: str | Path,
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[object]], Sequence[int]]],
) -> None:
    """Write sheets (name, header, rows, column widths) to an .xlsx file atomically."""
    book = Workbook(write_only=True)
    for name, header, rows, widths in sheets:
        sheet = book.create_sheet(title=name[:31])
        for i, width in enumerate(widths):
            sheet.column_dimensions[_column(i)].width = width
        sheet.freeze_panes = "A2"
        sheet.append([cell(sheet, h, bold=True) for h in header])
        for row in rows:
            sheet.append([cell(sheet, v, wrap=isinstance(v, str) and len(v) > 20) for v in row])
    with atomic_write(path, "wb") as handle:
        book.save(handle)


def _column(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
