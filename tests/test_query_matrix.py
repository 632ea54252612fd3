"""matrix: residuals and χ² against Agresti's worked example, co-occurrence against plain
sets, the correspondence analysis against prince's own example, coloured Excel."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from coding.errors import OptionError
from coding.project import open_project
from coding.query.ask import ask_matrix
from coding.query.camap import correspondence, map_image
from coding.query.filters import unit_filter
from coding.query.matrix import code_matrix, crosstab, presence, unit_codes
from coding.trust import trusted_codings


def test_crosstab_matches_agrestis_party_identification_example():
    # Agresti (2007), An Introduction to Categorical Data Analysis, 2nd ed., Table 2.5 and
    # section 2.4.5: party identification by gender, X² = 30.1 (df 2) and adjusted
    # residuals for females 4.50 (Democrat), 0.70 (Independent), -5.32 (Republican).
    females, males = [762, 327, 468], [484, 239, 477]
    groups, present = [], []
    for party, f, m in zip(["Democrat", "Independent", "Republican"], females, males, strict=True):
        groups += [party] * (f + m)
        present += [1] * f + [0] * m
    cells, tests = crosstab(pd.DataFrame({"female": present}), np.array(groups))
    assert tests.loc[0, "statistic"] == pytest.approx(30.07, abs=0.01)
    assert tests.loc[0, "df"] == 2
    assert list(cells["residual"].round(2)) == [4.50, 0.70, -5.32]
    assert list(cells["with_code"]) == females


def test_cooccurrence_matches_plain_sets(sample_project):
    flt = unit_filter(speaker="interviewee")
    with open_project(sample_project) as store:
        result = code_matrix(store, flt, by="cluster")
        pairs = unit_codes(store, flt)
    units = {c: set(g["unit_id"]) for c, g in pairs.groupby("code_id")}
    rows = result.cooccurrence.set_index(["code_a", "code_b"])
    for a, b in combinations(sorted(units), 2):
        both = len(units[a] & units[b])
        assert rows.loc[(a, b), "both"] == both
        assert rows.loc[(a, b), "jaccard"] == pytest.approx(both / len(units[a] | units[b]))
    assert result.counts.loc["CA.MH", "CA.MH"] == len(units["CA.MH"])


def test_unit_codes_and_presence_match_pandas_on_every_coding(sample_project):
    # the pairs come from SQL (trust chosen there) and the 0/1 table is set by position;
    # here the trusted codings of trust.trusted_codings and pd.crosstab give them
    flt = unit_filter(speaker="interviewee")
    with open_project(sample_project) as store:
        pairs = unit_codes(store, flt)
        units = store.unit_frame(flt)["unit_id"]
        trusted = trusted_codings(store)
    trusted = trusted[trusted["unit_id"].isin(set(units))]
    assert len(pairs) == len(set(zip(pairs["unit_id"], pairs["code_id"], strict=True)))
    assert set(zip(pairs["unit_id"], pairs["code_id"], strict=True)) == set(
        zip(trusted["unit_id"], trusted["code_id"], strict=True)
    )
    expected = pd.crosstab(pairs["unit_id"], pairs["code_id"]).clip(upper=1)
    expected = expected.reindex(units, fill_value=0)
    pd.testing.assert_frame_equal(
        presence(units, pairs), expected, check_names=False, check_dtype=False
    )


def test_crosstab_tests_are_adjusted_within_the_family(sample_project):
    with open_project(sample_project) as store:
        result = code_matrix(store, unit_filter(speaker="interviewee"), by="cluster")
    tested = result.tests.dropna(subset=["p"])
    assert len(tested) > 5
    assert (tested["p_adjusted"] >= tested["p"] - 1e-12).all()
    # Holm: the smallest p is multiplied by the size of the family
    smallest = tested["p"].idxmin()
    expected = min(1.0, tested.loc[smallest, "p"] * len(tested))
    assert tested.loc[smallest, "p_adjusted"] == pytest.approx(expected)
    groups = result.crosstab.groupby("code")["units"].sum()
    assert (groups == result.units).all()


def test_crosstab_by_a_respondent_attribute(sample_project):
    with open_project(sample_project) as store:
        frame = store.respondents()
        key = next(iter(frame["attributes"].iloc[0]), None)
        if key is None:
            pytest.skip("the demo survey has no respondent attributes")
        result = code_matrix(store, unit_filter(source="survey"), by=key)
    assert result.crosstab["group"].nunique() >= 2


def test_correspondence_analysis_matches_princes_own_example():
    # prince's documented CA example: punctuation of six French authors (Brunet 1989, used in
    # Abdi & Williams 2010, "Correspondence analysis"): the two axes hold 76.16% and 23.84%
    # of the inertia, eigenvalues .0178 and .0056; Zola and Proust lie opposite Rousseau.
    import prince

    table = prince.datasets.load_punctuation_marks()
    result = correspondence(table)
    assert [round(s * 100, 2) for s in result.inertia] == [76.16, 23.84]
    assert [round(e, 4) for e in result.eigenvalues] == [0.0178, 0.0056]
    rows = result.rows[0]
    assert np.sign(rows["Zola"]) == np.sign(rows["Proust"]) != np.sign(rows["Rousseau"])
    assert abs(rows["Rousseau"]) == pytest.approx(0.2398, abs=1e-3)
    assert map_image(result, "png").startswith(b"\x89PNG")
    assert b"<svg" in map_image(result, "svg")


def test_excel_output_colours_standing_out_residuals(sample_project, tmp_path):
    out = tmp_path / "m.xlsx"
    with open_project(sample_project) as store:
        answer = ask_matrix(store, unit_filter(speaker="interviewee"), by="cluster", out=out)
    sheet = load_workbook(out)["residuals"]
    header = [c.value for c in sheet[1]]
    assert header[0] == "code"
    seen = 0
    for row in sheet.iter_rows(min_row=2, min_col=2):
        for cell in row:
            if isinstance(cell.value, float):
                coloured = cell.fill.fill_type == "solid"
                assert coloured == (abs(cell.value) >= 1.96)
                seen += coloured
    assert seen > 0 and answer.written == [out]


def test_html_has_the_map_and_wrong_options_are_refused(sample_project, tmp_path):
    with open_project(sample_project) as store:
        answer = ask_matrix(
            store, unit_filter(), by="cluster", out=tmp_path / "m.html", map_file=tmp_path / "m.png"
        )
        assert answer.ca is not None
        assert "data:image/png;base64," in (tmp_path / "m.html").read_text(encoding="utf-8")
        assert (tmp_path / "m.png").read_bytes().startswith(b"\x89PNG")
        with pytest.raises(OptionError):
            ask_matrix(store, unit_filter(), out=tmp_path / "m.pdf")
        with pytest.raises(OptionError):
            ask_matrix(store, unit_filter(), coder="nobody")
