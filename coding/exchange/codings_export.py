"""Every stored coding as one table (CSV or xlsx), to use on its own or to check an import."""

from __future__ import annotations

from pathlib import Path

from coding.store import Store

CODING_COLUMNS = [
    "coding_id",
    "unit_id",
    "doc_id",
    "cluster",
    "code_id",
    "coder",
    "stance",
    "start",
    "end",
    "evidence",
]


def export_codings(store: Store, out: str | Path) -> int:
    """Write every coding (columns ``CODING_COLUMNS``) as .csv or .xlsx; return the rows.

    ``start`` and ``end`` are code points into the document's normalised text;
    they are empty for a person's coding of a whole unit (a coding sheet).
    """
    import pandas as pd

    from coding.export import write_tables

    # object columns keep whole numbers whole and a missing span empty, in CSV and in Excel
    frame = pd.DataFrame(
        [c[:10] for c in store.iter_codings()], columns=CODING_COLUMNS, dtype=object
    )
    write_tables({"codings": frame}, out)
    return len(frame)
