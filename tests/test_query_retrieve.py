"""retrieve: coded segments with their evidence, the trusted coder, --all-of, output files."""

from __future__ import annotations

import csv
import shutil

import pytest

from cli import app
from coding.errors import OptionError, QueryError
from coding.project import open_project
from coding.query.filters import unit_filter
from coding.query.output import evidence_html
from coding.query.retrieve import RETRIEVE_COLUMNS, retrieve
from coding.trust import trusted_coders


def test_segments_carry_their_evidence_and_the_trusted_coder(sample_project):
    with open_project(sample_project) as store:
        frame = retrieve(store, ["CA.MH", "ACT.FIRM"], unit_filter())
        best = dict(trusted_coders(store).itertuples(index=False))
    assert list(frame.columns) == RETRIEVE_COLUMNS and len(frame) > 10
    assert list(dict.fromkeys(frame["code"])) == ["CA.MH", "ACT.FIRM"]  # grouped, in order
    for row in frame.itertuples():
        assert row.code_id == row.code or row.code_id.startswith(row.code + ".")
        assert row.coder == best[row.unit_id]
        if row.start == row.start:  # a span, not the whole unit
            assert row.text[int(row.start) : int(row.end)] == row.evidence
    assert (frame["code_id"] == "ACT.FIRM.SMALL").any()  # children come with their parent


def test_segments_are_the_trusted_codings_read_without_the_query_layer(sample_project):
    # retrieve reads only the codes asked for, trust chosen in SQL; here every coding is
    # read and each unit's most trusted coder chosen by trust.trusted_coders (pandas)
    flt = unit_filter(speaker="interviewee")
    with open_project(sample_project) as store:
        frame = retrieve(store, ["FORM", "CA.MH"], flt)
        every = store.codings().merge(trusted_coders(store), on=["unit_id", "coder"])
    every = every[~every["is_interviewer"].astype(bool)]

    def rows(f):
        return sorted(
            zip(f["unit_id"], f["code_id"], f["coder"], f["evidence"].map(str), strict=True)
        )

    for code in ["FORM", "CA.MH"]:
        mine = every[[c == code or c.startswith(code + ".") for c in every["code_id"]]]
        assert len(mine) > 0 and rows(frame[frame["code"] == code]) == rows(mine)


def test_all_of_stance_and_coder(sample_project):
    with open_project(sample_project) as store:
        any_of = retrieve(store, ["CA.MH", "FORM.FINANCE"], unit_filter())
        all_of = retrieve(store, ["CA.MH", "FORM.FINANCE"], unit_filter(), all_of=True)
        negative = retrieve(store, ["CA.MH"], unit_filter(), stance="negative")
        rules = next(c for c in store.coder_kinds() if c.startswith("rules@"))
        by_rules = retrieve(store, ["CA.MH"], unit_filter(), coder=rules)
        with pytest.raises(QueryError):
            retrieve(store, ["NOPE.CODE"], unit_filter())
        with pytest.raises(OptionError):
            retrieve(store, ["CA.MH"], unit_filter(), stance="angry")
    both = set(any_of[any_of["code"] == "CA.MH"]["unit_id"]) & set(
        any_of[any_of["code"] == "FORM.FINANCE"]["unit_id"]
    )
    assert set(all_of["unit_id"]) == both and both
    assert len(negative) > 0 and (negative["stance"] == "negative").all()
    assert (by_rules["coder"] == rules).all() and len(by_rules) >= len(
        any_of[any_of["code"] == "CA.MH"]
    ) // 2


def test_evidence_html_escapes_and_marks():
    html = str(evidence_html("<b>协会</b>说了", 3, 5))
    assert html == "&lt;b&gt;<mark>协会</mark>&lt;/b&gt;说了"
    assert str(evidence_html("<i>", None, None)) == "&lt;i&gt;"


def test_cli_commands_write_their_files(sample_project, runner, tmp_path):
    # a copy: `words` keeps its word counts in the project database
    shutil.copytree(sample_project, tmp_path / "proj")
    project = str(tmp_path / "proj")
    result = runner.invoke(
        app, ["retrieve", "FORM.FINANCE", "-p", project, "--out", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 0, result.output
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<mark>" in page and "FORM.FINANCE" in page
    result = runner.invoke(app, ["search", "聯保", "-p", project, "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "s.csv", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle))
    assert {"unit_id", "speaker", "role", "cluster", "left", "hit", "right"} <= set(header)
    result = runner.invoke(
        app, ["words", "-p", project, "--by", "role", "--out", str(tmp_path / "w.html")]
    )
    assert result.exit_code == 0, result.output
    assert "<svg" in (tmp_path / "w.html").read_text(encoding="utf-8")
    result = runner.invoke(
        app, ["matrix", "-p", project, "--by", "cluster", "--out", str(tmp_path / "m.csv")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m.csv").exists() and (tmp_path / "m.cooccurrence.csv").exists()
    result = runner.invoke(app, ["search", "联保", "-p", project, "--out", str(tmp_path / "s.pdf")])
    assert result.exit_code == 1 and "Error:" in result.stderr
