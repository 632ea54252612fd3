"""Tests of difference and p adjustment, against R's worked examples and pingouin."""

from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from coding.errors import OptionError
from coding.stats import (
    CHI2,
    CRAMER_V,
    EPSILON2,
    FISHER,
    KRUSKAL,
    NOT_TESTED_CONSTANT,
    NOT_TESTED_SPARSE,
    PHI,
    adjust,
    kruskal_test,
    presence_test,
)

AIRQUALITY = Path(__file__).parent / "data" / "stats" / "airquality.csv"


def _long(counts: list[list[int]]) -> pd.DataFrame:
    """One row per person (group, present) from a groups x (absent, present) table."""
    rows = [(g, p) for g, row in enumerate(counts) for p, n in enumerate(row) for _ in range(n)]
    return pd.DataFrame(rows, columns=["group", "present"])


def test_kruskal_matches_r_airquality_example():
    # R: kruskal.test(Ozone ~ Month, data = airquality)
    #    Kruskal-Wallis chi-squared = 29.267, df = 4, p-value = 6.901e-06
    air = pd.read_csv(AIRQUALITY).dropna(subset=["Ozone"])
    result = kruskal_test({m: g["Ozone"].to_numpy() for m, g in air.groupby("Month")})
    assert result.test == KRUSKAL and result.df == 4 and result.n == 116
    assert result.statistic == pytest.approx(29.267, abs=5e-4)
    assert result.p == pytest.approx(6.901e-06, rel=1e-3)
    # epsilon² = H / (n - 1), Tomczak & Tomczak 2014
    assert result.effect_size == pytest.approx(29.267 / 115, abs=1e-5)
    assert result.effect_measure == EPSILON2
    # pingouin's independent implementation agrees
    pingouin = pg.kruskal(data=air, dv="Ozone", between="Month")
    assert result.statistic == pytest.approx(pingouin["H"].iloc[0])
    assert result.p == pytest.approx(pingouin.filter(like="unc").iloc[0, 0])  # p-unc, later p_unc


def test_kruskal_ignores_missing_values_and_refuses_constant_scores():
    with_nan = kruskal_test({"a": [1, 2, np.nan, 3], "b": [4, 5, 6]})
    assert with_nan.n == 6
    assert with_nan.statistic == pytest.approx(
        kruskal_test({"a": [1, 2, 3], "b": [4, 5, 6]}).statistic
    )
    constant = kruskal_test({"a": [3, 3, 3], "b": [3, 3, 3]})
    assert constant.test == NOT_TESTED_CONSTANT and np.isnan(constant.p)


def test_chi_square_matches_r_documentation_example():
    # R ?chisq.test: M <- as.table(rbind(c(762, 327, 468), c(484, 239, 477)))
    #   X-squared = 30.07, df = 2, p-value = 2.954e-07 (party x gender; here party as groups)
    counts = [[762, 484], [327, 239], [468, 477]]
    result = presence_test(np.array(counts))
    assert result.test == CHI2 and result.df == 2 and result.n == 2757
    assert result.statistic == pytest.approx(30.07, abs=5e-3)
    assert result.p == pytest.approx(2.954e-07, rel=1e-3)
    assert result.effect_measure == CRAMER_V
    # pingouin computes Cramér's V on its own
    _, _, pingouin = pg.chi2_independence(_long(counts), "group", "present", correction=False)
    pearson = pingouin.set_index("test").loc["pearson"]
    assert result.effect_size == pytest.approx(pearson["cramer"])
    assert result.p == pytest.approx(pearson["pval"])


def test_fisher_for_a_sparse_two_by_two_matches_agresti_tea_tasting():
    # Agresti (2007), Table 2.5; R ?fisher.test TeaTasting: two-sided p-value = 0.4857
    result = presence_test(np.array([[3, 1], [1, 3]]))
    assert result.test == FISHER and np.isnan(result.statistic) and np.isnan(result.df)
    assert result.p == pytest.approx(0.4857, abs=5e-5)
    # phi = (ad - bc) / sqrt(row and column totals) = (9 - 1) / 16
    assert result.effect_measure == PHI and result.effect_size == pytest.approx(0.5)


def test_the_reviewers_sparse_table_is_not_tested():
    # issue 14: a code with 4 positives among five roles gave chi-square p = 0.006
    counts = np.array([[36, 0], [12, 0], [8, 0], [11, 0], [4, 4]])
    result = presence_test(counts)
    assert result.test == NOT_TESTED_SPARSE and np.isnan(result.p)
    assert result.effect_measure == ""
    # the same four positives between two groups get Fisher's exact test instead
    assert presence_test(np.array([[67, 0], [4, 4]])).test == FISHER


def test_cochran_rule_at_its_edges():
    # 3 x 2, one expected count of six under 5 (17%, all >= 1): chi-square allowed
    assert presence_test(np.array([[20, 10], [20, 10], [8, 2]])).test == CHI2
    # two of six under 5 (33%): not tested
    assert presence_test(np.array([[20, 3], [20, 3], [20, 3]])).test == NOT_TESTED_SPARSE
    # 2 x 2 with one expected count of 4.5: Fisher, not chi-square
    assert presence_test(np.array([[27, 3], [3, 6]])).test == FISHER
    assert presence_test(np.array([[5, 0], [5, 0]])).test == NOT_TESTED_CONSTANT


@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 30)).filter(lambda r: sum(r) > 0),
        min_size=2,
        max_size=6,
    )
)
def test_chi_square_only_where_cochran_allows_it(rows):
    counts = np.array(rows)
    result = presence_test(counts)
    if (counts.sum(axis=0) == 0).any():
        assert result.test == NOT_TESTED_CONSTANT
        return
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / counts.sum()
    if counts.shape == (2, 2):
        allowed = (expected >= 5).all()
    else:
        allowed = (expected >= 1).all() and (expected < 5).mean() <= 0.2
    if allowed:
        assert result.test == CHI2
    elif counts.shape == (2, 2):
        assert result.test == FISHER and 0 <= result.p <= 1
    else:
        assert result.test == NOT_TESTED_SPARSE and np.isnan(result.p)


def test_holm_and_bh_match_the_documented_examples():
    p = [0.01, 0.02, 0.03, 0.04, 0.05]
    # Holm (1979) step-down, as in statsmodels' and R's documentation
    assert adjust(p) == pytest.approx([0.05, 0.08, 0.09, 0.09, 0.09])
    # R: p.adjust(c(.01, .02, .03, .04, .05), "BH") -> 0.05 0.05 0.05 0.05 0.05
    assert adjust(p, "fdr_bh") == pytest.approx([0.05] * 5)
    other = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216]
    assert adjust(other) == pytest.approx(pg.multicomp(other, method="holm")[1])
    assert adjust(other, "fdr_bh") == pytest.approx(pg.multicomp(other, method="fdr_bh")[1])


def test_untested_rows_stay_empty_and_do_not_enlarge_the_family():
    adjusted = adjust([0.01, np.nan, 0.04])
    assert np.isnan(adjusted[1])
    assert adjusted[[0, 2]] == pytest.approx([0.02, 0.04])  # Holm over two tests, not three
    assert np.isnan(adjust([np.nan, np.nan])).all()


def test_unknown_adjustment_is_refused():
    with pytest.raises(OptionError, match="holm, fdr_bh"):
        adjust([0.1], "bonferonni")
