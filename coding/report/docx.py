"""Render a report ``Document`` as Word: real headings (navigation pane, table of contents),
tables fitted to their content, charts drawn with a CJK font, evidence shaded."""

from __future__ import annotations

import io
from pathlib import Path

from coding.common.files import atomic_write
from coding.report.layout import Document, display
from coding.report.text import TEXT, header


def write_docx(doc: Document, path: Path) -> None:
    """Write the report document as .docx, block by block as in the HTML."""
    import docx
    from docx.shared import Cm, Pt, RGBColor

    from coding.report.charts import to_png
    from coding.report.wordtable import (
        add_quote,
        add_table,
        set_east_asian_font,
        too_wide,
        turn_page,
        usable_width,
    )

    t = TEXT[doc.lang]
    word = docx.Document()
    page = word.sections[0]  # A4 with 2 cm margins: room for a quotation column
    page.page_width, page.page_height = Cm(21), Cm(29.7)
    page.left_margin = page.right_margin = page.top_margin = page.bottom_margin = Cm(2)
    set_east_asian_font(word)
    word.add_heading(doc.title, level=0)
    word.add_paragraph(doc.byline)
    upright = usable_width(word)
    sideways = False  # wide tables share landscape pages; charts and quotes go back upright
    for section in doc.sections:
        kinds = [type(block).__name__ for block in section.blocks]
        tables = [
            display(b.shown(), doc.lang) if k == "Table" else None
            for b, k in zip(section.blocks, kinds, strict=True)
        ]
        too_wide_here = [f is not None and too_wide(f, upright) for f in tables]
        wide = landscape_blocks(kinds, too_wide_here)
        if wide and wide[0] and not sideways:  # the section opens with a wide table's lead-in
            sideways = True
            turn_page(word, landscape=True)
        word.add_heading(section.title, level=1)
        for block, kind, shown, wants_room in zip(section.blocks, kinds, tables, wide, strict=True):
            # a narrow table or text stays on the page it is on; charts and quotes read upright
            want = wants_room or (sideways and kind not in ("ChartBlock", "Quotes"))
            if want != sideways:
                sideways = want
                turn_page(word, landscape=want)
            if kind == "Para":
                paragraph = word.add_paragraph()
                run = paragraph.add_run(("⚠ " if block.kind == "warning" else "") + block.text)
                if block.kind == "note":
                    run.font.size = Pt(9)
                    run.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
                elif block.kind == "warning":
                    run.font.color.rgb = RGBColor(0x9A, 0x4D, 0x00)
            elif kind == "Heading":
                word.add_heading(block.text, level=2)
            elif kind == "Table":
                add_table(word, shown, wide=[header(c, doc.lang) for c in block.wide])
            elif kind == "ChartBlock" and (block.chart.bars or block.chart.points):
                word.add_picture(io.BytesIO(to_png(block.chart)), width=Cm(16))
            elif kind == "Bullets":
                for item in block.items:
                    word.add_paragraph(item, style="List Bullet")
            elif kind == "Quotes":
                for title, quotes in block.groups:
                    word.add_heading(title, level=3)
                    for q in quotes:
                        cite = t["cite"].format(role=q.role, doc=q.doc_id, turn=q.turn)
                        add_quote(word, q.text, q.start, q.end, cite)
    with atomic_write(path, "wb") as handle:
        word.save(handle)


def landscape_blocks(kinds: list[str], wide: list[bool]) -> list[bool]:
    """Return which blocks go on a landscape page: the wide tables, with the text that leads
    into each (back to and including its heading), so no heading is left alone upright."""
    out = list(wide)
    for i, is_wide in enumerate(wide):
        if not is_wide:
            continue
        j = i - 1
        while j >= 0 and kinds[j] in ("Para", "Heading") and not out[j]:
            out[j] = True
            if kinds[j] == "Heading":
                break
            j -= 1
    return out
