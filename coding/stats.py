"""Tests of difference between groups and their adjustment for multiple testing.

Three statistics, each from a well-kept library, each returned with its name,
n and effect size so that a sentence about it can say all of that:

- ``kruskal_test``: Kruskal–Wallis H across groups of a numeric score
  (``scipy.stats.kruskal``, ties corrected), effect size epsilon² = H / (n − 1)
  (Tomczak & Tomczak 2014, "The need to report effect size estimates
  revisited", Trends in Sport Sciences 21(1), eq. for E²_R).
- ``presence_test``: presence (0/1) of a code by group. The chi-square test of
  independence (``scipy.stats.chi2_contingency``, no continuity correction) is
  used only where Cochran's rule allows it (Cochran 1954: for a 2×2 table every
  expected count ≥ 5; for larger tables every expected count ≥ 1 and at most
  20% of them below 5), with Cramér's V (``scipy.stats.contingency.association``).
  Otherwise a 2×2 table gets Fisher's exact test (``scipy.stats.fisher_exact``,
  two-sided) with phi (= Cramér's V of a 2×2 table) as effect size; the odds
  ratio is not used because it is infinite whenever a cell is empty, which is
  common with groups of a few people. A larger sparse table is not tested.
- ``adjust``: p-values adjusted over a family of tests with
  ``statsmodels.stats.multitest.multipletests``, Holm by default (controls the
  family-wise error rate), Benjamini–Hochberg as an option (false discovery rate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coding.errors import OptionError, StatisticsError

KRUSKAL = "Kruskal–Wallis H"
CHI2 = "χ² test of independence"
FISHER = "Fisher's exact test"
NOT_TESTED_SPARSE = "not tested (expected counts < 5)"
NOT_TESTED_GROUPS = "not tested (fewer than two groups of 3 or more)"
NOT_TESTED_CONSTANT = "not tested (no variation)"
NOT_TESTED = (NOT_TESTED_SPARSE, NOT_TESTED_GROUPS, NOT_TESTED_CONSTANT)

EPSILON2 = "epsilon² (H/(n−1), Tomczak & Tomczak 2014)"
CRAMER_V = "Cramér's V"
PHI = "phi (|φ|)"

ADJUSTMENTS = {"holm": "Holm", "fdr_bh": "Benjamini–Hochberg"}
ALPHA = 0.05  # an adjusted p below this is reported as a difference


@dataclass(frozen=True)
class TestResult:
    """One test: its name, statistic, degrees of freedom, n, effect size and p."""

    test: str
    statistic: float
    df: float
    n: int
    effect_size: float
    effect_measure: str
    p: float


def kruskal_test(groups: Mapping[str, Sequence[float] | np.ndarray]) -> TestResult:
    """Return the Kruskal–Wallis test of a score across groups, with epsilon² = H/(n − 1).

    Example (R, ``kruskal.test(Ozone ~ Month, data = airquality)``):
    chi-squared = 29.267, df = 4, p-value = 6.901e-06 (116 days with ozone).
    """
    from scipy import stats

    samples = [np.asarray(g, dtype=float) for g in groups.values()]
    samples = [s[~np.isnan(s)] for s in samples]
    if len(samples) < 2 or any(len(s) == 0 for s in samples):
        raise StatisticsError("Kruskal–Wallis needs at least two groups with values")
    n = sum(len(s) for s in samples)
    if len(np.unique(np.concatenate(samples))) == 1:
        # every value the same: no ranks to compare, and scipy would fail
        return TestResult(NOT_TESTED_CONSTANT, np.nan, np.nan, n, np.nan, "", np.nan)
    h, p = stats.kruskal(*samples)
    return TestResult(
        KRUSKAL, float(h), float(len(samples) - 1), n, float(h / (n - 1)), EPSILON2, float(p)
    )


def cochran_allows_chi2(expected: np.ndarray) -> bool:
    """Return whether expected counts allow the chi-square approximation (Cochran 1954)."""
    expected = np.asarray(expected, dtype=float)
    if expected.shape == (2, 2):
        return bool((expected >= 5).all())
    return bool((expected >= 1).all() and (expected < 5).mean() <= 0.2)


def presence_test(counts: pd.DataFrame | np.ndarray) -> TestResult:
    """Test a groups × (absent, present) table of counts: χ², Fisher's exact test, or none.

    χ² with Cramér's V where Cochran's rule holds; else Fisher's exact test with
    phi for a 2×2 table; else the row is "not tested (expected counts < 5)".
    Example (Agresti 2007, *An Introduction to Categorical Data Analysis*,
    Table 2.5, tea tasting ``[[3, 1], [1, 3]]``): Fisher's two-sided p = 0.486.
    """
    from scipy import stats
    from scipy.stats.contingency import association, expected_freq

    table = np.asarray(counts, dtype=np.int64)
    n = int(table.sum())
    if table.ndim != 2 or table.shape[0] < 2 or table.shape[1] != 2:
        raise StatisticsError("a presence table needs two or more groups and two columns")
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        return TestResult(NOT_TESTED_CONSTANT, np.nan, np.nan, n, np.nan, "", np.nan)
    if cochran_allows_chi2(expected_freq(table)):
        chi2, p, df, _ = stats.chi2_contingency(table, correction=False)
        v = association(table, method="cramer", correction=False)
        return TestResult(CHI2, float(chi2), float(df), n, float(v), CRAMER_V, float(p))
    if table.shape == (2, 2):
        _, p = stats.fisher_exact(table, alternative="two-sided")
        phi = association(table, method="cramer", correction=False)
        return TestResult(FISHER, np.nan, np.nan, n, float(phi), PHI, float(p))
    return TestResult(NOT_TESTED_SPARSE, np.nan, np.nan, n, np.nan, "", np.nan)


def adjust(p: Sequence[float] | np.ndarray, method: str = "holm") -> np.ndarray:
    """Return p-values adjusted over one family (Holm or Benjamini–Hochberg); NaN stays NaN.

    Example (Holm 1979's step-down, as statsmodels documents it):
    p = [0.01, 0.02, 0.03, 0.04, 0.05] → [0.05, 0.08, 0.09, 0.09, 0.09].
    """
    from statsmodels.stats.multitest import multipletests

    if method not in ADJUSTMENTS:
        raise OptionError(f"unknown adjustment '{method}': use one of {', '.join(ADJUSTMENTS)}")
    values = np.asarray(p, dtype=float)
    out = np.full(values.shape, np.nan)
    tested = ~np.isnan(values)
    if tested.any():
        out[tested] = multipletests(values[tested], alpha=ALPHA, method=method)[1]
    return out
