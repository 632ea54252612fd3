"""Coding sheets: what the assistant gets, and an import that stores all or nothing."""

import shutil
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coding.codebook import load_codebook
from coding.errors import DocumentError
from coding.ingest import ingest
from coding.sheets import (
    SHEET_CODING,
    SHEET_META,
    SheetError,
    export_adjudication,
    export_coding_sheet,
    import_coding_sheets,
)
from coding.store.documents import SUGGESTIONS
from tests.conftest import GOOD


@pytest.fixture
def book():
    return load_codebook()


@pytest.fixture
def coded(store, book):
    from coding.autocode import code_project

    ingest(store, [GOOD])
    code_project(store, book)
    return store


def header_of(sheet):
    return [c.value for c in sheet[1]]


def fill(path, out, values: dict[tuple[int, str], str], done_rows=()):
    """Fill a copy of an exported sheet: values by (row, column header)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_CODING]
    header = header_of(ws)
    for (row, column), value in values.items():
        ws.cell(row, header.index(column) + 1).value = value
    for row in done_rows:
        ws.cell(row, header.index("完成 done") + 1).value = "是"
    wb.save(out)
    return out


def test_export_is_a_workbook_an_assistant_can_work_in(coded, book, tmp_path):
    out = tmp_path / "li.xlsx"
    result = export_coding_sheet(coded, book, "li", out, dimensions=["CA", "EVAL"])
    assert result.codes == 8  # the four CA and four EVAL codes
    assert result.units == (~coded.units()["is_interviewer"]).sum()  # interviewee turns only
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["说明", "编码本", SHEET_CODING, SHEET_META]
    assert wb[SHEET_META].sheet_state == "veryHidden"
    ws = wb[SHEET_CODING]
    header = header_of(ws)
    assert header[:7] == [
        "unit_id",
        "文档 doc",
        "说话人 speaker",
        "上一轮 context",
        "文本 text",
        "自动编码建议 suggestion",
        "完成 done",
    ]
    assert header[7] == "CA.BH 双边横向合作" and header[-1] == "备注 memo"
    assert ws.freeze_panes == "F2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.protection.sheet
    assert ws["A2"].protection.locked
    # empty cells take their column's style: the coding columns are unlocked
    assert not ws.column_dimensions["H"].protection.locked
    assert ws.column_dimensions["A"].protection.locked
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"正面,负面,中性,混合"' in lists
    # the previous turn (the interviewer's question) is there as context
    first = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "qa-full#2"][0]
    assert first[3] == "你们跟隔壁厂有没有合作？"


def test_blind_export_hides_suggestions(coded, book, tmp_path):
    export_coding_sheet(coded, book, "li", tmp_path / "b.xlsx", blind=True)
    ws = openpyxl.load_workbook(tmp_path / "b.xlsx")[SHEET_CODING]
    assert "自动编码建议 suggestion" not in header_of(ws)


def test_import_stores_codes_done_rows_and_is_idempotent(coded, book, tmp_path):
    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, dimensions=["CA"])
    filled = fill(
        out,
        tmp_path / "f.xlsx",
        {(2, "CA.BH 双边横向合作"): "正面", (3, "CA.MH 多边横向合作"): "negative"},
        done_rows=[4],
    )
    report = import_coding_sheets(coded, book, [filled])
    assert report.coders == ["li"] and report.units_done == 3 and report.codings == 2
    again = import_coding_sheets(coded, book, [filled])
    assert again.codings == 2
    codings = coded.codings("li")
    assert sorted(codings["stance"]) == ["negative", "positive"]
    assert len(coded.coded_units("li")) == 3  # untouched rows stay uncoded
    assert coded.coded_units("li")[codings["unit_id"][0]] == frozenset(
        c.id for c in book.select(["CA"])
    )


def test_numbers_typed_by_other_programs_are_accepted(coded, book, tmp_path):
    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, dimensions=["CA"])
    filled = fill(
        out,
        tmp_path / "f.xlsx",
        {(2, "完成 done"): 1, (2, "CA.BH 双边横向合作"): 0, (3, "CA.MV 多边纵向合作"): " 中性 "},
    )
    report = import_coding_sheets(coded, book, [filled])
    assert report.units_done == 2 and report.codings == 2


def test_every_problem_is_listed_and_nothing_is_stored(coded, book, tmp_path):
    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, dimensions=["CA"])
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET_CODING]
    header = header_of(ws)
    ws.cell(2, header.index("CA.BH 双边横向合作") + 1).value = "很好"
    ws.cell(3, header.index("文本 text") + 1).value = "改过的文本"
    ws.cell(4, 1).value = "nope#1"
    ws.cell(5, header.index("完成 done") + 1).value = "也许"
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(SheetError) as info:
        import_coding_sheets(coded, book, [tmp_path / "bad.xlsx"])
    message = str(info.value)
    assert "cell H2: '很好' is not one of 正面, 负面, 中性, 混合" in message
    assert "cell E3: the text was edited" in message
    assert "cell A4: unit 'nope#1' was not in this sheet" in message
    assert "cell G5: '也许' is not 是 or 否" in message
    assert coded.codings("li").empty


def test_inserted_column_and_merged_cells(coded, book, tmp_path):
    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, dimensions=["CA"])
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET_CODING]
    ws.protection.sheet = False
    ws.insert_cols(3)
    wb.save(tmp_path / "cols.xlsx")
    with pytest.raises(SheetError, match=r"cell C1: expected the column '说话人 speaker'"):
        import_coding_sheets(coded, book, [tmp_path / "cols.xlsx"])
    wb = openpyxl.load_workbook(out)
    wb[SHEET_CODING].merge_cells("H2:I2")
    wb.save(tmp_path / "merged.xlsx")
    with pytest.raises(SheetError, match="cell H2: merged cells"):
        import_coding_sheets(coded, book, [tmp_path / "merged.xlsx"])


def test_deleted_and_reordered_rows(coded, book, tmp_path):
    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, dimensions=["CA"])
    wb = openpyxl.load_workbook(out)
    wb[SHEET_CODING].delete_rows(3)
    wb.save(tmp_path / "deleted.xlsx")
    with pytest.raises(SheetError, match="exported rows are missing"):
        import_coding_sheets(coded, book, [tmp_path / "deleted.xlsx"])
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET_CODING]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=3)]
    for r, values in zip((3, 2), rows, strict=True):
        for j, v in enumerate(values):
            ws.cell(r, j + 1).value = v
    wb.save(tmp_path / "sorted.xlsx")
    with pytest.raises(SheetError, match="cell A2: rows were reordered"):
        import_coding_sheets(coded, book, [tmp_path / "sorted.xlsx"])


def test_workbook_for_another_codebook_or_project(coded, book, tmp_path, project):
    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, dimensions=["CA"])
    other = tmp_path / "other.yaml"
    from coding.codebook import SHIPPED

    shipped = SHIPPED.read_text(encoding="utf-8")
    other.write_text(shipped.replace(f'"{book.version}"', '"9.9"', 1), encoding="utf-8")
    assert load_codebook(other).version == "9.9"
    with pytest.raises(SheetError, match=f"made with codebook version {book.version}"):
        import_coding_sheets(coded, load_codebook(other), [out])
    from coding.project import init_project, open_project

    init_project(tmp_path / "elsewhere")
    with open_project(tmp_path / "elsewhere") as store:
        ingest(store, [GOOD / "gbk.txt"])
        with pytest.raises(SheetError, match="made for another project"):
            import_coding_sheets(store, book, [out])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("a,b\n1,2\n"), "not a valid Excel workbook"),
        (
            lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512),
            "password-protected",
        ),
        (lambda p: p.write_bytes(b"PK\x03\x04garbage"), "not a valid Excel workbook"),
    ],
)
def test_broken_workbooks(coded, book, tmp_path, make, message):
    path = tmp_path / "x.xlsx"
    make(path)
    with pytest.raises(DocumentError, match=message):
        import_coding_sheets(coded, book, [path])


def test_zip_bomb_is_refused(coded, book, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * 30_000_000 + b"</a>")
    with pytest.raises(DocumentError, match="zip bomb"):
        import_coding_sheets(coded, book, [bomb])


def test_adjudication_creates_consensus(coded, book, tmp_path):
    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, dimensions=["CA"])
    first_unit = openpyxl.load_workbook(out)[SHEET_CODING]["A2"].value
    filled = fill(out, tmp_path / "f.xlsx", {(2, "CA.BH 双边横向合作"): "正面"}, done_rows=[2, 3])
    import_coding_sheets(coded, book, [filled])
    adj = tmp_path / "adj.xlsx"
    result = export_adjudication(coded, book, ["li", book.coder], adj)
    assert result.units >= 1
    wb = openpyxl.load_workbook(adj)
    ws = wb["裁定"]
    for r in range(2, ws.max_row + 1):
        ws.cell(r, 6).value = "li的"
    wb.save(tmp_path / "adj_done.xlsx")
    with pytest.raises(SheetError, match="no decision yet"):
        import_coding_sheets(coded, book, [adj])
    report = import_coding_sheets(coded, book, [tmp_path / "adj_done.xlsx"])
    assert report.coders == ["consensus"]
    consensus = coded.codings("consensus")
    assert (first_unit, "CA.BH") in set(
        zip(consensus["unit_id"], consensus["code_id"], strict=True)
    )


texts = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() == s and s.strip())


@given(st.lists(texts, min_size=1, max_size=6))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_turn_comes_back_identical_and_as_text(tmp_path_factory, lines):
    """Texts starting with =, +, - or @ must never become formulas."""
    from coding.project import init_project, open_project

    root = tmp_path_factory.mktemp("h")
    init_project(root / "p")
    src = root / "t.txt"
    turns = "".join(f"答：{t}\n" for t in (f"={lines[0]}", *lines))
    src.write_text(turns, encoding="utf-8")
    with open_project(root / "p") as store:
        ingest(store, [src], segment=False)
        expected = store.units().set_index("unit_id")["text"].to_dict()
        export_coding_sheet(
            store, load_codebook(), "li", root / "s.xlsx", blind=True, dimensions=["CA"]
        )
    ws = openpyxl.load_workbook(root / "s.xlsx")[SHEET_CODING]
    for row in ws.iter_rows(min_row=2):
        assert row[4].data_type == "s"
        assert row[4].value == expected[row[0].value]


def test_missing_file_is_reported(coded, book, tmp_path):
    with pytest.raises(SheetError, match="no such file"):
        import_coding_sheets(coded, book, [tmp_path / "none.xlsx"])
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_suggestions_are_each_units_codes_found_through_its_units(coded):
    # each interviewee turn's suggestion is its codes by the coder, as the codings view
    # holds them; found per document through the units (a subquery per unit scanned every
    # coding of the coder: a sheet of 100,000 turns took many minutes)
    coder = coded.conn.execute("SELECT coder FROM coders WHERE kind = 'hybrid'").fetchone()[0]
    expected: dict[str, list[str]] = {}
    for unit_id, shown in coded.conn.execute(
        "SELECT unit_id, code_id || CASE WHEN rule_id = 'model'"
        " THEN printf(' (模型 %.2f)', probability) ELSE '' END FROM codings WHERE coder = ?"
        " ORDER BY unit_id, code_id, coding_id",
        (coder,),
    ):
        expected.setdefault(unit_id, []).append(shown)
    rows = list(coded.interviewee_turns(None, coder))
    assert any(r.suggestion for r in rows) and any("模型" in (r.suggestion or "") for r in rows)
    for row in rows:
        assert row.suggestion == (
            ";".join(expected[row.unit_id]) if row.unit_id in expected else None
        )
    doc = rows[0].doc_id
    plan = " ".join(
        r[3] for r in coded.conn.execute("EXPLAIN QUERY PLAN " + SUGGESTIONS, (doc, coder) * 2)
    )
    assert "coding_data_coder" not in plan and "coding_data_unit" in plan


def test_sheet_counts_are_the_turns_it_streams(coded):
    # the export sizes the sheet and signs its documents from these counts before streaming
    from collections import Counter

    clusters = [None, *coded.documents()["cluster"].unique()]
    for cluster in clusters:
        streamed = Counter(row.doc_id for row in coded.interviewee_turns(cluster))
        assert coded.interviewee_counts(cluster) == dict(streamed)
    assert len(clusters) > 2 and coded.interviewee_counts("no such cluster") == {}


def test_a_project_not_coded_yet_gets_the_rules_codes_found_now(store, book, tmp_path):
    from coding.autocode import RuleCoder

    ingest(store, [GOOD])
    rules = RuleCoder(book)
    expected = {
        row.unit_id: "; ".join(sorted(c.code_id for c in rules.code(row.view, role=row.role)))
        for row in store.interviewee_turns()
    }
    export_coding_sheet(store, book, "li", tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")[SHEET_CODING]
    column = header_of(ws).index("自动编码建议 suggestion")
    shown = {row[0]: row[column] or "" for row in ws.iter_rows(min_row=2, values_only=True)}
    assert shown == expected and any(shown.values())


def test_a_long_instruction_gets_a_row_tall_enough_for_its_lines(coded, book, tmp_path):
    # LibreOffice opened each row one line high: a wrapped instruction showed its last line
    from coding.common.textwidth import display_width

    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, blind=True)
    sheet = openpyxl.load_workbook(out)["说明"]
    width = sheet.column_dimensions["A"].width
    long_rows = [
        c.row for (c,) in sheet.iter_rows(max_col=1) if display_width(c.value or "") > width
    ]
    assert long_rows
    for row in long_rows:
        lines = -(-display_width(sheet.cell(row, 1).value) // width)
        assert sheet.row_dimensions[row].height >= 14 * lines


def test_a_codebook_row_is_as_tall_as_its_longest_wrapped_cell(coded, book, tmp_path):
    # a long label or several examples ran into the next row, one line high
    from openpyxl.utils import get_column_letter

    from coding.common.textwidth import display_width

    out = tmp_path / "cb.xlsx"
    export_coding_sheet(coded, book, "cb", out, blind=True)
    sheet = openpyxl.load_workbook(out)["编码本"]
    widths = [sheet.column_dimensions[get_column_letter(i)].width for i in range(1, 9)]
    tall = 0
    for row in sheet.iter_rows(min_row=2, max_col=8):
        lines = max(
            sum(max(1, -(-display_width(part) // w)) for part in (c.value or "").split("\n"))
            for c, w in zip(row, widths, strict=True)
        )
        if lines > 1:
            tall += 1
            assert sheet.row_dimensions[row[0].row].height >= 14 * lines
    assert tall
