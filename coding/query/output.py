"""Query results as files, chosen by extension: .csv, .xlsx or one self-contained .html page.

CSV goes through ``common/csvfile.write_csv`` (formula cells neutralised),
xlsx through ``export.write_tables`` (text cells are never formulas), HTML
through Jinja2 with autoescape always on; the only markup made in code is
``Markup`` built from escaped parts (``<mark>`` around evidence) and the SVG
charts of ``report/charts.py``, which escape their labels.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coding.errors import OptionError

if TYPE_CHECKING:
    import pandas as pd
    from jinja2 import Environment

    from coding.query.camap import CAResult
    from coding.query.matrix import CodeMatrix

FORMATS = (".csv", ".xlsx", ".html")
TEMPLATES = Path(__file__).parent / "templates"
# Adjusted residuals beyond ±1.96 stand out at the 5% level; colour grows to ±4.
RESIDUAL_CUT = 1.96
RESIDUAL_FULL = 4.0


def check_format(out: str | Path) -> str:
    """Return the output format of a file name; refuse what the queries do not write."""
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        raise OptionError(f"{Path(out).name}: write .csv, .xlsx or .html")
    return suffix


@lru_cache(maxsize=1)
def _env() -> Environment:
    from jinja2 import Environment, FileSystemLoader

    # Always on: select_autoescape() would leave a .j2 name unescaped.
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return (
            f"{value:.4g}"
            if abs(value) < 1e-3 and value
            else f"{value:.3f}".rstrip("0").rstrip(".")
        )
    return str(value)


def table_section(frame: pd.DataFrame, heading: str = "", kinds: dict | None = None) -> dict:
    """Return a table for the page: text cells, numbers right-aligned."""
    import pandas as pd

    kinds = kinds or {}
    classes = [
        kinds.get(c, "num" if pd.api.types.is_numeric_dtype(frame[c]) else "")
        for c in frame.columns
    ]
    rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    return {
        "kind": "table",
        "heading": heading,
        "columns": list(frame.columns),
        "rows": rows,
        "classes": classes,
    }


def write_page(
    out: str | Path, title: str, sections: list[dict], notes: Sequence[str] = ()
) -> Path:
    """Write one self-contained HTML page of sections (tables, segments, charts, images)."""
    from coding.common.files import atomic_write

    html = (
        _env()
        .get_template("query.html.j2")
        .render(title=title, sections=sections, notes=list(notes))
    )
    with atomic_write(out, "w", encoding="utf-8") as handle:
        handle.write(html)
    return Path(out)


def write_concordance(
    hits: pd.DataFrame | Sequence[tuple], out: str | Path, pattern: str
) -> list[Path]:
    """Write a concordance (a frame or ``search.Hit`` rows): the table as CSV/xlsx, or
    aligned lines in HTML."""
    import pandas as pd

    from coding.query.search import CONCORDANCE_COLUMNS

    frame = (
        hits if isinstance(hits, pd.DataFrame) else pd.DataFrame(hits, columns=CONCORDANCE_COLUMNS)
    )
    if check_format(out) != ".html":
        from coding.export import write_tables

        return write_tables({"concordance": frame}, out)
    kinds = {"left": "left", "hit": "hit", "right": "right"}
    section = table_section(frame, kinds=kinds)
    return [write_page(out, f"检索 Concordance: {pattern}", [section], [f"{len(frame)} 处 hits"])]


def evidence_html(text: str, start: Any, end: Any):
    """Return a unit's text with its evidence marked; every part escaped."""
    from markupsafe import Markup, escape

    if start is None or end is None or start != start or end != end:
        return escape(text)
    s, e = int(start), int(end)
    if not 0 <= s < e <= len(text):
        return escape(text)
    return Markup("{}<mark>{}</mark>{}").format(text[:s], text[s:e], text[e:])


def write_segments(frame: pd.DataFrame, out: str | Path) -> list[Path]:
    """Write coded segments: the table as CSV/xlsx, or a page grouped by code in HTML."""
    if check_format(out) != ".html":
        from coding.export import write_tables

        return write_tables({"segments": frame}, out)
    sections = []
    for code, group in frame.groupby("code", sort=False):
        rows = [
            {**row, "html": evidence_html(row["text"], row["start"], row["end"])}
            for row in group.to_dict("records")
        ]
        sections.append({"kind": "segments", "heading": f"{code}（{len(rows)}）", "rows": rows})
    return [write_page(out, "编码片段 Coded segments", sections, [f"{len(frame)} 段 segments"])]


def write_words(frame: pd.DataFrame, out: str | Path) -> list[Path]:
    """Write word statistics: the table as CSV/xlsx; in HTML a bar chart and table per group."""
    if check_format(out) != ".html":
        from coding.export import write_tables

        return write_tables({"words": frame}, out)
    from markupsafe import Markup

    from coding.report.charts import Bar, Chart, to_svg

    keyed = frame["g2"].notna().any()
    sections = []
    for group, rows in frame.groupby("group", sort=False):
        value = "g2" if keyed else "count"
        bars = [Bar(str(w), float(v)) for w, v in zip(rows["word"], rows[value], strict=True)]
        unit = "G²" if keyed else "次 times"
        chart = Chart("bars", title=f"{group}", bars=bars, unit=unit)
        sections.append({"kind": "chart", "heading": str(group), "svg": Markup(to_svg(chart))})
        sections.append(table_section(rows.drop(columns="group")))
    note = "关键词：对数似然 G²（Rayson & Garside 2000），效应量 log ratio（Hardie 2014）"
    return [write_page(out, "词频与关键词 Words and keyness", sections, [note] if keyed else [])]


def write_matrix(matrix: CodeMatrix, out: str | Path, ca: CAResult | None = None) -> list[Path]:
    """Write the matrix tables: sheets (residuals coloured) in xlsx, CSV files, or a page."""
    suffix = check_format(out)
    from coding.export import write_tables

    if suffix == ".csv":
        return write_tables(matrix.tables(), out)
    if suffix == ".xlsx":
        written = write_tables(matrix.tables(), out)
        colour_residuals(Path(out), "residuals")
        return written
    from coding.query.camap import map_image

    sections = [
        table_section(matrix.tests, "检验 Tests (p adjusted within the table)"),
        table_section(matrix.residuals(), "调整标准化残差 Adjusted residuals"),
        table_section(matrix.crosstab, f"交叉表 Codes by {matrix.by}"),
        table_section(matrix.cooccurrence, "共现 Co-occurrence within units"),
    ]
    if ca is not None:
        data = base64.b64encode(map_image(ca, "png")).decode("ascii")
        sections.insert(
            0,
            {
                "kind": "image",
                "heading": "对应分析 Correspondence analysis",
                "data": data,
                "alt": f"correspondence analysis of codes by {matrix.by}",
            },
        )
    notes = [f"{matrix.units} 个单元 units"]
    return [write_page(out, f"编码矩阵 Code matrix by {matrix.by}", sections, notes)]


def residual_fill(value: float) -> str | None:
    """Return the fill colour (RRGGBB) of an adjusted residual, None where it does not stand out."""
    if value is None or value != value or abs(value) < RESIDUAL_CUT:
        return None
    strength = min(abs(value), RESIDUAL_FULL) / RESIDUAL_FULL
    fade = int(255 - strength * 140)
    # more than expected: red; fewer: blue
    return f"FF{fade:02X}{fade:02X}" if value > 0 else f"{fade:02X}{fade:02X}FF"


def colour_residuals(path: Path, sheet: str) -> None:
    """Colour a sheet's numeric cells by their adjusted residual, in place."""
    from openpyxl import load_workbook
    from openpyxl.styles import PatternFill

    from coding.common.files import atomic_write

    book = load_workbook(path)
    for row in book[sheet].iter_rows(min_row=2, min_col=2):
        for cell in row:
            if isinstance(cell.value, int | float) and (fill := residual_fill(cell.value)):
                cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
    with atomic_write(path, "wb") as handle:
        book.save(handle)
