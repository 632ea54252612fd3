"""The command line: each command works, and bad input is one line with exit code 1."""

import csv
import io

import pytest

from cli import app
from tests.conftest import BAD, GOOD

COMMANDS = [["init"], ["ingest"], ["segment"], ["status"], ["export", "units"], ["demo"]]


@pytest.mark.parametrize("command", COMMANDS)
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
    assert result.exit_code == 0 and "with jieba" in result.stdout
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


def test_demo_builds_the_sample_project(runner, tmp_path):
    result = runner.invoke(app, ["demo", "--project", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    for cluster in ("陈村花卉", "古镇灯饰", "大沥铝型材"):
        assert cluster in result.stdout
    assert "Demo project:" in result.stdout
    assert "Ingested 18 transcripts, 590 units; segmented 590 units" in result.stdout


def test_version(runner):
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and "clusterqda" in result.stdout
