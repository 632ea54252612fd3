"""Scale reliability against published figures and an independent implementation."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coding.survey.check import read_survey
from coding.survey.reliability import construct_scores, cronbach_alpha, reliability
from coding.survey.schema import load_schema
from tests.conftest import DATA

BFI = Path(__file__).resolve().parents[2] / "shared" / "data" / "bfi.csv"
needs_bfi = pytest.mark.skipif(
    not BFI.is_file(), reason="../shared/data/bfi.csv is not beside this clone"
)


@pytest.fixture(scope="module")
def bfi():
    schema = load_schema(DATA / "survey" / "bfi_schema.yaml")
    return read_survey(BFI, schema)


@needs_bfi
def test_bfi_reads_without_problems(bfi):
    assert bfi.problems == [] and len(bfi.raw) == 2800


@needs_bfi
@pytest.mark.parametrize(
    ("construct", "published"),
    # psych documentation, scoreItems(keys, bfi): alpha .70 .72 .76 .81 .60
    [
        ("agree", 0.70),
        ("conscientious", 0.72),
        ("extraversion", 0.76),
        ("neuroticism", 0.81),
        ("openness", 0.60),
    ],
)
def test_bfi_alphas_match_psych(bfi, construct, published):
    table, _ = reliability(bfi.scored(), bfi.schema)
    alpha = table.set_index("construct").loc[construct, "alpha"]
    assert alpha == pytest.approx(published, abs=0.01)


@needs_bfi
def test_alpha_equals_pingouin_listwise(bfi):
    pingouin = pytest.importorskip("pingouin", reason="dev dependency 'pingouin'")
    scored = bfi.scored()
    for construct in bfi.schema.constructs.values():
        block = scored[list(construct.items)]
        expected, _ = pingouin.cronbach_alpha(block, nan_policy="listwise")
        assert cronbach_alpha(block) == pytest.approx(expected, abs=1e-12)


def test_worked_example_by_hand():
    # Three items, five respondents. Item variances 2.5, 1.7, 2.8 (sum 7.0); totals
    # 4, 7, 9, 13, 15 have variance 79.2 / 4 = 19.8; alpha = 3/2 * (1 - 7/19.8) = 0.969697.
    items = pd.DataFrame(
        {"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 4, 5], "c": [1, 3, 3, 5, 5]}, dtype=float
    )
    assert cronbach_alpha(items) == pytest.approx(1.5 * (1 - 7.0 / 19.8))
    assert cronbach_alpha(items) == pytest.approx(0.969697, abs=1e-6)


def test_alpha_if_deleted_and_corrected_item_total(tmp_path):
    schema_path = tmp_path / "s.yaml"
    schema_path.write_text(
        "id_column: id\nscale: {min: 1, max: 5}\n"
        "constructs:\n  t: {label: 信任, items: [x1, x2, x3], reverse: [x3]}\n",
        encoding="utf-8",
    )
    rng = np.random.default_rng(1)
    latent = rng.normal(size=200)
    frame = pd.DataFrame(
        {
            "id": range(200),
            "x1": np.clip(np.round(3 + latent + rng.normal(0, 0.5, 200)), 1, 5),
            "x2": np.clip(np.round(3 + latent + rng.normal(0, 0.5, 200)), 1, 5),
            "x3": np.clip(np.round(3 - latent + rng.normal(0, 0.5, 200)), 1, 5),  # reverse-keyed
        }
    )
    frame.to_csv(tmp_path / "d.csv", index=False)
    data = read_survey(tmp_path / "d.csv", load_schema(schema_path))
    table, items = reliability(data.scored(), data.schema)
    assert table.loc[0, "alpha"] > 0.8 and table.loc[0, "n"] == 200
    block = data.scored()[["x1", "x2", "x3"]]
    expected = cronbach_alpha(block[["x1", "x2"]])
    row = items.set_index("item").loc["x3"]
    assert row["alpha_if_deleted"] == pytest.approx(expected)
    assert row["corrected_item_total_r"] == pytest.approx(
        np.corrcoef(block["x3"], block["x1"] + block["x2"])[0, 1]
    )
    assert row["reverse"]


def test_construct_score_needs_half_the_items(tmp_path):
    schema_path = tmp_path / "s.yaml"
    schema_path.write_text(
        "id_column: id\nscale: {min: 1, max: 5}\n"
        "constructs:\n  t: {label: 信任, items: [a, b, c, d], reverse: [d]}\n",
        encoding="utf-8",
    )
    (tmp_path / "d.csv").write_text("id,a,b,c,d\n1,5,4,,\n2,5,,,\n3,4,4,4,2\n", encoding="utf-8")
    data = read_survey(tmp_path / "d.csv", load_schema(schema_path))
    scores = construct_scores(data.scored(), data.schema)["t"]
    assert scores["1"] == 4.5 and np.isnan(scores["2"]) and scores["3"] == 4.0
