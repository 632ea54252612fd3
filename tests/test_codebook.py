"""Loading and checking codebooks: the shipped one, a small one, and broken ones."""

import pytest

from coding.codebook import FIXED_IDS, load_codebook
from coding.errors import CodebookError
from coding.evaluate import self_test
from tests.conftest import DATA

BOOKS = DATA / "codebooks"


def test_small_codebook_loads_with_hash_and_coder():
    book = load_codebook(BOOKS / "small.yaml")
    assert list(book.codes) == ["CA.BH", "ACT.GOV", "ACT.FIRM", "ACT.FIRM.LEAD", "EVAL.FAILURE"]
    assert book.codes["ACT.FIRM.LEAD"].parent == "ACT.FIRM"
    assert book.codes["CA.BH"].line == 9
    assert book.coder == f"rules@{book.hash[:12]}"
    assert "借来借去" in book.terms()


def test_small_codebook_passes_its_self_test():
    assert self_test(load_codebook(BOOKS / "small.yaml")).empty


def test_self_test_reports_failures(tmp_path):
    text = (BOOKS / "small.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "b.yaml"
    broken.write_text(
        text.replace("rule: real(政府|镇里|经贸局)", "rule: 政府|镇里|经贸局"), encoding="utf-8"
    )
    failures = self_test(load_codebook(broken))
    assert failures[["code_id", "kind", "text"]].values.tolist() == [
        ["ACT.GOV", "counter_example", "如果政府牵头就好了。"]
    ]


def test_every_problem_is_reported_with_its_line():
    with pytest.raises(CodebookError) as info:
        load_codebook(BOOKS / "duplicate.yaml")
    message = str(info.value)
    assert "4 problems" in message
    assert "line 9: duplicate id 'CA.BH' (first at line 4)" in message
    assert "line 19: code 'CA.XX'" not in message  # unknown ids only warn
    assert "line 24: code 'EVAL.SUCCESS' has an empty rule" in message
    assert "line 29: code 'EVAL.FAILURE': near() needs a distance" in message
    assert "line 14: code 'ACT.FIRM.LEAD' has unknown parent 'ACT.FIRM'" in message


def test_ids_not_in_domain_are_warnings(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text(
        "codebook: x\nversion: '1'\ncodes:\n  - id: CA.XX\n    label: 甲\n    label_en: A\n"
        "    definition: 定义\n    rule: 合作\n",
        encoding="utf-8",
    )
    book = load_codebook(path)
    assert book.warnings == [f"{path}, line 4: 'CA.XX' is not a code id of DOMAIN.md"]


def test_yaml_syntax_error_has_line_and_column():
    with pytest.raises(CodebookError) as info:
        load_codebook(BOOKS / "yaml_error.yaml")
    assert info.value.line == 6
    assert "column" in str(info.value)


def test_rule_that_can_never_match():
    with pytest.raises(CodebookError, match="term '協會' can never match"):
        load_codebook(BOOKS / "never_matches.yaml")


def test_missing_codebook(tmp_path):
    with pytest.raises(CodebookError, match="cannot read the codebook"):
        load_codebook(tmp_path / "none.yaml")


def test_fixed_ids_are_the_51_of_domain():
    assert len(FIXED_IDS) == len(set(FIXED_IDS)) == 51
