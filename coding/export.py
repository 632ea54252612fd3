"""Exports users take away: the units table as CSV (UTF-8 with BOM, so Excel opens it).

Every CSV clusterqda writes goes through ``write_csv``, which neutralises cells that a
spreadsheet would run as a formula (OWASP's advice on CSV injection): a text cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their full-width
forms) gets a leading apostrophe, so Excel, WPS and LibreOffice show it as text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coding.common.files import atomic_write
from coding.store import Store

UNIT_COLUMNS = [
    "unit_id",
    "doc_id",
    "cluster",
    "turn",
    "speaker",
    "is_interviewer",
    "timestamp",
    "start",
    "end",
    "text",
]


# What makes a spreadsheet read a cell as a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def neutralise(value: object) -> object:
    """Return a text cell that a spreadsheet cannot run as a formula; other values as given."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` with every text cell and header neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe


def write_csv(frame: pd.DataFrame, out: str | Path) -> None:
    """Write a DataFrame as formula-safe CSV in UTF-8 with BOM (Excel opens it), atomically."""
    with atomic_write(out, "w", encoding="utf-8-sig", newline="") as handle:
        # CRLF as RFC 4180 asks; it also makes the csv module quote a bare CR inside a cell
        safe_frame(frame).to_csv(handle, index=False, lineterminator="\r\n")


def export_units(store: Store, out: str | Path) -> int:
    """Write every unit to a CSV file; return the number of rows."""
    frame = store.units()[UNIT_COLUMNS]
    write_csv(frame, out)
    return len(frame)


def write_tables(tables: dict[str, pd.DataFrame], out: str | Path) -> list[Path]:
    """Write named tables: one sheet each in .xlsx; in .csv the first table, the others
    beside it as ``<stem>.<name>.csv``. Return the files written."""
    out = Path(out)
    if out.suffix.lower() == ".csv":
        written = []
        for i, (name, frame) in enumerate(tables.items()):
            path = out if i == 0 else out.with_name(f"{out.stem}.{name}.csv")
            write_csv(frame, path)
            written.append(path)
        return written
    from coding.common.excel import write_workbook

    write_workbook(
        out,
        [
            (
                name,
                [str(c) for c in frame.columns],
                frame.itertuples(index=False),
                [16] * len(frame.columns),
            )
            for name, frame in tables.items()
        ],
    )
    return [out]
