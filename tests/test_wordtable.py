"""Word tables fitted to their content and quotations whose evidence shows in any font."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from hypothesis import given
from hypothesis import strategies as st

from coding.report.text import fmt
from coding.report.wordtable import (
    NO_DATA,
    add_quote,
    add_table,
    display_width,
    fit_widths,
    set_east_asian_font,
    text_width_pt,
    too_wide,
    usable_width,
)

QUOTE = (
    "我们镇上的花卉协会每年都办花卉博览会，从零三年开始，大家一起出钱搞展位，"
    "政府也补贴一部分，效果还是不错的。"
)
# Table Grid's cell margins: 0.08 in left and right (108 twips each).
CELL_MARGINS_PT = 2 * 108 / 20


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code_id": ["MODE.ROUTINE", "GOAL.CLUSTER.BRAND", "CA.MH"],
            "label": ["惯例型合作", "集群层面·区域品牌", "多边横向合作"],
            "units": [12, 7, 30],
            "share": [0.2512, 0.1, 0.5],
            "kappa": [0.81, None, 0.6],
            "quote": [QUOTE, "区域品牌这个事情说了很多年，搞不起来，各扫门前雪。", "短"],
        }
    )


def _reopen(doc) -> docx.document.Document:
    buffer = io.BytesIO()
    doc.save(buffer)
    return docx.Document(io.BytesIO(buffer.getvalue()))


def _tc_widths(table) -> list[list[int]]:
    """Each row's w:tcW values, in twips, read from the XML."""
    return [
        [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in row._tr.tc_lst]
        for row in table.rows
    ]


def _dejavu_width_pt(text: str, size: float) -> float:
    """The printed width of text in DejaVu Sans, a wide font Word files fall back on."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family="DejaVu Sans", size=size)
    return TextToPath().get_text_width_height_descent(text, prop, ismath=False)[0]


def test_display_width_counts_cjk_double():
    # East Asian Width from Unicode's EastAsianWidth.txt: 中 and Ａ are W/F, a and · are not.
    assert display_width("中a") == 3
    assert display_width("Ａ·") == 3
    assert display_width("") == 0


def test_columns_fill_the_usable_width_on_columns_and_every_cell():
    doc = docx.Document()
    table = add_table(doc, _frame(), wide=["quote"])
    table = _reopen(doc).tables[0]
    usable_twips = usable_width(doc) / 635
    grid = [int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert abs(sum(grid) - usable_twips) <= len(grid)  # twips are whole numbers
    for row in _tc_widths(table):
        assert row == grid  # Word reads the cells, LibreOffice the grid: both say the same
    for row in table._tbl.tr_lst:
        for tc in row.tc_lst:
            assert tc.tcPr.find(qn("w:tcW")).get(qn("w:type")) == "dxa"
    total = table._tbl.tblPr.find(qn("w:tblW"))
    assert total.get(qn("w:type")) == "dxa"
    assert abs(int(total.get(qn("w:w"))) - usable_twips) <= 1
    assert len(table._tbl.tblPr.findall(qn("w:tblLayout"))) == 1
    layout = table._tbl.tblPr.find(qn("w:tblLayout"))
    assert layout is not None and layout.get(qn("w:type")) == "fixed"
    assert table.autofit is False


def test_code_ids_get_their_full_width_and_the_quote_the_most():
    doc = docx.Document()
    table = add_table(doc, _frame(), wide=["quote"])
    widths_pt = [w / 20 for w in _tc_widths(table)[0]]
    code_text = widths_pt[0] - CELL_MARGINS_PT
    assert code_text >= text_width_pt("GOAL.CLUSTER.BRAND")
    # Independent of our estimate: the id set in a wide fallback font still fits on one line.
    assert code_text >= _dejavu_width_pt("GOAL.CLUSTER.BRAND", 9)
    assert widths_pt[-1] > widths_pt[1]  # the quotation is wider than the short label
    assert widths_pt[2] >= _dejavu_width_pt("units", 9) * 1.1 + CELL_MARGINS_PT  # bold header


def test_on_a_wide_page_the_quote_takes_the_rest():
    from docx.shared import Cm

    doc = docx.Document()
    doc.sections[0].page_width, doc.sections[0].page_height = Cm(29.7), Cm(21)
    widths = _tc_widths(add_table(doc, _frame(), wide=["quote"]))[0]
    assert widths[-1] == max(widths) and widths[-1] > sum(widths) / 3
    assert widths[1] / 20 >= text_width_pt("集群层面·区域品牌")  # short text on one line


def test_header_repeats_and_stands_out_and_numbers_are_right_aligned():
    doc = docx.Document()
    table = add_table(doc, _frame(), wide=["quote"])
    header = table.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [c.text for c in header.cells] == list(_frame().columns)
    for cell in header.cells:
        assert all(run.bold for p in cell.paragraphs for run in p.runs)
        assert cell._tc.tcPr.find(qn("w:shd")) is not None
    body = table.rows[1]
    assert body.cells[3].text == fmt(0.2512)
    assert table.rows[2].cells[4].text == ""  # missing stays empty
    for column in (2, 3, 4):
        assert body.cells[column].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    for column in (0, 1, 5):
        assert body.cells[column].paragraphs[0].alignment != WD_ALIGN_PARAGRAPH.RIGHT


def test_empty_frame_is_said_in_a_paragraph():
    doc = docx.Document()
    for frame in (None, pd.DataFrame(), pd.DataFrame(columns=["a", "b"])):
        add_table(doc, frame)
    assert not doc.tables
    assert [p.text for p in doc.paragraphs] == [NO_DATA] * 3


def test_hostile_text_makes_a_document_that_opens():
    doc = docx.Document()
    nasty = "<b>&amp;\x00\x07\x1b[31m]]>"
    frame = pd.DataFrame({nasty: [nasty, "x"], "n": [1, 2]})
    add_table(doc, frame, wide=[nasty])
    add_quote(doc, "前" + nasty + "后", 1, 1 + len(nasty), nasty)
    again = _reopen(doc)
    cell = again.tables[0].rows[1].cells[0].text
    assert cell.startswith("<b>&amp;") and cell.endswith("]]>")
    quote = again.paragraphs[0]
    evidence = [r for r in quote.runs if r.underline]
    assert len(evidence) == 1 and len(evidence[0].text) == len(nasty)  # one for one
    assert evidence[0].text.startswith("<b>&amp;")


def test_quote_marks_evidence_with_shading_and_underline_and_is_not_italic():
    doc = docx.Document()
    text = "答：那时候我们镇里几十家花农一起成立了花卉协会，不再互相压价。"
    start, end = text.index("几十家"), text.index("，不再")
    add_quote(doc, text, start, end, "—— 协会会长，CC-01 第 12 段")
    doc = _reopen(doc)
    quote, cite = doc.paragraphs[0], doc.paragraphs[1]
    assert quote.text == text and cite.text == "—— 协会会长，CC-01 第 12 段"
    marked = [
        r for r in quote.runs if r._r.rPr is not None and r._r.rPr.find(qn("w:shd")) is not None
    ]
    assert [r.text for r in marked] == [text[start:end]]
    assert marked[0].underline and marked[0]._r.rPr.find(qn("w:shd")).get(qn("w:fill"))
    for run in quote.runs:
        assert not run.italic and not run.bold
        assert run.text == text[start:end] or not run.underline
    assert not quote.style.font.italic
    assert quote.paragraph_format.left_indent > 0
    size = cite.runs[0].font.size
    assert size is not None and size.pt < 11  # smaller than the body text
    assert cite.runs[0].font.color.rgb is not None


@pytest.mark.parametrize("span", [(None, None), (5, 3), (0, 999), (-1, 2), (3, None), (2, 2)])
def test_invalid_span_leaves_the_text_plain(span):
    doc = docx.Document()
    quote = add_quote(doc, "一二三四五六七八", *span, "cite")
    assert quote.text == "一二三四五六七八"
    assert not any(r.underline for r in quote.runs)
    assert quote._p.find(".//" + qn("w:shd")) is None


def test_east_asian_font_beats_the_theme_font():
    doc = docx.Document()
    set_east_asian_font(doc, "Noto Sans CJK SC")
    for name in ("Normal", "Heading 1", "Heading 2", "Title"):
        fonts = doc.styles[name].element.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")) == "Noto Sans CJK SC"
        assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would win over it
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:rFonts"))
    assert defaults.get(qn("w:eastAsia")) == "Noto Sans CJK SC"


@given(
    st.lists(
        st.tuples(
            st.floats(1, 300), st.floats(0, 1), st.booleans()
        ),  # natural, share of it unbreakable, wide
        min_size=1,
        max_size=12,
    ),
    st.floats(100, 1000),
)
def test_fit_widths_fills_the_page_and_keeps_minimums_when_they_fit(columns, usable):
    natural = [n for n, _, _ in columns]
    minimum = [n * share for n, share, _ in columns]
    wide = [w for _, _, w in columns]
    widths = fit_widths(natural, minimum, wide, usable, readable=60)
    assert sum(widths) == pytest.approx(usable)
    if sum(max(m, 1.0) for m in minimum) < usable:
        assert all(w >= m - 1e-9 for w, m in zip(widths, minimum, strict=True))
    if sum(natural) <= usable:
        assert all(w >= n - 1e-9 for w, n in zip(widths, natural, strict=True))


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="libreoffice is not installed")
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_libreoffice_sets_each_code_id_on_one_line(tmp_path: Path):
    doc = docx.Document()
    set_east_asian_font(doc)
    add_table(doc, _frame(), wide=["quote"])
    doc.save(tmp_path / "t.docx")
    subprocess.run(
        ["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path)]
        + [str(tmp_path / "t.docx")],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "t.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for code in ("MODE.ROUTINE", "GOAL.CLUSTER.BRAND", "kappa"):
        assert code in text


def _wide_frame(columns: int) -> pd.DataFrame:
    """A table of short Chinese cells, ``columns`` wide."""
    return pd.DataFrame({f"列{i}": ["小企业与农户、地方政府"] * 3 for i in range(columns)})


def test_too_wide_asks_for_room_by_readable_columns():
    doc = docx.Document()
    upright = usable_width(doc)
    assert not too_wide(_wide_frame(3), upright)
    assert too_wide(_wide_frame(11), upright)
    assert not too_wide(pd.DataFrame(), upright)


def test_wide_tables_get_landscape_pages_and_charts_stay_upright(tmp_path):
    from coding.report.charts import Bar, Chart
    from coding.report.docx import write_docx
    from coding.report.layout import ChartBlock, Document, Para, Section, Table

    blocks = [
        Table("narrow", _wide_frame(3)),
        Table("wide", _wide_frame(11)),
        Table("narrow after", _wide_frame(2)),  # stays on the landscape page it follows
        ChartBlock(Chart("bars", "图", bars=[Bar("甲", 3.0)])),
        Para("说明"),
    ]
    path = tmp_path / "r.docx"
    write_docx(Document("标题", "副标题", [Section("一、表", blocks)]), path)
    word = docx.Document(str(path))
    landscape = [s.page_width > s.page_height for s in word.sections]
    assert landscape == [False, True, False]
    # the wide table sits in the landscape section and fills its wider text width
    wide = word.tables[1]
    total = sum(int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in wide.rows[0]._tr.tc_lst)
    section = word.sections[1]
    text_twips = (section.page_width - section.left_margin - section.right_margin) / 635
    assert abs(total - text_twips) <= len(wide.columns)


def test_a_wide_table_takes_its_heading_and_lead_in_to_the_landscape_page():
    from coding.report.docx import landscape_blocks

    kinds = ["Para", "Heading", "Para", "Table", "Para", "Table", "Heading", "Table"]
    wide = [False, False, False, True, False, False, False, True]
    # the heading and note before the first wide table go with it; the text before that
    # heading stays upright; the second wide table takes its own heading only
    assert landscape_blocks(kinds, wide) == [False, True, True, True, False, False, True, True]
    assert landscape_blocks(["Para", "Table"], [False, False]) == [False, False]
