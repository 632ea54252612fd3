"""Word tables and quotations that read well: columns fitted to their content, code ids never
broken, quoted evidence marked so that it shows in any CJK font and in greyscale print.

Word and LibreOffice each read a different part of a table's widths (Word the cells'
``w:tcW``, LibreOffice the grid or the cells depending on version), so every width is
written on the grid columns and on each cell, with the layout fixed and autofit off.
Text comes from transcripts: control characters, which python-docx refuses, are replaced
one for one (``without_controls``), so evidence offsets stay valid.
"""

from __future__ import annotations

import numbers
import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from coding.common.textwidth import display_width
from coding.report.safe import without_controls

if TYPE_CHECKING:
    import pandas as pd
    from docx.document import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

EMU_PER_INCH = 914400
EMU_PER_PT = 12700
EMU_PER_TWIP = 635
NO_DATA = "（无数据 no data）"
EAST_ASIAN_FONT = "Noto Sans CJK SC"
TABLE_PT = 9.0
CITE_PT = 9.0
# A CJK character is 1 em. Capitals (code ids) are up to 0.8 em in the fonts a Word file
# falls back on when Calibri is missing (DejaVu, Liberation), other Latin about 0.6 em.
WIDE_EM = 0.8
NARROW_EM = 0.6
BOLD_WIDER = 1.15  # the header row is bold
READABLE_CJK = 6  # a short text column keeps this many CJK characters a line if it can
HEADER_LINE_CJK = 3  # a header line holds at least this many CJK characters
CELL_PADDING_PT = 12.0  # Table Grid's left and right cell margins (0.08 in each) and a little
HEADER_FILL = "D9E2F3"
EVIDENCE_FILL = "FFF2A8"
CITE_GREY = (0x59, 0x59, 0x59)
QUOTE_INDENT_CM = 0.75
# Share of the page a wide column (quotation, definition) keeps however long the others are.
WIDE_SHARE = 0.4
_WORD = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+")  # Latin runs Word keeps whole
_STYLES = ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "List Bullet", "Caption")


def text_width_pt(text: str, size_pt: float = TABLE_PT) -> float:
    """Estimate the printed width of one line of text, in points, on the wide side."""
    ems = sum(
        1.0
        if unicodedata.east_asian_width(ch) in "WF"
        else WIDE_EM
        if ch.isupper() or ch.isdigit()  # digits are wide in the serif fallbacks
        else NARROW_EM
        for ch in text
    )
    return ems * size_pt


def _unbreakable_pt(text: str, size_pt: float) -> float:
    """Width of the longest piece Word will not break: a Latin word, a number, a code id."""
    pieces = _WORD.findall(text) + [ch for ch in text if display_width(ch) == 2]
    return max((text_width_pt(p, size_pt) for p in pieces), default=0.0)


def fit_widths(
    natural: Sequence[float],
    minimum: Sequence[float],
    wide: Sequence[bool],
    usable: float,
    readable: float = 0.0,
) -> list[float]:
    """Share ``usable`` among columns, in stages, each given in full while the page has room
    (else shared in proportion and the later stages get nothing): 1. every column its
    unbreakable ``minimum``; 2. short columns up to ``readable`` (a few CJK characters a
    line); 3. wide columns up to ``WIDE_SHARE`` of the page; 4. short columns their
    ``natural`` width; 5. wide columns theirs; 6. the rest to the wide columns (to all
    when none is wide), in proportion to their natural widths."""
    n = len(natural)
    if n == 0:
        return []
    widths = [max(m, 1.0) for m in minimum]
    if sum(widths) >= usable:  # even the minimums do not fit: shrink all alike
        return [usable * w / sum(widths) for w in widths]
    wide_share = WIDE_SHARE * usable / max(sum(wide), 1)
    stages = [
        [0.0 if wide[i] else min(natural[i], readable) for i in range(n)],
        [min(natural[i], wide_share) if wide[i] else 0.0 for i in range(n)],
        [0.0 if wide[i] else natural[i] for i in range(n)],
        [natural[i] if wide[i] else 0.0 for i in range(n)],
    ]
    for target in stages:
        wants = [max(t - w, 0.0) for t, w in zip(target, widths, strict=True)]
        room = usable - sum(widths)
        share = min(1.0, room / sum(wants)) if sum(wants) > 0 else 0.0
        widths = [w + want * share for w, want in zip(widths, wants, strict=True)]
        if sum(wants) > 0 and share < 1.0:
            break
    left = usable - sum(widths)
    takers = [i for i in range(n) if wide[i]] or list(range(n))
    weight = [max(natural[i], 1.0) for i in takers]
    for i, w in zip(takers, weight, strict=True):
        widths[i] += left * w / sum(weight)
    return widths


def _shade(properties: Any, fill: str) -> None:
    """Add ``<w:shd w:val="clear" w:fill=...>`` to a run's or cell's properties."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def usable_width(doc: Document) -> int:
    """Return the width between the last section's margins, in EMU (Letter, 1 in if unset)."""
    section = doc.sections[-1]
    page = section.page_width if section.page_width is not None else 8.5 * EMU_PER_INCH
    left = section.left_margin if section.left_margin is not None else EMU_PER_INCH
    right = section.right_margin if section.right_margin is not None else EMU_PER_INCH
    return int(page - left - right)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _cells(frame: pd.DataFrame) -> tuple[list[str], list[list[tuple[str, bool]]]]:
    """Return the headers and the displayed text of each cell, with whether it is a number."""
    from coding.report.text import fmt

    headers = [without_controls(str(c)) for c in frame.columns]
    rows = [
        [(without_controls(fmt(v)), _is_number(v)) for v in row]
        for row in frame.itertuples(index=False)
    ]
    return headers, rows


def _measure(
    headers: list[str], rows: list[list[tuple[str, bool]]]
) -> tuple[list[float], list[float]]:
    """Return each column's natural width and the width it cannot go below, in points."""
    natural = []
    minimum = []
    for i, name in enumerate(headers):
        cells = [r[i][0] for r in rows]
        longest_line = max(
            (text_width_pt(line) for c in cells for line in c.splitlines()), default=0.0
        )
        # a header may take two lines, never one character a line (访/谈/发/言)
        header = (
            max(
                _unbreakable_pt(name, TABLE_PT),
                min(text_width_pt(name), HEADER_LINE_CJK * TABLE_PT),
            )
            * BOLD_WIDER
        )
        natural.append(max(longest_line, header) + CELL_PADDING_PT)
        unbreakable = max([header, *(_unbreakable_pt(c, TABLE_PT) for c in cells)])
        minimum.append(unbreakable + CELL_PADDING_PT)
    return natural, minimum


def too_wide(frame: pd.DataFrame | None, usable_emu: int) -> bool:
    """Return whether the table cannot give each short column a few CJK characters a line
    (``READABLE_CJK``) within ``usable_emu``: it then reads better on a landscape page."""
    if frame is None or frame.empty or len(frame.columns) == 0:
        return False
    natural, minimum = _measure(*_cells(frame))
    readable = READABLE_CJK * TABLE_PT + CELL_PADDING_PT
    wants = sum(max(m, min(n, readable)) for m, n in zip(natural, minimum, strict=True))
    return wants * EMU_PER_PT > usable_emu


def turn_page(doc: Document, landscape: bool) -> None:
    """Start a new section on a new page, landscape or portrait, keeping the margins."""
    from docx.enum.section import WD_ORIENT, WD_SECTION

    last = doc.sections[-1]
    width, height = last.page_width, last.page_height
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    if width is not None and height is not None and (width > height) != landscape:
        section.page_width, section.page_height = height, width
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT


def add_table(
    doc: Document, frame: pd.DataFrame | None, *, wide: Sequence[str] = ()
) -> Table | Paragraph:
    """Add ``frame`` as a Word table fitted to the page; a paragraph "（无数据 no data）" if empty.

    Header row bold, shaded and repeated on each page; numbers right-aligned and formatted
    with ``text.fmt``; columns named in ``wide`` take the width the others leave.
    """
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Emu, Pt

    if frame is None or frame.empty or len(frame.columns) == 0:
        return doc.add_paragraph(NO_DATA)
    headers, rows = _cells(frame)
    numeric = [
        all(is_num for (text, is_num) in (r[i] for r in rows) if text) for i in range(len(headers))
    ]
    natural, minimum = _measure(headers, rows)
    usable_emu = usable_width(doc)
    widths_pt = fit_widths(
        natural,
        minimum,
        [h in wide for h in frame.columns],
        usable_emu / EMU_PER_PT,
        readable=READABLE_CJK * TABLE_PT + CELL_PADDING_PT,
    )
    widths = [Emu(round(w * EMU_PER_PT)) for w in widths_pt]
    widths[-1] = Emu(usable_emu - sum(widths[:-1]))  # rounding never leaves the page

    table = doc.add_table(rows=1 + len(rows), cols=len(headers))
    if "Table Grid" in [s.name for s in doc.styles]:
        table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False  # also <w:tblLayout w:type="fixed">: the widths below are kept
    total = table._tbl.tblPr.find(qn("w:tblW"))
    if total is not None:  # the whole table as wide as the text, in twips (not "auto")
        total.set(qn("w:type"), "dxa")
        total.set(qn("w:w"), str(round(usable_emu / EMU_PER_TWIP)))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    header_row = table.rows[0]
    header_row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for i, row in enumerate(table.rows):
        texts = [(h, False) for h in headers] if i == 0 else rows[i - 1]
        for j, (cell, (text, _)) in enumerate(zip(row.cells, texts, strict=True)):
            cell.width = widths[j]  # w:tcW, the width Word reads
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_before = Pt(1)
            paragraph.paragraph_format.space_after = Pt(1)
            paragraph.paragraph_format.line_spacing = 1.0
            if numeric[j]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            run = paragraph.add_run(text)
            run.font.size = Pt(TABLE_PT)
            if i == 0:
                run.bold = True
                _shade(cell._tc.get_or_add_tcPr(), HEADER_FILL)
    return table


def add_quote(doc: Document, text: str, start: int | None, end: int | None, cite: str) -> Paragraph:
    """Add a quotation, its evidence ``text[start:end]`` shaded and underlined, then its
    citation in smaller grey type; an invalid span leaves the text plain."""
    from docx.enum.text import WD_UNDERLINE
    from docx.shared import Cm, Pt, RGBColor

    text = without_controls(text)
    paragraph = doc.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.left_indent = Cm(QUOTE_INDENT_CM)
    fmt.right_indent = Cm(QUOTE_INDENT_CM)
    fmt.space_after = Pt(2)
    fmt.keep_with_next = True  # the citation stays with its quotation
    if start is not None and end is not None and 0 <= start < end <= len(text):
        paragraph.add_run(text[:start])
        evidence = paragraph.add_run(text[start:end])
        evidence.font.underline = WD_UNDERLINE.SINGLE
        _shade(evidence._r.get_or_add_rPr(), EVIDENCE_FILL)
        paragraph.add_run(text[end:])
    else:
        paragraph.add_run(text)
    for run in paragraph.runs:
        run.italic = False  # italic CJK is slanted by the renderer and looks broken
    line = doc.add_paragraph()
    line.paragraph_format.left_indent = Cm(QUOTE_INDENT_CM)
    line.paragraph_format.space_after = Pt(10)
    run = line.add_run(without_controls(cite))
    run.font.size = Pt(CITE_PT)
    run.font.color.rgb = RGBColor(*CITE_GREY)
    return paragraph


def set_east_asian_font(doc: Document, name: str = EAST_ASIAN_FONT) -> None:
    """Make ``name`` the East Asian font of the document's defaults and main styles."""
    from docx.oxml.ns import qn

    targets = doc.styles.element.findall(
        f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}"
    )
    names = {s.name for s in doc.styles}
    targets += [doc.styles[s].element.get_or_add_rPr() for s in _STYLES if s in names]
    for properties in targets:
        fonts = properties.get_or_add_rFonts()
        # A theme font, where set, wins over the named one: drop it.
        fonts.attrib.pop(qn("w:eastAsiaTheme"), None)
        fonts.set(qn("w:eastAsia"), name)
