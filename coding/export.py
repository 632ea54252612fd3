"""Exports users take away: the units table, and named tables as CSV or xlsx.

Every CSV goes through ``common/csvfile.write_csv`` (formula cells neutralised).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from coding.common.csvfile import write_csv
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


def export_units(store: Store, out: str | Path, anonymize: bool = False) -> int:
    """Write every unit to a CSV file; return the number of rows.

    With ``anonymize`` the text and speaker carry the same pseudonyms as the
    reports (the key goes to the project's private folder, not beside ``out``).
    """
    frame = store.units()[UNIT_COLUMNS]
    if anonymize:
        from coding.anonymize import project_pseudonyms, write_key

        names = project_pseudonyms(store)
        frame = frame.assign(
            text=frame["text"].map(names.apply),
            speaker=frame["speaker"].map(lambda s: names.apply(s) if isinstance(s, str) else s),
        )
        write_key(names, store)
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
