"""Every CSV clusterqda writes: UTF-8 with BOM, CRLF rows, formula cells neutralised.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return (or their full-width forms) gets a leading apostrophe, as OWASP advises
against CSV injection, so Excel, WPS and LibreOffice show it as text.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coding.common.files import atomic_write

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
