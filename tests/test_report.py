"""Case-study reports: each section shows the data it comes from; text is always escaped."""

import copy
from html import escape

import pytest

from coding.codebook import load_codebook
from coding.project import open_project
from coding.report.build import write_reports
from coding.report.data import build_report, years_mentioned
from coding.report.markdown import render_markdown
from coding.report.render import render_html


@pytest.fixture(scope="module")
def sample(sample_project):
    book = load_codebook()
    with open_project(sample_project) as store:
        from coding.beliefs import analyse

        beliefs = analyse(store, book)
        report = build_report(store, book, "古镇灯饰", beliefs)
        units = store.units()
    return book, report, units


def test_years_are_resolved():
    assert years_mentioned("零三年还是零四年成立的，九十年代开始，2008年危机，去年涨了", 2023) == [
        2003,
        2004,
        1990,
        2008,
        2022,
    ]
    assert years_mentioned("去年", None) == []


def test_sections_match_the_data(sample):
    book, report, units = sample
    overview = dict(report.overview.to_numpy())
    lighting = units[(units["cluster"] == "古镇灯饰") & ~units["is_interviewer"]]
    transcripts = lighting[~lighting["doc_id"].str.contains(":")]
    assert overview["受访者发言单元 interviewee turns"] == len(transcripts)
    assert overview["访谈文档 interviews"] == 6
    assert report.interviewees["n"].sum() == 6
    # every quotation is a real turn of this cluster, quoted as spoken
    texts = units.set_index("unit_id")["text"]
    for q in report.quotes:
        assert texts[q.unit_id] == q.text and q.doc_id.startswith(("lighting", "cluster"))
    # the action table counts units, so no count exceeds the cluster's units
    assert report.actions["units"].max() <= len(lighting)
    assert set(report.goals["level"]) <= {"企业层面", "集群层面", "区域层面"}
    assert report.findings and "信任因集群而异" in " ".join(report.findings)
    # each timeline year quotes the opening of a turn that mentions that year
    assert not report.timeline.empty
    for row in report.timeline.itertuples():
        spoken = " ".join(texts[row.example].split())
        assert spoken.startswith(row.quote.removesuffix("…")) and len(row.quote) <= 61
    labels = {c.id: c.label for c in book.codes.values()}
    first = report.timeline.iloc[0]  # grouped by year, so the earliest year comes first
    assert f"{first.year}年：" in render_html(report, labels)
    assert escape(first.quote) in render_html(report, labels)


def test_html_is_self_contained_and_escapes_text(sample):
    book, shared, _ = sample
    report = copy.deepcopy(shared)  # the module's report stays as built for the other tests
    labels = {c.id: c.label for c in book.codes.values()}
    report.quotes[0].text = "<script>alert(1)</script>" + report.quotes[0].text
    report.quotes[0].start = report.quotes[0].end = None
    html = render_html(report, labels)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<svg" in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "<link" not in html and "<script" not in html
    for heading in (
        "一、概况",
        "二、合作行动",
        "三、行动目标",
        "四、时间线",
        "五、条件与评价",
        "六、引文",
        "七、观念与态度",
        "八、与其他集群比较",
        "九、方法附录",
    ):
        assert heading in html


def test_markdown_has_the_sections_and_tables(sample):
    book, report, _ = sample
    md = render_markdown(report, {c.id: c.label for c in book.codes.values()})
    assert md.startswith("# 古镇灯饰")
    assert "| code_id | label | units |" in md
    assert md.count("## ") >= 9


def test_write_reports_and_errors(sample_project, tmp_path):
    from coding.errors import ClusterQDAError

    book = load_codebook()
    with open_project(sample_project) as store:
        paths = write_reports(store, book, tmp_path, ["陈村花卉"], ["html", "md"])
        assert [p.name for p in paths] == ["陈村花卉.html", "陈村花卉.md", "index.html"]
        assert "陈村花卉.html" in (tmp_path / "index.html").read_text(encoding="utf-8")
        with pytest.raises(ClusterQDAError, match="no cluster '火星'"):
            write_reports(store, book, tmp_path, ["火星"])
        with pytest.raises(ClusterQDAError, match="unknown report format 'pdf'"):
            write_reports(store, book, tmp_path, None, ["pdf"])


def test_excel_report_keeps_numbers_as_numbers(sample_project, tmp_path):
    import openpyxl

    with open_project(sample_project) as store:
        (path, _) = write_reports(store, load_codebook(), tmp_path, ["大沥铝型材"], ["xlsx"])
    book = openpyxl.load_workbook(path)
    assert "合作行动 actions" in book.sheetnames and "引文 quotations" in book.sheetnames
    sheet = book["合作行动 actions"]
    header = [c.value for c in sheet[1]]
    units = [row[header.index("units")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert units and all(isinstance(u, int | float) for u in units)


def test_anonymize_replaces_names_everywhere_and_keeps_the_mapping_apart(sample_project, tmp_path):
    import csv
    import shutil

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


def test_word_report_has_headings_tables_and_cjk_charts(sample_project, tmp_path):
    import docx

    from coding.report.docx import chart_font, font_covers
    from coding.report.text import TEXT

    with open_project(sample_project) as store:
        (path, _) = write_reports(store, load_codebook(), tmp_path, ["陈村花卉"], ["docx"])
    document = docx.Document(str(path))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == TEXT["zh"]["sections"]
    assert len(document.tables) >= 8
    assert len(document.inline_shapes) >= 2  # the charts, as images
    labels = "".join(c.label for c in load_codebook().codes.values()) + "企业层面集群层面区域层面年"
    assert font_covers(chart_font(), labels)  # no empty boxes in the charts
    assert oct(path.stat().st_mode & 0o777) != oct(0o600)


@pytest.mark.skipif(
    __import__("shutil").which("libreoffice") is None, reason="libreoffice is not installed"
)
def test_word_report_converts_to_pdf_in_libreoffice(sample_project, tmp_path):
    import subprocess

    with open_project(sample_project) as store:
        (path, _) = write_reports(store, load_codebook(), tmp_path, ["陈村花卉"], ["docx"])
    subprocess.run(
        ["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
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
    assert [p.name for p in paths] == ["古镇灯饰.en.html", "古镇灯饰.en.md", "index.html"]
    html = paths[0].read_text(encoding="utf-8")
    assert "1. Overview" in html and "9. Methods appendix" in html
    assert "Multilateral horizontal" in html  # the codebook's English labels
    assert "differs by" in html
