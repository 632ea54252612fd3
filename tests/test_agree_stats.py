"""Agreement statistics against published worked examples and independent implementations."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from coding.agree import (
    AgreementError,
    bootstrap_alpha,
    cohen_kappa,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    values_reliability,
)

NAN = np.nan
# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# 4 observers x 12 units, values 1-5, missing judgements.
KRIPPENDORFF_2011 = np.array([
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
])  # fmt: skip


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_worked_example(level, published):
    assert krippendorff_alpha(KRIPPENDORFF_2011, level) == pytest.approx(published, abs=5e-4)


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_matches_the_krippendorff_package(level):
    krippendorff = pytest.importorskip("krippendorff", reason="dev dependency 'krippendorff'")
    rng = np.random.default_rng(7)
    data = rng.integers(1, 5, size=(3, 40)).astype(float)
    data[rng.random(data.shape) < 0.2] = NAN
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement=level)
    assert krippendorff_alpha(data, level) == pytest.approx(expected, abs=1e-9)


def test_cohen_kappa_textbook_example():
    # Wikipedia, "Cohen's kappa", worked example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=2, max_size=40))
@settings(max_examples=60)
def test_cohen_kappa_agrees_with_scikit_learn(pairs):
    a, b = zip(*pairs, strict=True)
    if len(set(a) | set(b)) == 1:
        return  # scikit-learn returns nan where there is no variation at all
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)


def test_fleiss_kappa_worked_example():
    # Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories.
    counts = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    assert fleiss_kappa(counts) == pytest.approx(0.210, abs=5e-4)


def test_fleiss_1971_psychiatric_diagnoses():
    # Fleiss (1971), Psychological Bulletin 76(5), Table 1: 30 patients, 6 psychiatrists,
    # 5 diagnoses (depression, personality disorder, schizophrenia, neurosis, other);
    # kappa = .430 in the paper and in R's irr::kappam.fleiss(diagnoses).
    counts = [
        [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
        [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
        [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
        [0, 0, 5, 0, 1], [3, 0, 0, 1, 2], [5, 1, 0, 0, 0], [0, 2, 0, 4, 0], [1, 0, 2, 0, 3],
        [0, 0, 0, 0, 6], [0, 1, 0, 5, 0], [0, 2, 0, 1, 3], [2, 0, 0, 4, 0], [1, 0, 0, 4, 1],
        [0, 5, 0, 1, 0], [4, 0, 0, 0, 2], [0, 2, 0, 4, 0], [1, 0, 5, 0, 0], [0, 0, 0, 0, 6],
    ]  # fmt: skip
    assert fleiss_kappa(counts) == pytest.approx(0.430, abs=5e-4)


def test_fleiss_needs_equal_ratings():
    with pytest.raises(AgreementError, match="same number"):
        fleiss_kappa([[1, 1], [2, 1]])


def test_percent_agreement_two_and_three_coders():
    two = np.array([[1, 1, 0, 1], [1, 0, 0, 1]], dtype=float)
    assert percent_agreement(two) == 0.75
    three = np.array([[1, 1], [1, 0], [1, NAN]], dtype=float)
    # unit 1: all three agree (3/3 pairs); unit 2: the two judgements differ (0/1)
    assert percent_agreement(three) == 0.5


def test_two_coders_nominal_alpha_close_to_kappa_for_large_samples():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2, 2000)
    b = np.where(rng.random(2000) < 0.8, a, 1 - a)
    alpha = krippendorff_alpha(np.vstack([a, b]).astype(float))
    assert alpha == pytest.approx(cohen_kappa(a, b), abs=0.01)


def test_bootstrap_interval_contains_the_estimate():
    low, high = bootstrap_alpha(KRIPPENDORFF_2011, "interval", samples=300)
    assert low < krippendorff_alpha(KRIPPENDORFF_2011, "interval") < high <= 1


def test_values_reliability_table():
    long = pd.DataFrame(
        [
            (u, c, v)
            for c, row in zip("ABCD", KRIPPENDORFF_2011, strict=True)
            for u, v in enumerate(row)
            if not np.isnan(v)
        ],
        columns=["unit", "coder", "value"],
    )
    table = values_reliability(long, "ordinal").set_index("metric")["value"]
    assert table["krippendorff_alpha"] == pytest.approx(0.815, abs=5e-4)
    assert table["n_units"] == 11 and table["n_coders"] == 4
    assert "cohen_kappa" not in table and "fleiss_kappa" not in table
    two = long[long["coder"].isin(["B", "D"])]
    assert "cohen_kappa" in values_reliability(two).set_index("metric")["value"]


def test_bad_reliability_data():
    with pytest.raises(AgreementError, match="missing: value"):
        values_reliability(pd.DataFrame({"unit": [1], "coder": ["A"]}))
    dup = pd.DataFrame({"unit": [1, 1], "coder": ["A", "A"], "value": [1, 2]})
    with pytest.raises(AgreementError, match="judged unit '1' more than once"):
        values_reliability(dup)
    lonely = pd.DataFrame({"unit": [1, 2], "coder": ["A", "B"], "value": [1, 2]})
    with pytest.raises(AgreementError, match="no unit was judged by two coders"):
        values_reliability(lonely)
