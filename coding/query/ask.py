"""`matrix` as the command asks it: the tables, the correspondence map when drawn, the files.

Kept apart from ``matrix.py`` (the statistics) and ``output.py`` (the files),
which this module joins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from coding.errors import OptionError, QueryError
from coding.query.camap import CAResult
from coding.query.matrix import CodeMatrix, code_matrix
from coding.store import Store, UnitFilter


@dataclass(frozen=True)
class MatrixAnswer:
    """What `matrix` gives: the tables, the correspondence analysis (if drawn), files written."""

    matrix: CodeMatrix
    ca: CAResult | None
    written: list[Path]


def ask_matrix(
    store: Store,
    flt: UnitFilter,
    *,
    by: str = "role",
    coder: str | None = None,
    codes: list[str] | None = None,
    adjustment: str = "holm",
    out: str | Path | None = None,
    map_file: str | Path | None = None,
) -> MatrixAnswer:
    """Compute the matrix; with ``out`` write it (.csv, .xlsx, .html with the map), with
    ``map_file`` write the correspondence map (.png or .svg)."""
    from coding.common.files import atomic_write
    from coding.query.output import check_format, write_matrix

    if out is not None:
        check_format(out)
    fmt = Path(map_file).suffix.lower().lstrip(".") if map_file is not None else ""
    if map_file is not None and fmt not in ("png", "svg"):
        raise OptionError(f"{Path(map_file).name}: a map is written as .png or .svg")
    result = code_matrix(store, flt, by=by, coder=coder, codes=codes, adjustment=adjustment)
    wants_map = map_file is not None or (out is not None and Path(out).suffix.lower() == ".html")
    ca = correspondence_of(result) if wants_map else None
    written: list[Path] = []
    if map_file is not None and ca is not None:
        from coding.query.camap import map_image

        with atomic_write(map_file, "wb") as handle:
            handle.write(map_image(ca, fmt, f"编码 × {by} codes by {by}"))
        written.append(Path(map_file))
    if out is not None:
        written += write_matrix(result, out, ca)
    return MatrixAnswer(result, ca, written)


def correspondence_of(result: CodeMatrix) -> CAResult | None:
    """Return the correspondence analysis of units with each code by group, None if the
    table is too small for a plane (fewer than three codes or groups with counts)."""
    from coding.query.camap import correspondence

    table = result.crosstab.pivot(index="code", columns="group", values="with_code")
    try:
        return correspondence(table)
    except QueryError:
        return None
