"""Case-study reports: scoped to their cluster, sourced, gated, and the same in every format."""

import shutil
import sqlite3

import pandas as pd
import pytest
from markupsafe import escape

from coding.codebook import load_codebook
from coding.findings import FINDING_COLUMNS
from coding.gating import STATUS_LABEL, UNRELIABLE, validation_table, verdict
from coding.project import SHIPPED_CODEBOOKS, VALIDATION, open_project
from coding.report.build import write_reports
from coding.report.data import build_report, cluster_units
from coding.report.layout import Table, cluster_document
from coding.report.text import TEXT
from coding.stats import NOT_TESTED
from coding.trust import trusted_codings


@pytest.fixture(scope="module")
def validation():
    return validation_table(None, SHIPPED_CODEBOOKS / VALIDATION)


@pytest.fixture(scope="module")
def built(sample_project, validation):
    """The three clusters' report data, built once."""
    from coding.beliefs import analyse

    book = load_codebook()
    with open_project(sample_project) as store:
        beliefs = analyse(store, book)
        reports = {
            c: build_report(store, book, c, beliefs, validation=validation)
            for c in ("古镇灯饰", "大沥铝型材", "陈村花卉")
        }
    return book, reports


@pytest.fixture(scope="module")
def written(sample_project, tmp_path_factory):
    """Every report of the sample project in every format."""
    out = tmp_path_factory.mktemp("reports")
    with open_project(sample_project) as store:
        paths = write_reports(store, load_codebook(), out)
    return out, paths


def _counts(store, cluster, prefix):
    """Units per code and source, counted directly from the trusted codings."""
    units = cluster_units(store, cluster)
    chosen = trusted_codings(store).merge(units[["unit_id", "source"]], on="unit_id")
    chosen = chosen[chosen["code_id"].str.startswith(prefix)]
    return chosen.groupby(["code_id", "source"])["unit_id"].nunique()


def test_counts_keep_interview_turns_and_open_answers_apart(sample_project, built):
    _, reports = built
    report = reports["古镇灯饰"]
    with open_project(sample_project) as store:
        expected = _counts(store, "古镇灯饰", "CA.")
    table = report.actions.set_index("code_id")
    assert "units" not in table  # no column sums the two sources
    for (code, source), n in expected.items():
        column = {"interview": "interview_turns", "open_answer": "open_answers"}[source]
        assert table.loc[code, column] == n
    # the reviewer's case: CA.MH is told in interviews and in open answers, shown apart
    assert table.loc["CA.MH", "interview_turns"] > 0 and table.loc["CA.MH", "open_answers"] > 0


def test_a_cluster_report_is_computed_on_that_cluster_alone(sample_project, built, tmp_path):
    """Delete another cluster's codings and survey answers: this cluster's report is unchanged."""
    book, reports = built
    project = tmp_path / "proj"
    shutil.copytree(sample_project, project)
    with sqlite3.connect(project / "clusterqda.sqlite") as conn:
        conn.execute(
            "DELETE FROM codings WHERE unit_id IN (SELECT unit_id FROM units JOIN documents"
            " USING (doc_id) WHERE cluster = '陈村花卉')"
        )
        conn.execute(
            "DELETE FROM answer_sets WHERE respondent_id IN"
            " (SELECT respondent_id FROM respondents WHERE cluster = '陈村花卉')"
        )
    from coding.beliefs import analyse

    with open_project(project) as store:
        again = build_report(
            store,
            book,
            "古镇灯饰",
            analyse(store, book),
            validation=validation_table(None, SHIPPED_CODEBOOKS / VALIDATION),
        )
    before = reports["古镇灯饰"]
    for name in ("actions", "goals", "conditions", "modes", "attitudes", "timeline"):
        pd.testing.assert_frame_equal(getattr(before, name), getattr(again, name))
    pd.testing.assert_frame_equal(before.findings, again.findings)
    pd.testing.assert_frame_equal(before.provenance.double_coded, again.provenance.double_coded)


def test_coders_and_agreement_are_stated_per_cluster(built):
    _, reports = built
    lighting, aluminium = reports["古镇灯饰"], reports["大沥铝型材"]
    overview = dict(lighting.overview.to_numpy())
    coders = lighting.provenance.coders
    # every unit is counted for exactly one coder
    assert coders["interview_turns"].sum() == overview["受访者发言单元 interviewee turns"]
    assert coders["open_answers"].sum() == overview["开放题回答 open answers"]
    assert {"consensus", "王助理"} <= set(coders["coder"])
    pairs = set(
        zip(
            lighting.provenance.double_coded["first"],
            lighting.provenance.double_coded["second"],
            strict=True,
        )
    )
    assert ("王助理", "李助理") in pairs or ("李助理", "王助理") in pairs
    from coding.hybrid.coder import shipped_weights

    # the aluminium cluster was coded by the default coder alone: nothing double-coded there
    assert list(aluminium.provenance.coders["coder"]) == [shipped_weights(load_codebook()).coder]
    assert aluminium.provenance.double_coded.empty
    text = _html_text(cluster_document(aluminium, {}))
    assert TEXT["zh"]["no_double"].format(cluster="大沥铝型材") in text
    # every cluster's methods give the rules' held-out validation with its n
    for report in (lighting, aluminium):
        assert (report.validation["n_units"] == 166).all() and len(report.validation) == 8
    assert TEXT["zh"]["validation"] in text


def test_gating_follows_the_measured_agreement(sample_project, built, validation):
    """The default coder alone in 大沥: each dimension's status is the verdict of its
    held-out alpha."""
    from coding.hybrid.coder import shipped_weights

    book, reports = built
    report = reports["大沥铝型材"]
    mine = validation[
        (validation["codebook_hash"] == book.hash)
        & (validation["coder"] == shipped_weights(book).coder)
    ]
    held_out = mine.set_index("dimension")["alpha"]
    for dimension, alpha in held_out.items():
        assert report.provenance.status(dimension) == verdict(alpha)
    unreliable = [d for d, a in held_out.items() if verdict(a) == UNRELIABLE]
    assert unreliable, "the shipped rules have at least one dimension below 0.5 on held-out gold"
    shown = pd.concat([report.actions, report.modes, report.goals, report.conditions])
    assert not shown["code_id"].str.split(".").str[0].isin(unreliable).any()
    assert set(unreliable) == set(report.excluded)
    # every count shows its dimension's alpha and status beside it
    for row in shown.itertuples():
        dimension = row.code_id.split(".")[0]
        assert row.alpha == pytest.approx(held_out[dimension])
        assert row.status == STATUS_LABEL[verdict(held_out[dimension])]
    with open_project(sample_project) as store:
        everything = build_report(
            store, book, "大沥铝型材", validation=validation, include_unreliable=True
        )
    shown = pd.concat([everything.goals, everything.modes])
    assert "GOAL" in unreliable and (shown["status"] == STATUS_LABEL[UNRELIABLE]).any()


def test_a_turn_is_quoted_once_and_the_timeline_has_one_row_per_turn_and_year(built):
    _, reports = built
    for report in reports.values():
        units = [q.unit_id for q in report.quotes]
        assert len(units) == len(set(units))
        assert not report.timeline.duplicated(["unit_id", "year"]).any()


def _html_text(doc) -> str:
    from coding.report.render import render_html

    return render_html(doc)


def test_every_format_carries_every_section(written):
    import docx

    out, _ = written
    for stem in ("古镇灯饰", "index"):
        html = (out / f"{stem}.html").read_text(encoding="utf-8")
        md = (out / f"{stem}.md").read_text(encoding="utf-8")
        word = docx.Document(str(out / f"{stem}.docx"))
        headings = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
        assert len(headings) >= 5
        for heading in headings:
            assert f"<h2>{heading}</h2>" in html
            assert f"\n## {heading}\n" in md
    titles = list(TEXT["zh"]["sections"].values())
    word = docx.Document(str(out / "古镇灯饰.docx"))
    assert [p.text for p in word.paragraphs if p.style.name == "Heading 1"] == titles


def test_the_excel_report_has_a_findings_sheet_that_feeds_the_text(written):
    import openpyxl

    out, _ = written
    for stem in ("古镇灯饰", "index"):
        book = openpyxl.load_workbook(out / f"{stem}.xlsx")
        assert "findings" in book.sheetnames
        rows = list(book["findings"].iter_rows(values_only=True))
        assert list(rows[0]) == FINDING_COLUMNS
        html = (out / f"{stem}.html").read_text(encoding="utf-8")
        column = {name: i for i, name in enumerate(FINDING_COLUMNS)}
        untested = [r for r in rows[1:] if r[column["test"]] in NOT_TESTED]
        for row in rows[1:]:
            if row[column["test"]] not in NOT_TESTED:  # every tested row's sentence is shown
                assert escape(row[column["finding"]]) in html
                assert row[column["effect_size"]] is not None and row[column["p_adjusted"]] <= 1
                assert row[column["p_adjusted"]] >= row[column["p"]]
        if untested:
            assert TEXT["zh"]["untested"].format(n=len(untested)) in html
    # numbers stay numbers
    sheet = openpyxl.load_workbook(out / "大沥铝型材.xlsx")["合作行动 actions"]
    header = [c.value for c in sheet[1]]
    turns = [
        r[header.index("interview_turns")] for r in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert turns and all(isinstance(t, int | float) for t in turns)


def test_the_comparison_report_links_every_cluster_and_compares_shares(written):
    import openpyxl

    out, paths = written
    index = (out / "index.html").read_text(encoding="utf-8")
    for cluster in ("古镇灯饰", "大沥铝型材", "陈村花卉"):
        for suffix in ("html", "md", "xlsx", "docx"):
            assert f'href="{cluster}.{suffix}"' in index
    book = openpyxl.load_workbook(out / "index.xlsx")
    shares = book["访谈 interview shares"]
    values = [v for row in shares.iter_rows(min_row=2, values_only=True) for v in row[2:]]
    assert values and all(v is None or 0 <= v <= 100 for v in values)
    # a cluster's report never carries the cross-cluster comparison
    assert "index" not in [p.stem for p in paths if p.suffix == ".html"][:-1]


def test_write_reports_and_errors(sample_project, tmp_path):
    from coding.errors import ClusterQDAError

    book = load_codebook()
    with open_project(sample_project) as store:
        paths = write_reports(store, book, tmp_path, ["陈村花卉"], ["html", "md"])
        assert [p.name for p in paths] == ["陈村花卉.html", "陈村花卉.md", "index.html", "index.md"]
        assert 'href="陈村花卉.html"' in (tmp_path / "index.html").read_text(encoding="utf-8")
        with pytest.raises(ClusterQDAError, match="no cluster '火星'"):
            write_reports(store, book, tmp_path, ["火星"])
        with pytest.raises(ClusterQDAError, match="unknown report format 'pdf'"):
            write_reports(store, book, tmp_path, None, ["pdf"])


def test_anonymize_replaces_names_everywhere_and_keeps_the_mapping_apart(sample_project, tmp_path):
    import csv

    project = tmp_path / "proj"
    shutil.copytree(sample_project, project)  # the key goes into the project: use a copy
    with open_project(project) as store:
        paths = write_reports(
            store, load_codebook(), tmp_path, ["陈村花卉"], ["html", "md"], anonymize=True
        )
        plain = write_reports(store, load_codebook(), tmp_path / "plain", ["陈村花卉"], ["html"])
    key = project / "private" / "pseudonyms.csv"
    mapping = dict(csv.reader(key.read_text(encoding="utf-8-sig").splitlines()[1:]))
    assert key.stat().st_mode & 0o077 == 0 and (project / "private").stat().st_mode & 0o077 == 0
    assert not list(tmp_path.glob("*.csv"))  # nothing of the key beside the reports
    kinds = ("受访者", "访谈者", "人物", "企业", "协会", "政府部门", "学校", "中心", "机构")
    assert mapping and all(v.startswith(kinds) for v in mapping.values())
    html = (tmp_path / "陈村花卉.html").read_text(encoding="utf-8")
    original = plain[0].read_text(encoding="utf-8")
    found = [name for name in mapping if name in original]
    assert found, "the sample quotations name somebody"
    for name in found:
        assert name not in html
    assert "pseudonyms.csv" not in html
    assert "pseudonyms.csv" not in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert key in paths


def test_word_report_has_headings_tables_and_cjk_charts(written):
    import docx

    from coding.report.charts import chart_font, font_covers

    out, _ = written
    path = out / "陈村花卉.docx"
    document = docx.Document(str(path))
    assert len(document.tables) >= 10
    assert len(document.inline_shapes) >= 2  # the charts, as images
    labels = "".join(c.label for c in load_codebook().codes.values()) + "企业层面集群层面区域层面年"
    assert font_covers(chart_font(), labels)  # no empty boxes in the charts


@pytest.mark.skipif(shutil.which("libreoffice") is None, reason="libreoffice is not installed")
def test_word_report_converts_to_pdf_in_libreoffice(written, tmp_path):
    import subprocess

    out, _ = written
    subprocess.run(
        [
            "libreoffice",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(out / "陈村花卉.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert (tmp_path / "陈村花卉.pdf").stat().st_size > 10_000


def test_english_reports(sample_project, tmp_path):
    with open_project(sample_project) as store:
        paths = write_reports(
            store, load_codebook(), tmp_path, ["古镇灯饰"], ["html", "md"], lang="en"
        )
    assert [p.name for p in paths] == [
        "古镇灯饰.en.html",
        "古镇灯饰.en.md",
        "index.en.html",
        "index.en.md",
    ]
    html = paths[0].read_text(encoding="utf-8")
    assert "1. Overview" in html and "8. Methods appendix" in html
    assert "Multilateral horizontal" in html  # the codebook's English labels


def test_tables_of_the_layout_are_the_excel_sheets(built):
    _, reports = built
    doc = cluster_document(reports["古镇灯饰"], {})
    sheets = [b.sheet for s in doc.sections for b in s.blocks if isinstance(b, Table)]
    assert len(sheets) == len(set(sheets))  # one sheet per table, none overwritten
    tables = [s for s in doc.tables() if s != "引文 quotations"]  # quotations become a sheet too
    assert tables == [s for s in sheets if doc.tables().get(s) is not None]
    assert "引文 quotations" in doc.tables() and "findings" in doc.tables()
