"""The episode review workbook: round trip, tampering, bad cells, and the CLI."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from cli import app
from coding.codebook import load_codebook
from coding.episodes import (
    METHOD,
    SHEET_EPISODES,
    SHEET_EVIDENCE,
    export_episode_sheet,
    export_episodes,
    import_episode_sheet,
)
from coding.errors import OptionError, SheetError
from coding.project import open_project, project_codebook
from coding.sheets import SHEET_META

CLUSTER = "陈村花卉"


@pytest.fixture(scope="module")
def project(sample_project, tmp_path_factory):
    root = tmp_path_factory.mktemp("episodes") / "proj"
    shutil.copytree(sample_project, root)
    return root


@pytest.fixture(scope="module")
def sheet(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("sheet") / "episodes.xlsx"
    with open_project(project) as store:
        book = load_codebook(project_codebook(project))
        export_episode_sheet(store, book, "赵老师", out, CLUSTER)
    return out


def _edit(path, out, edits):
    """Apply {(sheet, cell): value} to a copy of a workbook, as Excel would save it."""
    wb = openpyxl.load_workbook(path)
    for (name, ref), value in edits.items():
        wb[name][ref] = value
    wb.save(out)
    return out


def _import(project, path):
    with open_project(project) as store:
        return import_episode_sheet(store, path)


def _stored(project) -> pd.DataFrame:
    with open_project(project) as store:
        return store.reviewed_episodes()


def _rows(path, name):
    return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))


def test_the_sheet_has_episodes_evidence_and_signed_metadata(sheet):
    wb = openpyxl.load_workbook(sheet)
    assert wb[SHEET_META].sheet_state == "veryHidden"
    episodes, evidence = _rows(sheet, SHEET_EPISODES), _rows(sheet, SHEET_EVIDENCE)
    ids = [r[0] for r in episodes[1:]]
    assert all(i.startswith(CLUSTER + "#E") for i in ids)
    assert {r[1] for r in evidence[1:]} <= {*ids, "无"}
    # the evidence's dropdown offers every episode id and 无 (none)
    (listed,) = [dv.formula1 for dv in wb[SHEET_EVIDENCE].data_validations.dataValidation]
    name, cells = listed.lstrip("=").split("!")
    first, last = cells.replace("$", "").split(":")
    choices = [c.value for row in wb[name][first:last] for c in row]
    assert choices == [*ids, "无"]
    # keep and merge are dropdowns; the evidence's episode a dropdown of the ids
    kinds = {dv.formula1 for dv in wb[SHEET_EPISODES].data_validations.dataValidation}
    assert '"保留,删除"' in kinds
    assert wb[SHEET_EPISODES].protection.sheet and wb[SHEET_EVIDENCE].protection.sheet
    assert wb[SHEET_EPISODES]["B2"].protection.locked is False
    assert wb[SHEET_EPISODES]["E2"].protection.locked is not False


def test_round_trip_keeps_renames_drops_merges_and_moves(project, sheet, tmp_path):
    episodes, evidence = _rows(sheet, SHEET_EPISODES), _rows(sheet, SHEET_EVIDENCE)
    first, second, third, fourth = (r[0] for r in episodes[1:5])
    moved_row = next(i for i, r in enumerate(evidence[1:], start=2) if r[1] == first)
    moved_unit = evidence[moved_row - 1][0]
    done = _edit(
        sheet,
        tmp_path / "done.xlsx",
        {
            (SHEET_EPISODES, "B2"): "花卉世界",
            (SHEET_EPISODES, "C3"): "删除",
            (SHEET_EPISODES, "D5"): third,
            (SHEET_EVIDENCE, f"B{moved_row}"): "无",
        },
    )
    review = _import(project, done)
    assert (review.reviewer, review.dropped, review.merged) == ("赵老师", 1, 1)
    stored = _stored(project)
    stored = stored[stored["cluster"] == CLUSTER]
    assert set(stored["episode_id"]) == {r[0] for r in episodes[1:]} - {second, fourth}
    assert stored.loc[stored["episode_id"] == first, "name"].iloc[0] == "花卉世界"
    assert moved_unit not in set(stored["unit_id"])
    fourth_units = {r[0] for r in evidence[1:] if r[1] == fourth}
    assert fourth_units <= set(stored.loc[stored["episode_id"] == third, "unit_id"])
    assert set(stored["reviewed_by"]) == {"赵老师"}
    assert set(stored["proposed_by"]) == {METHOD}


def test_export_says_reviewed_or_proposed(project, tmp_path):
    book = load_codebook(project_codebook(project))
    with open_project(project) as store:
        store.save_episodes(["古镇灯饰"], [], [])  # this cluster has no review now
        result = export_episodes(store, book, tmp_path / "e.csv")
    assert result.sources["古镇灯饰"] == "proposed"
    assert result.sources[CLUSTER] == "reviewed"
    table = pd.read_csv(tmp_path / "e.csv", encoding="utf-8-sig")
    for column in ["episode_id", "cluster", "name", "year_start", "year_end", "ca_type", "mode",
                   "forms", "initiators", "unit_ids", "n_interviewees", "roles"]:  # fmt: skip
        assert column in table.columns
    assert table["unit_ids"].str.contains("#").all()


@pytest.mark.parametrize(
    ("edits", "where"),
    [
        (
            {(SHEET_EVIDENCE, "E2"): "改过的文本"},
            f"sheet {SHEET_EVIDENCE}, cell E2: the text was edited",
        ),
        ({(SHEET_EPISODES, "C2"): "也许"}, f"sheet {SHEET_EPISODES}, cell C2: '也许' is not"),
        ({(SHEET_EVIDENCE, "B3"): "E99"}, f"sheet {SHEET_EVIDENCE}, cell B3: 'E99' is not"),
        (
            {(SHEET_EPISODES, "B2"): "", (SHEET_EPISODES, "D2"): ""},
            "cell B2: a kept episode needs a name",
        ),
        ({(SHEET_EPISODES, "D2"): "=A3"}, "cell D2: a formula"),
        (
            {(SHEET_EVIDENCE, "A2"): "flowers-99#2"},
            "cell A2: unit 'flowers-99#2' was not in this sheet",
        ),
        ({(SHEET_EPISODES, "A1"): "id"}, "cell A1: expected the column 'episode_id'"),
    ],
)
def test_bad_cells_are_named_and_nothing_is_stored(project, sheet, tmp_path, edits, where):
    before = _stored(project)
    bad = _edit(sheet, tmp_path / "bad.xlsx", edits)
    with pytest.raises(SheetError) as caught:
        _import(project, bad)
    assert where in str(caught.value)
    pd.testing.assert_frame_equal(_stored(project), before)


def test_merge_into_a_dropped_episode_is_refused(project, sheet, tmp_path):
    episodes = _rows(sheet, SHEET_EPISODES)
    bad = _edit(sheet, tmp_path / "bad.xlsx", {(SHEET_EPISODES, "C3"): "删除",
                                               (SHEET_EPISODES, "D2"): episodes[2][0]})  # fmt: skip
    with pytest.raises(SheetError, match="cell D2: .* is dropped or merged itself"):
        _import(project, bad)


def test_tampered_metadata_is_refused(project, sheet, tmp_path):
    wb = openpyxl.load_workbook(sheet)
    for row in wb[SHEET_META].iter_rows():
        if row[0].value == "coder":
            row[1].value = "consensus"
    wb.save(tmp_path / "forged.xlsx")
    with pytest.raises(SheetError, match="hidden metadata was changed"):
        _import(project, tmp_path / "forged.xlsx")


def test_a_deleted_evidence_row_is_refused(project, sheet, tmp_path):
    wb = openpyxl.load_workbook(sheet)
    wb[SHEET_EVIDENCE].delete_rows(3)
    wb.save(tmp_path / "short.xlsx")
    with pytest.raises(SheetError, match=f"sheet {SHEET_EVIDENCE}, cell A3: rows were added"):
        _import(project, tmp_path / "short.xlsx")


def test_a_coding_sheet_is_not_an_episode_sheet(project, tmp_path):
    from coding.sheets import export_coding_sheet

    book = load_codebook(project_codebook(project))
    with open_project(project) as store:
        export_coding_sheet(store, book, "赵老师", tmp_path / "c.xlsx", cluster=CLUSTER)
        with pytest.raises(SheetError, match="unknown format"):
            import_episode_sheet(store, tmp_path / "c.xlsx")


def test_machines_cannot_review(project, tmp_path):
    book = load_codebook(project_codebook(project))
    with open_project(project) as store, pytest.raises(OptionError):
        export_episode_sheet(store, book, "consensus", tmp_path / "x.xlsx", CLUSTER)


def test_cli_propose_import_export(project, runner, tmp_path):
    out = tmp_path / "cli.xlsx"
    result = runner.invoke(
        app, ["episodes", "propose", "--out", str(out), "--reviewer", "赵老师",
              "--cluster", CLUSTER, "-p", str(project)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "proposed episodes" in result.stdout
    result = runner.invoke(app, ["episodes", "import", str(out), "-p", str(project)])
    assert result.exit_code == 0, result.output
    assert "reviewed by 赵老师" in result.stdout
    result = runner.invoke(
        app, ["episodes", "export", "--out", str(tmp_path / "e.csv"), "-p", str(project)]
    )
    assert result.exit_code == 0, result.output
    assert f"{CLUSTER}: reviewed episodes" in result.stdout
    bad = runner.invoke(
        app, ["episodes", "import", str(tmp_path / "none.xlsx"), "-p", str(project)]
    )
    assert bad.exit_code == 1 and "Error:" in bad.stderr


def test_demo_reports_open_with_the_reviewed_episodes(sample_project):
    text = (sample_project / "reports" / f"{CLUSTER}.md").read_text(encoding="utf-8")
    assert text.index("## 合作行动的演变") < text.index("## 一、概况")
    assert "已由研究者审核（张老师）" in text
    assert "花卉世界专业市场" in text  # the key's name, given by the simulated reviewer


def test_the_help_is_cut_into_rows_that_fit_and_lose_nothing(sheet):
    # programs do not all grow a row to fit wrapped text: the help comes in rows that fit
    from unicodedata import east_asian_width

    from coding.episodes.sheet import HELP, HELP_WIDTH

    rows = [r[0] for r in _rows(sheet, "说明") if r[0]]
    width = [sum(2 if east_asian_width(c) in "WF" else 1 for c in r) for r in rows]
    assert max(width) <= HELP_WIDTH + 2  # closing punctuation may end a full row
    assert len(rows) > len(HELP)
    assert "".join(rows).replace(" ", "") == "".join(HELP).replace(" ", "")
    assert not any(r.startswith(("。", "，", "）", " ")) for r in rows)
