"""The report as a Word document: real headings (navigation pane, table of contents), tables,
and charts drawn with a CJK font so that Chinese labels never become empty boxes."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import pandas as pd

from coding.common.files import atomic_write
from coding.errors import ReportError
from coding.report.data import ReportData

EAST_ASIAN_FONT = "Noto Sans CJK SC"


@lru_cache(maxsize=1)
def chart_font() -> Path:
    """Return a font file with Chinese glyphs: mplfonts' Noto Sans CJK SC, else a system one."""
    try:
        import mplfonts

        shipped = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
        if shipped.is_file():
            return shipped
    except ImportError:
        pass
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if any(key in entry.name for key in ("CJK", "Han Sans", "SimHei", "WenQuanYi")):
            return Path(entry.fname)
    raise ReportError(
        "no font with Chinese characters for the charts; pip install mplfonts, or install "
        "a CJK font such as fonts-noto-cjk"
    )


def font_covers(font: Path, text: str) -> bool:
    """Return whether a font file has a glyph for every character of a text."""
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(font), fontNumber=0, lazy=True).getBestCmap()
    return all(ord(ch) in cmap for ch in text if not ch.isspace())


def bar_png(items: list[tuple[str, float]]) -> bytes:
    """Draw a horizontal bar chart with the CJK font; return PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    prop = font_manager.FontProperties(fname=str(chart_font()))
    labels = [label for label, _ in items][::-1]
    values = [value for _, value in items][::-1]
    fig, ax = plt.subplots(figsize=(6.2, 0.32 * len(items) + 0.6), dpi=150)
    ax.barh(range(len(values)), values, color="#3b6ea5")
    ax.set_yticks(range(len(values)), labels, fontproperties=prop, fontsize=8)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:g}", va="center", fontsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _table(doc, frame: pd.DataFrame | None) -> None:
    from coding.report.text import fmt

    if frame is None or frame.empty:
        doc.add_paragraph("（无数据 no data）")
        return
    table = doc.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, frame.columns, strict=True):
        cell.text = str(name)
    for row in frame.itertuples(index=False):
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = fmt(value)


def _chart(doc, items: list[tuple[str, float]]) -> None:
    from docx.shared import Cm

    if items:
        doc.add_picture(io.BytesIO(bar_png(items)), width=Cm(15))


def write_docx(report: ReportData, labels: dict[str, str], path: Path, lang: str = "zh") -> None:
    """Write the report as .docx, section by section as in the HTML."""
    from coding.report.text import TEXT

    t = TEXT[lang]
    sections = t["sections"]
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document()
    for style in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Title"):
        fonts = doc.styles[style].element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    doc.add_heading(t["title"].format(cluster=report.cluster), level=0)
    doc.add_paragraph(
        t["made"].format(version=report.codebook_version, coders=", ".join(report.coders))
    )
    doc.add_heading(sections[0], level=1)
    _table(doc, report.overview)
    doc.add_heading(t["roles"], level=2)
    _table(doc, report.interviewees)
    doc.add_heading(sections[1], level=1)
    _chart(doc, [(r.label, r.units) for r in report.actions.itertuples()])
    _table(doc, report.actions)
    doc.add_heading(t["matrix"], level=2)
    _table(doc, report.matrix.reset_index(names="行动者") if not report.matrix.empty else None)
    doc.add_heading(t["modes"], level=2)
    _table(doc, report.modes)
    doc.add_heading(sections[2], level=1)
    _chart(doc, [(f"{r.level}·{r.label}", r.units) for r in report.goals.itertuples()])
    _table(doc, report.goals)
    doc.add_heading(sections[3], level=1)
    if not report.timeline.empty:
        per_year = report.timeline.groupby("year")["units"].sum()
        _chart(doc, [(t["year"].format(year=y), int(n)) for y, n in per_year.items()])
    _table(doc, report.timeline)
    doc.add_heading(sections[4], level=1)
    _table(doc, report.conditions)
    doc.add_heading(sections[5], level=1)
    current = None
    for q in report.quotes:
        if q.code_id != current:
            current = q.code_id
            doc.add_heading(f"{q.code_id} {labels.get(q.code_id, '')}", level=2)
        paragraph = doc.add_paragraph(style="Quote" if "Quote" in doc.styles else None)
        if q.start is not None and q.end is not None and 0 <= q.start < q.end <= len(q.text):
            paragraph.add_run(q.text[: q.start])
            paragraph.add_run(q.text[q.start : q.end]).bold = True
            paragraph.add_run(q.text[q.end :])
        else:
            paragraph.add_run(q.text)
        doc.add_paragraph(t["cite"].format(role=q.role, doc=q.doc_id, turn=q.turn))
    doc.add_heading(sections[6], level=1)
    _table(doc, report.attitudes)
    for finding in report.findings:
        doc.add_paragraph(finding, style="List Bullet")
    doc.add_heading(sections[7], level=1)
    _table(doc, report.comparison)
    doc.add_heading(sections[8], level=1)
    _table(doc, report.agreement)
    _table(doc, report.codebook)
    with atomic_write(path, "wb") as handle:
        doc.save(handle)
