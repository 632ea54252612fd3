"""Read tables of texts (CSV or xlsx) that researchers bring: survey answers, gold sets."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from coding.common.safezip import check_office_zip
from coding.errors import InputError
from coding.ingest.read import decode_bytes


def read_table(
    path: str | Path,
    sheet: str | None = None,
    encoding: str | None = None,
    required: list[str] | None = None,
) -> pd.DataFrame:
    """Read a CSV (UTF-8, BOM, GBK, Big5) or xlsx file as strings; check columns and rows."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such file", path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path, sheet)
    elif suffix in (".csv", ".txt", ".tsv"):
        text, _ = decode_bytes(path.read_bytes(), path, encoding)
        sep = "\t" if suffix == ".tsv" else ","
        try:
            frame = pd.read_csv(
                io.StringIO(text.lstrip("\ufeff")), sep=sep, dtype=str, keep_default_na=False
            )
        except pd.errors.ParserError as exc:
            raise InputError(f"not a valid CSV table ({str(exc).strip()})", path) from None
        except pd.errors.EmptyDataError:
            raise InputError("the table is empty", path) from None
    else:
        raise InputError("unsupported table type; use .csv or .xlsx", path)
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in required or [] if c not in frame.columns]
    if missing:
        names = ", ".join(f"'{m}'" for m in missing)
        raise InputError(
            f"has no column {names}; its columns are: {', '.join(frame.columns) or '(none)'}",
            path,
        )
    if frame.empty:
        raise InputError("the table has no rows", path)
    return frame


@contextmanager
def xlsx_rows(path: Path, sheet: str | None) -> Iterator[tuple[list[str], Iterator[list[str]]]]:
    """Open a workbook safely (zip guards, read-only); yield its header and its rows as text."""
    if not zipfile.is_zipfile(path):
        with path.open("rb") as handle:
            head = handle.read(200)
        hint = " (it looks like a CSV file; rename it to .csv)" if b"," in head else ""
        raise InputError(f"this .xlsx file is not an Excel workbook{hint}", path)
    check_office_zip(path, "Excel workbook", "xl/workbook.xml")
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for broken workbooks
        raise InputError(f"cannot read this workbook ({type(exc).__name__})", path) from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise InputError(f"has no sheet '{sheet}'; its sheets are: {', '.join(names)}", path)
        cells = book[sheet or names[0]].iter_rows(values_only=True)
        header = next(cells, None)
        if header is None:
            raise InputError("the sheet is empty", path)
        columns = ["" if h is None else str(h) for h in header]
        width = len(columns)

        def rows() -> Iterator[list[str]]:
            for row in cells:
                values = ["" if v is None else _cell_text(v) for v in row[:width]]
                yield values + [""] * (width - len(values))

        yield columns, rows()
    finally:
        book.close()


def _read_xlsx(path: Path, sheet: str | None) -> pd.DataFrame:
    with xlsx_rows(path, sheet) as (columns, rows):
        data = [row for row in rows if any(v != "" for v in row)]
    return pd.DataFrame(data, columns=columns, dtype=str)


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
