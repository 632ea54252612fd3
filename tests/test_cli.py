"""The command line: each command works, and bad input is one line with exit code 1."""

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli import app
from tests.conftest import BAD, GOOD


def _all_commands(group=None, prefix=()) -> list[list[str]]:
    """Every command path of the CLI, groups included, e.g. ['sheets', 'export']."""
    import typer.main

    group = group or typer.main.get_command(app)
    paths = []
    for name, command in group.commands.items():
        paths.append([*prefix, name])
        if getattr(command, "commands", None):
            paths += _all_commands(command, (*prefix, name))
    return paths


COMMANDS = _all_commands()


def test_the_help_test_sees_every_command():
    assert (
        len(COMMANDS) >= 28 and ["sheets", "export"] in COMMANDS and ["agree", "values"] in COMMANDS
    )


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(runner, command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_init_ingest_segment_status_export(runner, tmp_path):
    project = str(tmp_path / "p")
    assert runner.invoke(app, ["init", project]).exit_code == 0
    result = runner.invoke(
        app, ["ingest", str(GOOD), "--project", project, "--manifest", str(GOOD / "manifest.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "13 added" in result.stdout
    assert "front matter says cluster='测试集群'" in result.stderr
    result = runner.invoke(app, ["segment", "--project", project, "--engine", "jieba"])
    assert result.exit_code == 0 and "Nothing to segment" in result.stdout  # ingest cut them
    result = runner.invoke(app, ["status", "--project", project])
    assert result.exit_code == 0
    assert "大沥铝型材" in result.stdout and "测试集群" in result.stdout
    out = tmp_path / "units.csv"
    result = runner.invoke(app, ["export", "units", "--project", project, "--out", str(out)])
    assert result.exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert {"unit_id", "doc_id", "cluster", "turn", "speaker", "is_interviewer", "text"} <= set(
        rows[0]
    )
    assert "做不完的订单就给他做，\n他做不完也给我们。" in [r["text"] for r in rows]


@pytest.mark.parametrize(
    ("args", "expected", "secret"),
    [
        (["ingest", str(BAD / "bad_yaml.txt")], "bad_yaml.txt, line", "陈村"),
        (["ingest", str(BAD / "undecodable.txt")], "--encoding", "你好"),
        (["ingest", str(BAD / "binary.txt")], "binary file", None),
        (["ingest", str(BAD / "empty.txt")], "the file is empty", None),
        (["ingest", str(BAD / "corrupt.docx")], "not a valid Word document", None),
        (["ingest", "/nonexistent/folder"], "no such file or folder", None),
        (["ingest", str(GOOD.parent / "dup")], "document id 'same' is also used by", "丙"),
        (["ingest", str(BAD / "unclosed.txt")], "unclosed.txt, line 1", None),
        (["ingest", str(GOOD / "gbk.txt"), "--encoding", "utf-8"], "gbk.txt, line 3", "反倾销"),
        (
            ["ingest", str(GOOD), "--manifest", str(GOOD.parent / "manifest/missing_file.csv")],
            "missing_file.csv, line 3",
            None,
        ),
    ],
)
def test_bad_input_is_one_plain_line(runner, project, args, expected, secret):
    result = runner.invoke(app, [*args, "--project", str(project)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert expected in lines[0]
    if secret:
        assert secret not in result.output


def test_commands_outside_a_project_say_how_to_start(runner, tmp_path):
    result = runner.invoke(app, ["status", "--project", str(tmp_path)])
    assert result.exit_code == 1
    assert "clusterqda init" in result.stderr


def test_demo_builds_the_sample_project(demo_run):
    _, result = demo_run  # the session's one run of `clusterqda demo`
    for cluster in ("陈村花卉", "古镇灯饰", "大沥铝型材"):
        assert cluster in result.stdout
    assert "Demo project:" in result.stdout
    assert "Ingested 18 transcripts, 590 units; segmented 788 units" in result.stdout
    assert "Survey cluster_survey_2023: 240 respondents, 198 open answers" in result.stdout
    assert "Imported 王助理's filled workbook: 204 units" in result.stdout
    assert "Agreement of the rules with 王助理" in " ".join(result.stdout.split())


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "clusterqda" in result.stdout


def test_code_command_is_incremental(runner, tmp_path):
    project = str(tmp_path / "p")
    runner.invoke(app, ["init", project])
    runner.invoke(app, ["ingest", str(GOOD), "--project", project])
    first = runner.invoke(app, ["code", "--project", project])
    assert first.exit_code == 0, first.output
    assert "Coded 46 units with hybrid@" in first.stdout  # the default coder
    again = runner.invoke(app, ["code", "--project", project])
    assert "Coded 0 units" in again.stdout
    # the hybrid stored the rules' own codings too: the rules alone have nothing left
    rules = runner.invoke(app, ["code", "--project", project, "--coder", "rules"])
    assert "Coded 0 units with rules@" in rules.stdout


def test_code_table_and_evaluate(runner, tmp_path):
    from tests.conftest import DATA

    out = tmp_path / "coded.csv"
    result = runner.invoke(
        app,
        [
            "code-table",
            str(DATA / "tables" / "answers_gbk.csv"),
            "--text-col",
            "answer",
            "--id-col",
            "no",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    # provenance: the rule that fired, or the model's probability
    assert header == "id,code_id,stance,start,end,evidence,coder,rule_id,probability"
    gold = tmp_path / "gold.csv"
    gold.write_text(
        "id,text,codes\n1,我们跟隔壁厂合作过，设备借来借去。,CA.BH\n2,如果政府牵头就好了。,"
        "AGENCY.WILL;EVAL.TOOLITTLE\n3,天气不错。,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["evaluate", str(gold)])
    assert result.exit_code == 0, result.output
    assert "Per dimension" in result.stdout and "CA.BH" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            [
                "code-table",
                "{tables}/answers_gbk.csv",
                "--text-col",
                "text",
                "--id-col",
                "no",
                "--out",
                "{tmp}/x.csv",
            ],
            "has no column 'text'; its columns are: no, answer",
        ),
        (
            [
                "code-table",
                "{tables}/really_csv.xlsx",
                "--text-col",
                "answer",
                "--id-col",
                "no",
                "--out",
                "{tmp}/x.csv",
            ],
            "not an Excel workbook",
        ),
        (["codebook", "check", "--codebook", "{books}/yaml_error.yaml"], "yaml_error.yaml, line 6"),
        (["codebook", "check", "--codebook", "{books}/never_matches.yaml"], "can never match"),
        (["evaluate", "{tmp}/none.csv"], "no such file"),
    ],
)
def test_coding_commands_bad_input(runner, tmp_path, args, expected):
    from tests.conftest import DATA

    values = {"tables": DATA / "tables", "books": DATA / "codebooks", "tmp": tmp_path}
    result = runner.invoke(app, [a.format(**values) for a in args])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expected in lines[0]
    assert not (tmp_path / "x.csv").exists()


def test_sheets_and_agree_from_the_command_line(runner, tmp_path):
    import openpyxl

    project = str(tmp_path / "p")
    runner.invoke(app, ["init", project])
    runner.invoke(app, ["ingest", str(GOOD), "--project", project])
    runner.invoke(app, ["code", "--project", project])
    sheet = tmp_path / "li.xlsx"
    result = runner.invoke(
        app,
        [
            "sheets",
            "export",
            "--coder",
            "li",
            "--out",
            str(sheet),
            "--dimensions",
            "CA,ACT",
            "--project",
            project,
        ],
    )
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(sheet)
    ws = wb["编码"]
    header = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        ws.cell(r, header.index("完成 done") + 1).value = "是"
    ws.cell(2, header.index("ACT.GOV 地方政府") + 1).value = "中性"
    wb.save(sheet)
    result = runner.invoke(app, ["sheets", "import", str(sheet), "--project", project])
    assert result.exit_code == 0 and "for li" in result.stdout
    out = tmp_path / "agree.xlsx"
    result = runner.invoke(
        app,
        [
            "agree",
            "--project",
            project,
            "--dimensions",
            "CA,ACT",
            "--bootstrap",
            "20",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames == ["per_code", "per_dimension", "disagreements"]


def test_agree_values_command(runner, tmp_path):
    data = tmp_path / "judgements.csv"
    rows = ["unit,coder,value"] + [
        f"{u},{c},{v}"
        for u, c, v in [
            (1, "A", 1),
            (1, "B", 1),
            (2, "A", 2),
            (2, "B", 2),
            (3, "A", 1),
            (3, "B", 2),
            (4, "A", 3),
            (4, "B", 3),
        ]
    ]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "r.csv"
    result = runner.invoke(app, ["agree", "values", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig")
    assert "krippendorff_alpha" in text and "cohen_kappa" in text and "fleiss_kappa" in text


def test_agree_bad_input(runner, tmp_path, project):
    result = runner.invoke(app, ["agree", "--project", str(project)])
    assert result.exit_code == 1 and "needs two coders or more" in result.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,coder\n1,A\n", encoding="utf-8")
    result = runner.invoke(app, ["agree", "values", str(bad)])
    assert result.exit_code == 1 and "has no column 'value'" in result.stderr


def test_sheets_import_errors_are_one_line(runner, tmp_path, project):
    bad = tmp_path / "x.xlsx"
    bad.write_text("unit_id,text\n1,hello\n", encoding="utf-8")
    result = runner.invoke(app, ["sheets", "import", str(bad), "--project", str(project)])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "not a valid Excel workbook" in lines[0]
    assert "Traceback" not in result.output


def test_fixed_choices_are_checked_before_any_work(runner, project):
    from coding.common.choices import ReportFormat, report_formats

    assert report_formats("html, md") == [ReportFormat.html, ReportFormat.md]
    for args in (
        ["report", "--format", "html,pdf"],
        ["segment", "--engine", "pkuseg"],
        ["sheets", "export", "--coder", "li", "--out", "x.xlsx", "--order", "random"],
    ):
        result = runner.invoke(app, [*args, "--project", str(project)])
        assert result.exit_code == 2 and "Invalid value" in result.output, args


_CELL_TEXT = st.text(
    alphabet=st.sampled_from(list("ab 9.-联保合作社龍頭ＯＥＭ😀𠀀")), min_size=0, max_size=12
)


@given(
    data=st.integers(1, 5).flatmap(
        lambda n: st.tuples(
            st.lists(_CELL_TEXT.filter(bool), min_size=n, max_size=n),
            st.lists(st.lists(_CELL_TEXT, min_size=n, max_size=n), max_size=6),
        )
    )
)
def test_natural_width_is_what_rich_measures(data):
    # a piped table is printed at this width: wrong, it would fold cells or pad lines
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table

    from cli import natural_width

    columns, cells = data
    table = Table(title="t")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in cells:
        table.add_row(*row)
    console = Console(file=io.StringIO(), markup=False, width=80)
    measured = Measurement.get(console, console.options.update(max_width=10**5), table)
    assert natural_width(columns, cells) == measured.maximum


@pytest.mark.parametrize("given_threads, expected", [(None, 1), ("2", 2)])
def test_openblas_runs_one_thread_unless_the_user_says(given_threads, expected):
    # BLAS threads beside the commands' own process pools made `matrix` four times slower on
    # a busy machine; the setting must reach NumPy's OpenBLAS, and a user's own must stand
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given_threads:
        env["OPENBLAS_NUM_THREADS"] = given_threads
    script = (
        "import cli, numpy\n"
        "from threadpoolctl import threadpool_info\n"
        "print(max(p['num_threads'] for p in threadpool_info() if p['internal_api'] == 'openblas'))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert int(shown.stdout) == expected
