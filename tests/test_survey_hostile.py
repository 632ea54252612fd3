"""Hostile and careless survey files: line ends, UTF-16, floods of problems, changed files.

Every file is written here, byte for byte, into tmp_path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cli import app
from coding.errors import DecodingError, InputError, ProjectError
from coding.survey import read as survey_read
from coding.survey.check import MAX_PROBLEMS_KEPT, check_survey, read_survey
from coding.survey.ingest import SurveyChangedError, SurveyCheckError, ingest_survey
from coding.survey.schema import load_schema

SCHEMA = """\
name: s
id_column: 编号
attributes: {cluster: 集群, role: 身份}
scale: {min: 1, max: 5, labels: {同意: 4, 不同意: 2}}
constructs:
  trust: {items: [T1, T2], reverse: [T2]}
open_ended: [开放题]
role_codes: {政府官员: ACT.GOV}
"""
HEADER = "编号,集群,身份,T1,T2,开放题"
SECRET = "机密回答"  # answer text that must never appear in a message


@pytest.fixture
def schema(tmp_path):
    path = tmp_path / "schema.yaml"
    path.write_text(SCHEMA, encoding="utf-8")
    return load_schema(path)


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows_text(n: int, start: int = 1) -> list[str]:
    return [f"R{i},古镇灯饰,政府官员,{1 + i % 5},同意,回答{i}" for i in range(start, start + n)]


def stored_ids(store) -> list[str]:
    return sorted(store.respondents()["respondent_id"])


def open_answer(store, rid: str) -> str:
    units = store.units().set_index("doc_id")
    return units.loc[f"s:{rid}", "text"]


# -- bare CR ------------------------------------------------------------------


@pytest.mark.parametrize("end", ["\r\n", "\n"])
def test_quoted_cr_in_an_open_answer_stays_in_the_answer(tmp_path, schema, store, end):
    text = end.join([HEADER, 'R1,古镇灯饰,政府官员,3,4,"第一句\r第二句"', "R2,古镇灯饰,,5,1,好"])
    path = write(tmp_path, "cr.csv", (text + end).encode("utf-8"))
    data = check_survey(path, schema)
    assert data.problems == [] and data.rows == 2
    report = ingest_survey(store, data)
    assert report.respondents == 2 and stored_ids(store) == ["R1", "R2"]
    assert open_answer(store, "R1") == "第一句\n第二句"  # the CR becomes a line break


@pytest.mark.parametrize("end", ["\r\n", "\n"])
def test_unquoted_cr_never_makes_a_respondent_of_answer_text(tmp_path, schema, store, end):
    text = end.join([HEADER, "R1,古镇灯饰,政府官员,3,4,第一句\r第二句", "R2,古镇灯饰,,5,1,好"])
    path = write(tmp_path, "cr.csv", (text + end).encode("utf-8"))
    data = check_survey(path, schema)
    assert data.problems == [] and data.rows == 2
    ingest_survey(store, data)
    assert stored_ids(store) == ["R1", "R2"]
    assert open_answer(store, "R1") == "第一句\n第二句"


def test_old_mac_line_ends_are_rows(tmp_path, schema, store):
    text = "\r".join([HEADER, *rows_text(3)]) + "\r"
    data = check_survey(write(tmp_path, "mac.csv", text.encode("utf-8")), schema)
    assert data.problems == [] and data.rows == 3
    ingest_survey(store, data)
    assert stored_ids(store) == ["R1", "R2", "R3"]


def test_cr_in_a_scale_cell_is_a_problem_of_that_cell(tmp_path, schema):
    text = "\n".join([HEADER, "R1,古镇灯饰,政府官员,3\r4,4,好", "R2,古镇灯饰,,5,1,好"]) + "\n"
    data = check_survey(write(tmp_path, "cr.csv", text.encode("utf-8")), schema)
    assert data.rows == 2
    assert data.problems == ["row R1, column T1: neither a number nor a scale label (同意, 不同意)"]


# -- UTF-16 without a byte-order mark -----------------------------------------


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_reads_like_utf8(tmp_path, schema, codec):
    text = "\r\n".join([HEADER, *rows_text(5)]) + "\r\n"
    utf8 = read_survey(write(tmp_path, "u8.csv", text.encode("utf-8")), schema)
    utf16 = read_survey(write(tmp_path, "u16.csv", text.encode(codec)), schema)
    assert utf16.problems == [] and utf16.raw.equals(utf8.raw)
    assert utf16.scored().equals(utf8.scored())


def test_nul_bytes_that_are_not_utf16_name_the_survey_and_say_utf8(tmp_path, schema, runner):
    # NULs in a pattern, as in UTF-16, but not text; and NULs anywhere
    for data in (b"\x00\x01\x02\x03" * 64, bytes(range(256)) * 4 + SECRET.encode()):
        path = write(tmp_path, "bin.csv", data)
        with pytest.raises(InputError) as info:
            check_survey(path, schema)
        message = str(info.value)
        assert message.startswith(str(path)) and "UTF-8" in message
        assert "transcript" not in message and SECRET not in message


def test_bad_bytes_are_named_by_line(tmp_path, schema):
    data = ("\n".join([HEADER, *rows_text(3)]) + "\n").encode("utf-8")
    data += b"R9,\xff\xfe,x,1,1,y\n"
    path = write(tmp_path, "bad.csv", data)
    with pytest.raises(DecodingError) as info:
        check_survey(path, schema, encoding="utf-8")
    assert info.value.line == 5 and str(path) in str(info.value)


# -- messages: one line, file and row and column, no answer text ----------------


def test_messages_name_row_and_column_never_answer_text(tmp_path, schema, runner, project):
    long_id = "X" * 200
    text = "\n".join(
        [
            HEADER,
            f"R1,古镇灯饰,政府官员,{SECRET},4,{SECRET}",
            f'"{long_id}",古镇灯饰,政府官员,{SECRET}2,4,好',
            '"R\n3",古镇灯饰,政府官员,9,4,好',
        ]
    )
    path = write(tmp_path, "s.csv", (text + "\n").encode("utf-8"))
    data = check_survey(path, schema)
    assert data.problems == [
        "row R1, column T1: neither a number nor a scale label (同意, 不同意)",
        "row #2, column T1: neither a number nor a scale label (同意, 不同意)",
        "row #3, column T1: 9 is outside the scale 1–5",
    ]
    schema_path = str(tmp_path / "schema.yaml")
    for command in ("check", "ingest"):
        result = runner.invoke(
            app,
            ["survey", command, str(path), "--schema", schema_path, "--project", str(project)]
            if command == "ingest"
            else ["survey", command, str(path), "--schema", schema_path],
        )
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert SECRET not in result.output and long_id not in result.output
    assert len(result.stderr.strip().splitlines()) == 1  # ingest: one line
    assert result.stderr.startswith(f"Error: {path}: 3 problems: row R1, column T1")


def test_a_flood_of_problems_is_counted_and_the_first_ones_kept(tmp_path, schema, runner):
    n = MAX_PROBLEMS_KEPT + 500
    lines = [HEADER] + [f"R{i},古镇灯饰,政府官员,{SECRET},4,好" for i in range(n)]
    path = write(tmp_path, "flood.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    data = check_survey(path, schema)
    assert data.problem_count == n and len(data.problems) == MAX_PROBLEMS_KEPT
    assert data.problems[0].startswith("row R0, column T1") and data.problems_not_kept == 500
    result = runner.invoke(
        app, ["survey", "check", str(path), "--schema", str(tmp_path / "schema.yaml")]
    )
    assert result.exit_code == 1 and "... and 500 more problems" in result.stdout
    assert f"{n} problems" in result.stderr


# -- streaming: chunk boundaries, one transaction, changed files ----------------


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(survey_read, "CHUNK_ROWS", 3)


def test_problems_across_chunks_and_skipping_them(tmp_path, schema, store, small_chunks):
    lines = [HEADER, *rows_text(10)]
    lines[9] = "R2,古镇灯饰,政府官员,1,1,又是R2"  # row #9 repeats the id of row #2
    lines[5] = ",古镇灯饰,政府官员,1,1,无编号"  # row #5 has no id
    lines[7] = "R7,古镇灯饰,政府官员,6,1,好"  # row #7 is off the scale
    path = write(tmp_path, "s.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    data = check_survey(path, schema)
    assert data.rows == 10 and data.invalid_rows == {4, 6, 8}
    assert data.problems == [
        "row #5, column 编号: the respondent id is empty",
        "row R7, column T1: 6 is outside the scale 1–5",
        "row R2, column 编号: duplicate id (also data row #2)",
    ]
    with pytest.raises(SurveyCheckError, match="3 problems"):
        ingest_survey(store, data)
    report = ingest_survey(store, data, skip_invalid=True)
    assert report.skipped == ["#5", "R7", "R2"] and report.skipped_count == 3
    assert report.respondents == 7 and report.answers == 14 and report.open_answers == 7
    assert stored_ids(store) == sorted(["R1", "R2", "R3", "R4", "R6", "R8", "R10"])
    assert open_answer(store, "R2") == "回答2"  # the first R2 is kept


def test_streamed_ingest_matches_the_rows_in_memory(tmp_path, schema, store, small_chunks):
    path = write(tmp_path, "s.csv", ("\n".join([HEADER, *rows_text(8)]) + "\n").encode("utf-8"))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.to_excel(tmp_path / "s.xlsx", index=False)
    for source in (path, tmp_path / "s.xlsx"):
        ingest_survey(store, check_survey(source, schema))
        answers = store.answers()
        assert len(answers) == 16 and set(answers["raw"][answers["item"] == "T2"]) == {"同意"}
        assert answers.set_index(["respondent_id", "item"]).loc[("R3", "T1"), "value"] == 4.0
    in_memory = read_survey(tmp_path / "s.xlsx", schema)
    assert in_memory.rows == len(in_memory.raw) == 8


def test_a_failure_in_a_late_chunk_stores_nothing(tmp_path, schema, store, small_chunks):
    other = tmp_path / "other.yaml"
    other.write_text(SCHEMA.replace("name: s", "name: other"), encoding="utf-8")
    first = write(tmp_path, "a.csv", ("\n".join([HEADER, *rows_text(1, 9)]) + "\n").encode())
    ingest_survey(store, check_survey(first, load_schema(other)))  # R9 belongs to 'other'
    path = write(tmp_path, "s.csv", ("\n".join([HEADER, *rows_text(9)]) + "\n").encode("utf-8"))
    with pytest.raises(ProjectError, match="R9"):
        ingest_survey(store, check_survey(path, schema))
    assert stored_ids(store) == ["R9"]
    assert not store.units()["doc_id"].str.startswith("s:").any()


def test_a_file_changed_after_its_check_is_refused(tmp_path, schema, store):
    path = write(tmp_path, "s.csv", ("\n".join([HEADER, *rows_text(3)]) + "\n").encode("utf-8"))
    data = check_survey(path, schema)
    path.write_bytes(("\n".join([HEADER, *rows_text(4)]) + "\n").encode("utf-8"))
    with pytest.raises(SurveyChangedError, match="changed after it was checked"):
        ingest_survey(store, data)
    assert stored_ids(store) == []


def test_header_without_rows_is_refused(tmp_path, schema):
    with pytest.raises(InputError, match="no rows"):
        check_survey(write(tmp_path, "h.csv", (HEADER + "\n").encode("utf-8")), schema)


def test_equal_hashes_are_not_taken_for_duplicate_ids(tmp_path, schema, monkeypatch):
    from coding.survey import check

    # every id hashes alike: only the ids themselves may decide what repeats
    monkeypatch.setattr(check, "_hash_ids", lambda ids: np.full(len(ids), 7, dtype=np.uint64))
    lines = [HEADER, *rows_text(4), "R3,古镇灯饰,政府官员,1,1,好"]
    path = write(tmp_path, "s.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    data = check_survey(path, schema)
    assert data.problems == ["row R3, column 编号: duplicate id (also data row #3)"]
    assert data.invalid_rows == {4}


def test_a_row_with_too_many_fields_is_refused_in_one_line(tmp_path, schema):
    lines = [HEADER, *rows_text(2), f"R9,古镇灯饰,政府官员,1,1,{SECRET},多余"]
    path = write(tmp_path, "wide.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    with pytest.raises(InputError) as info:
        check_survey(path, schema)
    message = str(info.value)
    assert message.startswith(f"{path}: not a valid CSV table (a row has 7 fields, the header 6")
    assert SECRET not in message and "\n" not in message
