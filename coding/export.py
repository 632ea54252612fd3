"""Exports users take away: the units table as CSV (UTF-8 with BOM, so Excel opens it)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coding.files import atomic_write
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


def write_csv(frame: pd.DataFrame, out: str | Path) -> None:
    """Write a DataFrame as CSV in UTF-8 with BOM (so Excel opens it), atomically."""
    with atomic_write(out, "w", encoding="utf-8-sig", newline="") as handle:
        frame.to_csv(handle, index=False)


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
    from coding.excel import write_workbook

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
