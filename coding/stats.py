"""Tests of difference between groups and their adjustment for multiple testing.

Three statistics, each returned with its name, n and effect size so that a
sentence about it can say all of that:

- ``kruskal_test``: Kruskal–Wallis H across groups of a numeric score
  (``scipy.stats.kruskal``, ties corrected), effect size epsilon² = H / (n − 1)
  (Tomczak & Tomczak 2014, "The need to report effect size estimates
  revisited", Trends in Sport Sciences 21(1), eq. for E²_R).
- ``presence_test``: presence (0/1) of a code by group. The chi-square test of
  independence (Pearson's X², no continuity correction) is used only where
  Cochran's rule allows it (Cochran 1954: for a 2×2 table every expected count
  ≥ 5; for larger tables every expected count ≥ 1 and at most 20% of them
  below 5), with Cramér's V. Otherwise a 2×2 table gets Fisher's exact test
  (``scipy.stats.fisher_exact``, two-sided) with phi (= Cramér's V of a 2×2
  table) as effect size; the odds ratio is not used because it is infinite
  whenever a cell is empty, which is common with groups of a few people. A
  larger sparse table is not tested.
- ``adjust``: p-values adjusted over a family of tests, Holm by default
  (controls the family-wise error rate), Benjamini–Hochberg as an option
  (false discovery rate).

X², its p-value (``scipy.special.chdtrc``), Cramér's V, the adjustments and
``adjusted_residuals`` are a few lines of NumPy written as the libraries
compute them — ``scipy.stats.chi2_contingency`` and ``contingency.association``,
``statsmodels.stats.multitest.multipletests``, statsmodels'
``Table.standardized_resids`` — because importing ``scipy.stats`` and
statsmodels took 1.2 s of the 2 s a ``matrix`` command spent; the tests
(``tests/test_query_stats.py``) hold every figure equal to those libraries'.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from coding.errors import OptionError, StatisticsError

if TYPE_CHECKING:
    import pandas as pd

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


def expected_counts(table: np.ndarray) -> np.ndarray:
    """Return the expected counts of a two-way table under independence (row sum × column
    sum / n, in the order ``scipy.stats.contingency.expected_freq`` multiplies them)."""
    observed = np.asarray(table, dtype=np.float64)
    rows = observed.sum(axis=1, keepdims=True)
    columns = observed.sum(axis=0, keepdims=True)
    return rows * columns / observed.sum()


def chi2_independence(table: np.ndarray) -> tuple[float, float, int]:
    """Return Pearson's X², its p-value and degrees of freedom for a two-way table with
    no empty row or column (``scipy.stats.chi2_contingency(correction=False)``)."""
    from scipy.special import chdtrc  # what chi2.sf calls, without importing scipy.stats

    observed = np.asarray(table, dtype=np.float64)
    expected = expected_counts(observed)
    df = expected.size - sum(expected.shape) + expected.ndim - 1
    if df == 0:
        return 0.0, 1.0, 0
    statistic = np.sum((observed - expected) ** 2 / expected)
    return float(statistic), float(chdtrc(float(df), statistic)), df


def cramers_v(table: np.ndarray, statistic: float) -> float:
    """Return Cramér's V of a two-way table from its X² (``contingency.association``)."""
    counts = np.asarray(table)
    rows, columns = counts.shape
    return math.sqrt(statistic / counts.sum() / min(columns - 1, rows - 1))


def presence_test(counts: pd.DataFrame | np.ndarray) -> TestResult:
    """Test a groups × (absent, present) table of counts: χ², Fisher's exact test, or none.

    χ² with Cramér's V where Cochran's rule holds; else Fisher's exact test with
    phi for a 2×2 table; else the row is "not tested (expected counts < 5)".
    Example (Agresti 2007, *An Introduction to Categorical Data Analysis*,
    Table 2.5, tea tasting ``[[3, 1], [1, 3]]``): Fisher's two-sided p = 0.486.
    """
    table = np.asarray(counts, dtype=np.int64)
    n = int(table.sum())
    if table.ndim != 2 or table.shape[0] < 2 or table.shape[1] != 2:
        raise StatisticsError("a presence table needs two or more groups and two columns")
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        return TestResult(NOT_TESTED_CONSTANT, np.nan, np.nan, n, np.nan, "", np.nan)
    if cochran_allows_chi2(expected_counts(table)):
        chi2, p, df = chi2_independence(table)
        v = cramers_v(table, chi2)
        return TestResult(CHI2, chi2, float(df), n, v, CRAMER_V, p)
    if table.shape == (2, 2):
        from scipy import stats  # only here: its import costs more than a whole matrix

        _, p = stats.fisher_exact(table, alternative="two-sided")
        phi = cramers_v(table, chi2_independence(table)[0])
        return TestResult(FISHER, np.nan, np.nan, n, phi, PHI, float(p))
    return TestResult(NOT_TESTED_SPARSE, np.nan, np.nan, n, np.nan, "", np.nan)


def adjusted_residuals(table: np.ndarray) -> np.ndarray:
    """Return the adjusted standardised residuals of a two-way table under independence,
    (n_ij − e_ij) / sqrt(e_ij (1 − p_i+)(1 − p_+j)) (Agresti 2007, section 2.4.5).

    As statsmodels' ``Table(table).standardized_resids`` computes them, including its
    default ``shift_zeros``: an empty cell counts as 0.5.
    """
    cells = np.asarray(table, dtype=np.float64).copy()
    if cells.min() == 0:
        cells[cells == 0] = 0.5
    n = cells.sum()
    row = cells.sum(1) / n
    col = cells.sum(0) / n
    fitted = n * np.outer(row, col)
    pearson = (cells - fitted) / np.sqrt(fitted)
    return pearson / np.sqrt(np.outer(1 - row, 1 - col))


def adjust(p: Sequence[float] | np.ndarray, method: str = "holm") -> np.ndarray:
    """Return p-values adjusted over one family (Holm or Benjamini–Hochberg); NaN stays NaN.

    Example (Holm 1979's step-down, as statsmodels documents it):
    p = [0.01, 0.02, 0.03, 0.04, 0.05] → [0.05, 0.08, 0.09, 0.09, 0.09].
    """
    if method not in ADJUSTMENTS:
        raise OptionError(f"unknown adjustment '{method}': use one of {', '.join(ADJUSTMENTS)}")
    values = np.asarray(p, dtype=float)
    out = np.full(values.shape, np.nan)
    tested = ~np.isnan(values)
    if tested.any():
        out[tested] = _step(values[tested], method)
    return out


def _step(p: np.ndarray, method: str) -> np.ndarray:
    """Holm's step-down or Benjamini–Hochberg's step-up, as ``multipletests`` computes them."""
    order = np.argsort(p)
    ranked = np.take(p, order)
    m = len(ranked)
    if method == "holm":
        adjusted = np.maximum.accumulate(ranked * np.arange(m, 0, -1))
    else:
        adjusted = np.minimum.accumulate((ranked / (np.arange(1, m + 1) / float(m)))[::-1])[::-1]
    adjusted[adjusted > 1] = 1
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out
