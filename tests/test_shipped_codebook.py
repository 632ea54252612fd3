"""The shipped codebook: every fixed id, complete entries, and a passing self-test."""

import openpyxl
import pytest

from cli import app
from coding.codebook import FIXED_IDS, load_codebook
from coding.codebook_export import export_codebook


@pytest.fixture(scope="module")
def shipped():
    return load_codebook()


def test_uses_exactly_the_fixed_ids_in_order(shipped):
    assert list(shipped.codes) == FIXED_IDS
    assert shipped.warnings == []


def test_every_code_is_complete(shipped):
    for code in shipped.codes.values():
        assert code.label and code.label_en and code.definition and code.definition_en, code.id
        assert code.include and code.exclude, code.id
        assert len(code.examples) >= 2 and len(code.counter_examples) >= 1, code.id


def test_negation_and_wish_are_counter_examples(shipped):
    assert "我们从来没有跟别的厂合作过。" in shipped.codes["CA.BH"].counter_examples
    assert "如果政府牵头就好了。" in shipped.codes["ACT.GOV"].counter_examples
    assert "如果政府牵头就好了。" in shipped.codes["AGENCY.WILL"].examples
    assert "如果政府牵头就好了。" in shipped.codes["EVAL.TOOLITTLE"].examples


def test_self_test_passes_from_the_command_line(runner):
    result = runner.invoke(app, ["codebook", "check"])
    assert result.exit_code == 0, result.output
    assert "all 255 examples and counter-examples pass" in " ".join(result.stdout.split())


def test_self_test_failure_exits_1(runner, tmp_path):
    from coding.codebook import SHIPPED

    text = SHIPPED.read_text(encoding="utf-8").replace("real(except(@gov", "(except(@gov")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["codebook", "check", "--codebook", str(broken)])
    assert result.exit_code == 1
    assert "ACT.GOV" in result.stdout and "counter_example" in result.stdout


def test_export_markdown_and_xlsx(shipped, tmp_path):
    export_codebook(shipped, "md", tmp_path / "cb.md")
    md = (tmp_path / "cb.md").read_text(encoding="utf-8")
    assert md.count("### `") == 51 and "双边横向合作" in md
    export_codebook(shipped, "xlsx", tmp_path / "cb.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "cb.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 52 and rows[1][1] == "CA.BH"
    assert sheet.freeze_panes == "A2"


def test_export_writes_text_never_formulas(tmp_path):
    from coding.codebook import load_codebook as load

    src = tmp_path / "f.yaml"
    src.write_text(
        "codebook: f\nversion: '1'\ncodes:\n  - id: CA.BH\n    label: '=1+1'\n"
        "    label_en: '@SUM(A1)'\n    definition: '+cmd'\n    rule: 合作\n",
        encoding="utf-8",
    )
    export_codebook(load(src), "xlsx", tmp_path / "f.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    row = [c for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert row[2].value == "=1+1" and row[2].data_type == "s"
    assert row[3].value == "@SUM(A1)" and row[4].value == "+cmd"
