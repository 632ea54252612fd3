"""Coding sheets under attack: forged metadata, machine coder names, formulas in code cells."""

from __future__ import annotations

import hashlib
import hmac
import json

import openpyxl
import pytest

from cli import app
from coding.sheets import (
    SHEET_CODING,
    SHEET_KEY,
    SHEET_META,
    SheetError,
    export_coding_sheet,
    import_coding_sheets,
)
from tests.test_sheets import book, coded, fill, header_of  # noqa: F401  (fixtures)


def _meta_rows(path):
    ws = openpyxl.load_workbook(path)[SHEET_META]
    return ws, [[c.value for c in row[:2]] for row in ws.iter_rows()]


def _set_meta(path, out, key, value, resign_with=None):
    """Change one metadata field of a workbook, optionally re-signing it with a key."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET_META]
    rows = list(ws.iter_rows())
    for row in rows:
        if row[0].value == key:
            row[1].value = value
    if resign_with is not None:
        payload = [[str(r[0].value).strip(), str(r[1].value).strip()] for r in rows[:-1]]
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        rows[-1][1].value = hmac.new(resign_with, raw, hashlib.sha256).hexdigest()
    wb.save(out)
    return out


@pytest.mark.parametrize("forged", ["rules@0123456789ab", "consensus", "model@abc", "li2"])
def test_a_changed_coder_in_the_hidden_sheet_is_refused(coded, book, tmp_path, forged):  # noqa: F811
    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, dimensions=["CA"])
    filled = fill(out, tmp_path / "filled.xlsx", {(2, "CA.MH 多边横向合作"): "正面"}, [2])
    forged_file = _set_meta(filled, tmp_path / "forged.xlsx", "coder", forged)
    before = coded.codings()
    with pytest.raises(SheetError, match="hidden metadata was changed"):
        import_coding_sheets(coded, book, [forged_file])
    assert coded.codings().equals(before)
    # the untouched workbook still imports, as li
    assert import_coding_sheets(coded, book, [filled]).coders == ["li"]


def test_machine_coder_names_are_refused_even_with_the_projects_key(coded, book, tmp_path):  # noqa: F811
    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, dimensions=["CA"])
    key = coded.secret(SHEET_KEY)
    for name in (book.coder, "consensus", "model@1234"):
        forged = _set_meta(out, tmp_path / "f.xlsx", "coder", name, resign_with=key)
        with pytest.raises(SheetError, match="machine coder or the adjudicated consensus"):
            import_coding_sheets(coded, book, [forged])
        with pytest.raises(SheetError, match="machine coder"):
            import_coding_sheets(coded, book, [out], coder=name)
    with pytest.raises(Exception, match="kept for a machine coder"):
        export_coding_sheet(coded, book, book.coder, tmp_path / "x.xlsx")
    with pytest.raises(Exception, match="kept for a machine coder"):
        export_coding_sheet(coded, book, "consensus", tmp_path / "x.xlsx")


def test_broken_code_list_in_signed_metadata_is_a_located_error(coded, book, tmp_path):  # noqa: F811
    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, dimensions=["CA"])
    broken = _set_meta(out, tmp_path / "b.xlsx", "codes", '["CA.BH", ', coded.secret(SHEET_KEY))
    with pytest.raises(SheetError, match=r"sheet _meta, cell B6: the list of codes is not valid"):
        import_coding_sheets(coded, book, [broken])


def test_unsigned_workbook_is_refused(coded, book, tmp_path):  # noqa: F811
    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, dimensions=["CA"])
    wb = openpyxl.load_workbook(out)
    wb[SHEET_META].delete_rows(wb[SHEET_META].max_row)
    wb.save(tmp_path / "u.xlsx")
    with pytest.raises(SheetError, match="no signature"):
        import_coding_sheets(coded, book, [tmp_path / "u.xlsx"])


def test_formula_in_a_code_cell_is_named_not_lost(coded, book, tmp_path, runner):  # noqa: F811
    out = tmp_path / "li.xlsx"
    export_coding_sheet(coded, book, "li", out, dimensions=["CA"])
    wb = openpyxl.load_workbook(out)
    ws = wb[SHEET_CODING]
    column = header_of(ws).index("CA.MH 多边横向合作") + 1
    ws.cell(3, column).value = '=IF(1,"正面","")'
    ws.cell(3, header_of(ws).index("完成 done") + 1).value = "是"
    wb.save(tmp_path / "formula.xlsx")
    letter = openpyxl.utils.get_column_letter(column)
    with pytest.raises(SheetError, match=rf"cell {letter}3: a formula"):
        import_coding_sheets(coded, book, [tmp_path / "formula.xlsx"])


def test_cli_sheets_export_refuses_a_machine_name(runner, coded, book, tmp_path):  # noqa: F811
    project = coded.path.parent
    result = runner.invoke(
        app,
        ["sheets", "export", "--coder", "consensus", "--out", str(tmp_path / "c.xlsx"),
         "--project", str(project)],
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith("Error:") and "Traceback" not in result.output


def test_ids_and_speakers_that_look_like_formulas_stay_text(store, book, tmp_path):  # noqa: F811
    from coding.ingest import ingest

    transcript = tmp_path / "t.txt"
    transcript.write_text(
        "---\nid: =1+1\ncluster: 测试\n---\n"
        "访谈者：你们怎么合作？\n=李会长：我们协会组织大家参展。\n访谈者：还有呢？\n=李会长：商会也帮忙。\n",
        encoding="utf-8",
    )
    ingest(store, [transcript])
    out = tmp_path / "s.xlsx"
    export_coding_sheet(store, book, "li", out, dimensions=["CA"])
    ws = openpyxl.load_workbook(out)[SHEET_CODING]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value)
    unit, doc = row[0], row[1]
    assert doc.value == "=1+1" and doc.data_type == "s"
    assert unit.value.startswith("=1+1#") and unit.data_type == "s"
    rows = list(ws.iter_rows(min_row=2))
    speakers = [r[2] for r in rows if r[2].value]
    assert speakers and all(c.value.startswith("=") and c.data_type == "s" for c in speakers)
