"""stats.py's χ², Cramér's V, adjusted residuals and p adjustment, written in NumPy for speed,
against the libraries they replace: scipy.stats and statsmodels (the independent sources)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats
from scipy.stats.contingency import association, expected_freq
from statsmodels.stats.contingency_tables import Table
from statsmodels.stats.multitest import multipletests

from coding.stats import (
    CHI2,
    FISHER,
    adjust,
    adjusted_residuals,
    chi2_independence,
    cramers_v,
    expected_counts,
    presence_test,
)

# groups × (absent, present) tables with no empty row or column, as the matrix tests them
tables = arrays(
    np.int64,
    st.tuples(st.integers(2, 8), st.just(2)),
    elements=st.integers(0, 400),
).filter(lambda t: (t.sum(axis=0) > 0).all() and (t.sum(axis=1) > 0).all())


@settings(max_examples=300, deadline=None)
@given(tables)
def test_chi_square_and_cramers_v_equal_scipys_to_the_last_bit(table):
    chi2, p, df, expected = stats.chi2_contingency(table, correction=False)
    assert np.array_equal(expected_counts(table), expected_freq(table))
    assert chi2_independence(table) == (chi2, p, df)
    assert cramers_v(table, chi2) == association(table, method="cramer", correction=False)


@settings(max_examples=300, deadline=None)
@given(
    arrays(np.int64, st.tuples(st.integers(2, 6), st.integers(2, 4)), elements=st.integers(0, 60))
)
def test_adjusted_residuals_equal_statsmodels_including_its_zero_shift(table):
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.asarray(Table(table).standardized_resids)
        assert np.array_equal(adjusted_residuals(table), expected, equal_nan=True)


def test_adjusted_residuals_of_agrestis_party_identification_example():
    # Agresti (2007), section 2.4.5: females 4.50, 0.70, -5.32 (Democrat, Independent, Republican)
    table = np.array([[762, 484], [327, 239], [468, 477]])
    assert list(adjusted_residuals(table)[:, 0].round(2)) == [4.50, 0.70, -5.32]


pvalues = st.lists(
    st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.01, 0.05, 1.0])), min_size=1, max_size=60
)


@settings(max_examples=300, deadline=None)
@given(pvalues, st.sampled_from(["holm", "fdr_bh"]))
def test_adjustment_equals_statsmodels_multipletests(p, method):
    expected = multipletests(np.array(p), alpha=0.05, method=method)[1]
    assert np.array_equal(adjust(p, method), expected)


@settings(max_examples=200, deadline=None)
@given(tables)
def test_presence_test_equals_the_scipy_calls_it_replaced(table):
    result = presence_test(table)
    if result.test == CHI2:
        chi2, p, df, _ = stats.chi2_contingency(table, correction=False)
        v = association(table, method="cramer", correction=False)
        assert (result.statistic, result.p, result.df, result.effect_size) == (chi2, p, df, v)
    elif result.test == FISHER:
        assert result.p == stats.fisher_exact(table, alternative="two-sided")[1]
        assert result.effect_size == association(table, method="cramer", correction=False)


def test_fisher_is_still_scipys_for_the_tea_tasting_table():
    # Agresti (2007), Table 2.5: Fisher's two-sided p = 0.486
    result = presence_test(np.array([[3, 1], [1, 3]]))
    assert result.test == FISHER
    assert result.p == pytest.approx(0.486, abs=1e-3)
