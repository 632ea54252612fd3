"""YAML front matter: fields, body offset, and errors with their line."""

import pytest

from coding.errors import FrontMatterError
from coding.ingest.frontmatter import split_front_matter
from tests.conftest import BAD


def test_fields_and_body_offset():
    text = "---\nid: a-01\ndate: 2023-07-14\ninterviewer: 王研究员\n---\n问：好\n"
    fields, start = split_front_matter(text, "a.txt")
    assert fields == {"id": "a-01", "date": "2023-07-14", "interviewer": "王研究员"}
    assert text[start:] == "问：好\n"


def test_no_front_matter():
    assert split_front_matter("问：好\n", "a.txt") == ({}, 0)


def test_numeric_id_becomes_text():
    fields, _ = split_front_matter("---\nid: 7\n---\n", "a.txt")
    assert fields["id"] == "7"


def test_malformed_yaml_reports_the_file_line():
    text = (BAD / "bad_yaml.txt").read_text(encoding="utf-8")
    with pytest.raises(FrontMatterError) as info:
        split_front_matter(text, BAD / "bad_yaml.txt")
    # line 3 holds the unclosed '[', and YAML notices at line 4
    assert info.value.line in (3, 4)
    assert "front matter is not valid YAML" in str(info.value)


def test_unclosed_front_matter():
    text = (BAD / "unclosed.txt").read_text(encoding="utf-8")
    with pytest.raises(FrontMatterError, match="line 1: the front matter opened with '---'"):
        split_front_matter(text, "unclosed.txt")


def test_front_matter_must_be_a_mapping():
    with pytest.raises(FrontMatterError, match="key: value"):
        split_front_matter("---\n- a\n- b\n---\n", "list.txt")
