"""Attitude and belief data: statistics against published figures, findings on the sample."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from coding.beliefs import analyse, kruskal, presence_test
from coding.codebook import load_codebook
from coding.project import open_project
from coding.trust import trusted_codings

AIRQUALITY = Path(__file__).resolve().parents[2] / "shared" / "data" / "airquality.csv"


@pytest.mark.skipif(not AIRQUALITY.is_file(), reason="../shared/data is not beside this clone")
def test_kruskal_matches_r_airquality_example():
    # R: kruskal.test(Ozone ~ Month, data = airquality)
    #    Kruskal-Wallis chi-squared = 29.267, df = 4, p-value = 6.901e-06
    air = pd.read_csv(AIRQUALITY).dropna(subset=["Ozone"])
    groups = {m: g["Ozone"].to_numpy() for m, g in air.groupby("Month")}
    h, df, p, eps = kruskal(groups)
    assert h == pytest.approx(29.267, abs=5e-4) and df == 4
    assert p == pytest.approx(6.901e-06, rel=1e-3)
    assert eps == pytest.approx(h / (len(air) - 1))


def test_presence_test_uses_fisher_for_two_by_two():
    table = pd.DataFrame([[8, 2], [1, 5]])
    test, odds, p, v = presence_test(table)
    assert test == "fisher"
    assert p == pytest.approx(stats.fisher_exact([[8, 2], [1, 5]])[1])
    chi2 = stats.chi2_contingency([[8, 2], [1, 5]], correction=False)[0]
    assert v == pytest.approx(np.sqrt(chi2 / 16))
    assert presence_test(pd.DataFrame([[5, 5], [2, 8], [9, 1]]))[0] == "chi2"


@pytest.fixture(scope="module")
def sample_beliefs(sample_project):
    with open_project(sample_project) as store:
        return analyse(store, load_codebook())


def test_one_row_per_respondent(sample_beliefs):
    table = sample_beliefs.table
    assert table["respondent_id"].is_unique
    assert (table["source"] == "survey").sum() == 240
    assert (table["source"] == "interview").sum() == 18
    assert {"trust", "assoc", "gov", "willing", "freeride"} <= set(table.columns)
    assert {"CA.MH_present", "CA.MH_count", "CA.MH_stance"} <= set(table.columns)


def test_the_built_in_group_differences_are_found(sample_beliefs):
    tests = sample_beliefs.tests.set_index(["variable", "by"])
    table = sample_beliefs.table
    by_actor = table.groupby("actor")
    assert tests.loc[("assoc", "actor"), "p"] < 0.001
    assert by_actor["assoc"].mean().idxmax() == "ACT.ASSOC"
    assert by_actor["gov"].mean().idxmax() == "ACT.GOV"
    assert tests.loc[("freeride", "actor"), "p"] < 0.001
    assert tests.loc[("trust", "cluster"), "p"] < 0.001
    means = table.groupby("cluster")["trust"].mean()
    assert means["陈村花卉"] > means["古镇灯饰"]
    assert "协会作用因身份而异" in " ".join(sample_beliefs.tests["finding"])


def test_belief_types_are_chosen_by_silhouette_and_described(sample_beliefs):
    types = sample_beliefs.types
    assert 2 <= len(types) <= 6
    assert types["n"].sum() == sample_beliefs.table["belief_type"].notna().sum()
    assert types["description"].str.contains("高|低|居中").all()


def test_consensus_then_people_then_rules(store):
    from coding.ingest import ingest
    from tests.conftest import GOOD

    ingest(store, [GOOD / "qa_fullwidth.txt"], segment=False)
    unit = "qa-full#2"
    store.register_coder("rules@x", "rules", None, None)
    store.register_coder("li", "human", None, None)
    store.register_coder("consensus", "human", None, None)
    row = lambda code: [(unit, code, "neutral", None, None, None, None, None)]  # noqa: E731
    store.register_coder("model@y", "model", None, None)
    store.register_coder("hybrid@y", "hybrid", None, None)
    store.save_codings("rules@x", [unit], row("CA.BH"))
    assert trusted_codings(store)["code_id"].tolist() == ["CA.BH"]
    store.save_codings("model@y", [unit], row("FORM.ORG"))
    assert trusted_codings(store)["code_id"].tolist() == ["FORM.ORG"]
    store.save_codings("hybrid@y", [unit], row("FORM.INTL"))
    assert trusted_codings(store)["code_id"].tolist() == ["FORM.INTL"]
    store.save_codings("li", [unit], row("CA.MH"))
    assert trusted_codings(store)["code_id"].tolist() == ["CA.MH"]
    store.save_codings("consensus", [unit], row("CA.MV"))
    assert trusted_codings(store)["code_id"].tolist() == ["CA.MV"]


def test_beliefs_score_constructs_with_reverse_items_turned(store, tmp_path):
    from coding.survey.check import read_survey
    from coding.survey.ingest import ingest_survey
    from coding.survey.schema import load_schema

    schema = tmp_path / "schema.yaml"
    schema.write_text(
        "name: s\nid_column: id\nattributes: {cluster: cluster, role: role}\n"
        "scale: {min: 1, max: 5}\n"
        "constructs:\n  trust: {label: 信任, items: [q1, q2, q3], reverse: [q3]}\n",
        encoding="utf-8",
    )
    data = tmp_path / "survey.csv"
    data.write_text(
        "id,cluster,role,q1,q2,q3\nr1,甲,企业,5,4,1\nr2,甲,企业,1,2,5\nr3,甲,协会,3,3,2\n",
        encoding="utf-8",
    )
    checked = read_survey(data, load_schema(schema))
    ingest_survey(store, checked)
    table = analyse(store, load_codebook()).table.set_index("respondent_id")
    # reverse-keyed q3 counts as 1 + 5 - q3
    assert table.loc["r1", "trust"] == pytest.approx((5 + 4 + 5) / 3)
    assert table.loc["r2", "trust"] == pytest.approx((1 + 2 + 1) / 3)
    assert table.loc["r3", "trust"] == pytest.approx((3 + 3 + 4) / 3)


def test_mixed_stance_from_rules_and_sheets():
    from coding.autocode import RuleCoder
    from coding.beliefs import STANCE_VALUE
    from coding.sheets import STANCE_LABELS

    coder = RuleCoder(load_codebook())
    hits = coder.code_text("商会帮了我们很多，但是有些人不交会费，很头疼。")
    assert {h.stance for h in hits} == {"mixed"}
    assert STANCE_LABELS["混合"] == "mixed" and STANCE_VALUE["mixed"] == 0.0
