"""YAML front matter: fields, body offset, and errors with their line."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


_WORDS = st.sampled_from(
    ["id", "cluster", "on", "No", "null", "yes", "x_1", "abc-01", "梁科长（化名）", "大沥",
     "2024-03-19", "1", "0x1f", ".5", "~", "a.b", "ＯＫ", "a:b", "#", "true", "Off", "y", "N"]
)  # fmt: skip
_SEPARATORS = st.sampled_from([": ", ": ", ": ", ":", ":  ", " : ", ": #", ": '"])


_KEYS = st.sampled_from(["id", "cluster", "x_1", "on", "No", "null", "yes", "Y", "1", "a-b"])


@settings(max_examples=300)
@given(
    st.lists(st.tuples(_KEYS, _SEPARATORS, _WORDS, st.just("") | _WORDS), min_size=1, max_size=3)
)
def test_plain_lines_read_without_yaml_are_what_yaml_reads(lines):
    from coding.common.yamlfile import safe_load
    from coding.ingest.frontmatter import _simple_mapping

    block = "\n".join(key + sep + value + more for key, sep, value, more in lines)
    fast = _simple_mapping(block)
    if fast is not None:
        assert fast == safe_load(block)


def test_a_typical_block_is_read_without_yaml():
    from coding.ingest.frontmatter import _simple_mapping

    block = "id: aluminium-01-00000\ncluster: 大沥铝型材\ninterviewee: 梁科长（化名）"
    assert _simple_mapping(block) == {
        "id": "aluminium-01-00000", "cluster": "大沥铝型材", "interviewee": "梁科长（化名）"
    }  # fmt: skip
    assert _simple_mapping("id: on") is None
    assert _simple_mapping("date: 2024-03-19") is None


def test_every_plain_line_read_without_yaml_is_what_yaml_reads():
    from coding.common.yamlfile import safe_load
    from coding.ingest.frontmatter import _simple_mapping

    words = list(_WORDS.elements)
    read = 0
    for key in _KEYS.elements:
        for value in words:
            for more in ["", *words]:
                line = f"{key}: {value}{more}"
                if (fast := _simple_mapping(line)) is not None:
                    assert fast == safe_load(line), line
                    read += 1
    assert read > 500
