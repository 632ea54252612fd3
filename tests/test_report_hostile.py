"""Reports of hostile transcripts: file names stay in the out folder, no markup from the data.

One small project is built once: transcripts whose cluster names are paths, device
names, ANSI escapes or very long, and two whose every metadata field is an HTML
payload; every transcript's turns carry HTML, Markdown, a formula and control
characters. `clusterqda report --all --out` writes every format once for all tests.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from coding.autocode import code_project
from coding.codebook import load_codebook
from coding.ingest import ingest
from coding.project import init_project, open_project, project_codebook
from coding.report.safe import MAX_STEM_BYTES, RESERVED, md_escape, unique_stems

PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
FIELDS = ("id", "cluster", "interviewee", "role", "organisation", "location", "interviewer")
NAMES = ("../../x", "a/b", "a_b", "CON", "\x1b[31mred", "长" * 300)
MARKDOWN = (
    "[点我](javascript:alert(3))",
    "![t](http://example.org/p.png)",
    '<iframe src="http://example.org/"></iframe>',
    "<!--",
)
FORMULA = "=cmd|' /C calc'!A0"
BODY = (
    "问：商会哪年成立的？大家怎么合作？\n"
    f"答：零三年成立了商会，大家一起办展会，联合采购，共同制定行业标准。{' '.join(MARKDOWN)}\n"
    "问：政府呢？\n"
    f"答：{FORMULA} 政府牵头搞了灯博会，{PAYLOADS[0]} 企业出钱，"
    f"商会组织，{PAYLOADS[1]} \x1b[2J\x07\n"
)
CLUSTERS = (*NAMES, *PAYLOADS)


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, int]]:
    """Build the hostile project, write every report into one/two/out.

    Return the root, the out folder and the exit code of each report run (text
    formats and office formats run apart, so that each test fails on its own).
    """
    root = tmp_path_factory.mktemp("hostile")
    (root / "in").mkdir()
    fronts = [
        {"id": f"doc{i}", "cluster": name, "date": f"2023-05-0{i + 1}", "role": "ACT.ASSOC"}
        for i, name in enumerate(NAMES)
    ]
    fronts += [{field: payload for field in FIELDS} | {"date": payload} for payload in PAYLOADS]
    for i, front in enumerate(fronts):
        header = yaml.safe_dump(front, allow_unicode=True, width=10_000)
        (root / "in" / f"t{i}.txt").write_text(f"---\n{header}---\n{BODY}", encoding="utf-8")
    init_project(root / "proj")
    with open_project(root / "proj") as store:
        ingest(store, [root / "in"], workers=1)
        code_project(store, load_codebook(project_codebook(root / "proj")), workers=1)
    out = root / "one" / "two" / "out"
    exits = {}
    for formats in ("html,md", "xlsx,docx"):
        result = CliRunner().invoke(
            app,
            ["report", "-p", str(root / "proj"), "--all", "--out", str(out), "--format", formats],
        )
        exits[formats] = result.exit_code
    return root, out, exits


class Elements(HTMLParser):
    """Collect the elements, attribute names, comments and text of an HTML page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[str] = []
        self.comments: list[str] = []
        self.text: list[str] = []
        self.hrefs: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]
        self.hrefs += [value for name, value in attrs if name == "href"]

    def handle_comment(self, data):
        self.comments.append(data)

    def handle_data(self, data):
        self.text.append(data)


def test_report_files_stay_in_the_out_folder_and_are_distinct(hostile):
    root, out, exits = hostile
    assert exits == {"html,md": 0, "xlsx,docx": 0}
    everything = set(root.rglob("*"))
    given_ = {
        p for p in everything if p.is_relative_to(root / "in") or p.is_relative_to(root / "proj")
    }
    files = sorted(p for p in everything - given_ if p.is_file())
    assert everything - given_ == {root / "one", root / "one" / "two", out, *files}
    assert all(p.parent == out for p in files)
    assert not any((root / "proj" / "reports").iterdir())  # --out, so nothing there
    assert len(files) == 4 * (len(CLUSTERS) + 1)  # and the comparison, index.*
    assert len({p.name.casefold() for p in files}) == len(files)
    for path in (p for p in files if p.stem != "index"):
        assert re.fullmatch(r"[\w-]+\.(html|md|xlsx|docx)", path.name), path.name
        assert path.name.split(".")[0].casefold() not in RESERVED
        assert len(path.name.encode()) <= MAX_STEM_BYTES + 20
    # the index (written by the html run) links each report of that run by its file name,
    # and names the clusters
    index = Elements((out / "index.html").read_text(encoding="utf-8"))
    html_run = [p.name for p in files if p.suffix in (".html", ".md") and p.stem != "index"]
    assert sorted(index.hrefs) == sorted(html_run)
    shown = "".join(index.text)
    assert all(name in shown for name in ("../../x", "a/b", "a_b", "CON", *PAYLOADS))


def test_one_cluster_alone_gets_the_file_name_it_gets_among_all(hostile, tmp_path):
    from coding.report.build import write_reports

    root, out, _ = hostile
    with open_project(root / "proj") as store:
        paths = write_reports(store, load_codebook(), tmp_path, ["a_b"], ["md"])
    assert paths[0].name == f"{unique_stems(CLUSTERS)['a_b']}.md"
    assert (out / paths[0].name).exists()


def test_stems_are_stable_and_keep_safe_names():
    stems = unique_stems(NAMES)
    assert unique_stems(reversed([*NAMES, "古镇灯饰"])) == stems | {"古镇灯饰": "古镇灯饰"}
    assert stems["a/b"] != stems["a_b"] and stems["CON"].startswith("CON-")
    assert unique_stems(["index", "Foo", "foo"]).keys() == {"index", "Foo", "foo"}
    assert unique_stems(["陈村花卉", "大沥铝型材"]) == {
        "陈村花卉": "陈村花卉",
        "大沥铝型材": "大沥铝型材",
    }


@given(st.lists(st.text(max_size=150), max_size=8))
def test_any_names_get_distinct_safe_stems(names):
    stems = unique_stems(names)
    assert set(stems) == set(names)
    assert len({s.casefold() for s in stems.values()}) == len(stems)
    for stem in stems.values():
        assert re.fullmatch(r"[\w-]+", stem) and stem[0] not in "-_"
        assert stem.casefold() not in RESERVED
        assert len(stem.encode("utf-8", "surrogatepass")) <= MAX_STEM_BYTES + 12
    for name in names:  # a name that is already a safe stem keeps itself, alone
        plain = re.fullmatch(r"[^\W_]([\w-]*[^\W_])?", name) and name.casefold() not in RESERVED
        if plain and len(name.encode()) <= MAX_STEM_BYTES:
            assert unique_stems([name]) == {name: name}


def _assert_no_markup(page: Elements) -> None:
    assert not {"script", "img", "iframe", "object", "embed"} & set(page.tags)
    assert not [a for a in page.attributes if a.lower().startswith("on")]


def test_html_reports_escape_every_metadata_field_and_the_text(hostile):
    _, out, exits = hostile
    assert exits["html,md"] == 0
    pages = {p: Elements(p.read_text(encoding="utf-8")) for p in out.glob("*.html")}
    assert len(pages) == len(CLUSTERS) + 1
    for page in pages.values():
        _assert_no_markup(page)
    stems = unique_stems(CLUSTERS)
    for payload in PAYLOADS:
        page = pages[out / f"{stems[payload]}.html"]
        text = "".join(page.text)
        # still readable: title, heading, cite (id), actor table (role) and the turn show it
        assert text.count(payload) >= 5
        assert "title" in page.tags and "cite" in page.tags


def test_html_comparison_report_escapes_cluster_names(hostile):
    from coding.report.comparison import comparison_document
    from coding.report.data import build_report
    from coding.report.render import render_html

    root, _, _ = hostile
    with open_project(root / "proj") as store:
        reports = [build_report(store, load_codebook(), name) for name in PAYLOADS]
    page = Elements(render_html(comparison_document(reports, None, PAYLOADS[0])))
    _assert_no_markup(page)
    text = "".join(page.text)
    assert all(text.count(name) >= 2 for name in PAYLOADS)  # in the tables, as text


def _render_markdown(text: str) -> Elements:
    from markdown_it import MarkdownIt

    # gfm-like: tables, strikethrough and linkify, as on a code forge
    return Elements(MarkdownIt("gfm-like").render(text))


def test_markdown_reports_render_the_data_as_text(hostile):
    _, out, exits = hostile
    assert exits["html,md"] == 0
    reports = sorted(out.glob("*.md"))
    assert len(reports) == len(CLUSTERS) + 1  # and the comparison, index.md
    for path in reports:
        page = _render_markdown(path.read_text(encoding="utf-8"))
        _assert_no_markup(page)
        assert "a" not in page.tags and not page.comments
        if path.stem == "index":
            continue  # the comparison quotes no turn
        text = "".join(page.text)
        for snippet in (*MARKDOWN, *PAYLOADS, FORMULA, "http://example.org/p.png"):
            assert snippet in text, snippet
    stems = unique_stems(CLUSTERS)
    heading = _render_markdown((out / f"{stems['../../x']}.md").read_text(encoding="utf-8"))
    assert "".join(heading.text).startswith("../../x：")


def test_markdown_escapes_code_labels_and_metadata(hostile):
    import pandas as pd

    from coding.findings import FINDING_COLUMNS
    from coding.report.data import build_report
    from coding.report.layout import cluster_document
    from coding.report.markdown import render_markdown

    root, _, _ = hostile
    labels = {
        code.id: "[x](javascript:alert(4)) <b>*粗*</b> www.example.org"
        for code in load_codebook().codes.values()
    }
    with open_project(root / "proj") as store:
        report = build_report(store, load_codebook(), PAYLOADS[0])
    report.provenance.coders["coder"] = "[c](http://example.org)"
    report.findings = pd.DataFrame(
        [
            dict.fromkeys(FINDING_COLUMNS, "")
            | {"finding": f, "p": 0.01, "p_adjusted": 0.02, "significant": True}
            for f in ("# not a heading <!--", "1. not a list")
        ]
    )
    page = _render_markdown(render_markdown(cluster_document(report, labels)))
    _assert_no_markup(page)
    assert not {"a", "b", "em", "ol"} & set(page.tags) and page.tags.count("h1") == 1
    text = "".join(page.text)
    assert "[x](javascript:alert(4)) <b>*粗*</b> www.example.org" in text
    assert "# not a heading <!--" in text and "1. not a list" in text


def test_md_escape_keeps_plain_words_readable():
    assert md_escape("code_id 古镇灯饰") == "code_id 古镇灯饰"
    assert md_escape("a\nb\r\nc") == "a b c"


def test_excel_and_word_reports_hold_text_not_formulas_or_control_characters(hostile):
    import docx
    import openpyxl

    _, out, exits = hostile
    assert exits["xlsx,docx"] == 0
    stem = unique_stems(CLUSTERS)["\x1b[31mred"]
    with zipfile.ZipFile(out / f"{stem}.xlsx") as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        xml = "".join(book.read(n).decode() for n in sheets)
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere
    book = openpyxl.load_workbook(out / f"{stem}.xlsx")
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    formulas = [c for c in cells if str(c.value).startswith("=cmd")]
    assert formulas and all(c.data_type == "s" for c in formulas)
    texts = [str(c.value) for c in cells]
    assert not [t for t in texts if "\x1b" in t] and [t for t in texts if "\ufffd[2J\ufffd" in t]
    document = docx.Document(str(out / f"{stem}.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "\ufffd[31mred" in text and "\ufffd[2J\ufffd" in text and "\x1b" not in text
