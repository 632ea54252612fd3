"""The findings table: its columns, its sentences, and that a sentence agrees with its table."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from coding.findings import (
    DETAIL_COLUMNS,
    FINDING_COLUMNS,
    INTERVIEW_TURNS,
    SURVEY_SCALES,
    Variable,
    family_findings,
)
from coding.stats import CHI2, KRUSKAL, NOT_TESTED_GROUPS

NAMES = {"ACT.GOV": "地方政府", "ACT.ASSOC": "行业协会", "ACT.FIRM": "企业", "ACT.FIN": "金融机构"}
NAMES_EN = {"ACT.GOV": "local government", "ACT.ASSOC": "association", "ACT.FIRM": "firms"}


def _table(seed: int = 1) -> pd.DataFrame:
    """Three roles of 12 whose score differs strongly, one role of two people, and a 0/1 code."""
    rng = np.random.default_rng(seed)
    actors = ["ACT.GOV"] * 12 + ["ACT.ASSOC"] * 12 + ["ACT.FIRM"] * 12 + ["ACT.FIN"] * 2
    shift = {"ACT.GOV": 4.0, "ACT.ASSOC": 3.0, "ACT.FIRM": 2.0, "ACT.FIN": 5.0}
    score = [shift[a] + rng.normal(0, 0.3) for a in actors]
    noise = rng.normal(3, 1, len(actors))
    present = [float(i % 2) for i in range(len(actors))]
    return pd.DataFrame({"actor": actors, "score": score, "noise": noise, "code": present})


VARIABLES = [
    Variable("score", "政府主导", SURVEY_SCALES, "score"),
    Variable("noise", "信任", SURVEY_SCALES, "score"),
    Variable("code", "行业协会", INTERVIEW_TURNS, "presence"),
]


def test_columns_come_in_the_documented_order():
    found = family_findings(_table(), "actor", "古镇灯饰", VARIABLES, NAMES)
    assert list(found.columns[: len(FINDING_COLUMNS)]) == FINDING_COLUMNS == [
        "scope", "source", "test", "statistic", "df", "n", "effect_size",
        "effect_measure", "p", "p_adjusted", "finding",
    ]  # fmt: skip
    assert list(found.columns[len(FINDING_COLUMNS) :]) == DETAIL_COLUMNS
    assert (found["scope"] == "古镇灯饰").all()
    assert found["source"].tolist() == [SURVEY_SCALES, SURVEY_SCALES, INTERVIEW_TURNS]


def test_small_groups_are_left_out_and_named():
    table = _table()
    found = family_findings(table, "actor", "古镇灯饰", VARIABLES, NAMES).set_index("variable")
    row = found.loc["score"]
    assert row["left_out"] == "金融机构 2"
    assert set(row["groups"].split("；")) == {"地方政府 12", "行业协会 12", "企业 12"}
    # the same test scipy runs on the three groups of 12 only
    kept = table[table["actor"] != "ACT.FIN"]
    h, p = stats.kruskal(*[g["score"] for _, g in kept.groupby("actor")])
    assert row["test"] == KRUSKAL and row["n"] == 36 and row["df"] == 2
    assert row["statistic"] == pytest.approx(h) and row["p"] == pytest.approx(p)
    # ACT.FIN has the highest mean of all, but two people are not a group that was compared
    assert row["highest"] == "地方政府" and row["lowest"] == "企业"


def test_the_sentence_agrees_with_the_group_means():
    table = _table()
    found = family_findings(table, "actor", "古镇灯饰", VARIABLES, NAMES)
    for row in found[found["significant"]].itertuples():
        kept = table[table["actor"] != "ACT.FIN"]  # the only group under 3
        means = kept.groupby("actor")[row.variable].mean()
        assert row.highest == NAMES[means.idxmax()] and row.lowest == NAMES[means.idxmin()]
        assert row.highest_value == pytest.approx(means.max())
        high = row.finding.index(f"{row.highest}最高")
        low = row.finding.index(f"{row.lowest}最低")
        assert high < low and f"{means.max():.2f}" in row.finding
        assert "Kruskal–Wallis" in row.finding and f"H = {row.statistic:.2f}" in row.finding
        assert f"n = {row.n}" in row.finding and "Holm 校正后" in row.finding
        assert f"ε² = {row.effect_size:.2f}" in row.finding
    assert found["significant"].sum() == 1  # only the built-in difference


def test_no_difference_is_said_plainly_after_adjustment():
    found = family_findings(_table(), "actor", "古镇灯饰", VARIABLES, NAMES)
    quiet = found[~found["significant"]]
    assert len(quiet) == 2
    for finding in quiet["finding"]:
        assert "未发现身份之间的差异" in finding and "最高" not in finding


def test_significant_before_but_not_after_adjustment_says_so():
    rng = np.random.default_rng(0)
    table = _table()
    # many null scores make a family in which one raw p < .05 does not survive Holm
    variables = []
    for i in range(30):
        table[f"null{i}"] = rng.normal(0, 1, len(table))
        variables.append(Variable(f"null{i}", f"量表{i}", SURVEY_SCALES, "score"))
    found = family_findings(table, "actor", "古镇灯饰", variables, NAMES)
    lost = found[(found["p"] < 0.05) & ~found["significant"]]
    assert len(lost), "this seed has a raw p < .05"
    assert lost["finding"].str.contains("（多重检验校正后）").all()
    assert (lost["p_adjusted"] >= 0.05).all()


def test_presence_uses_shares_and_names_the_source():
    table = _table()
    table["code"] = [
        1.0 if a == "ACT.GOV" or i % 3 == 0 else 0.0 for i, a in enumerate(table["actor"])
    ]
    found = family_findings(table, "actor", "古镇灯饰", VARIABLES[2:], NAMES).iloc[0]
    assert found["test"] == CHI2 and found["significant"]
    assert found["highest"] == "地方政府" and found["highest_value"] == 1.0
    assert found["finding"].startswith("古镇灯饰：访谈发言中提及“行业协会”的比例因身份而异")
    assert "100%，n = 12" in found["finding"] and "Cramér's V" in found["finding"]


def test_fewer_than_two_groups_are_not_tested():
    table = _table()
    one_group = table[table["actor"].isin(["ACT.GOV", "ACT.FIN"])]
    found = family_findings(one_group, "actor", "陈村花卉", VARIABLES, NAMES)
    assert (found["test"] == NOT_TESTED_GROUPS).all()
    assert found["p"].isna().all() and found["p_adjusted"].isna().all()
    assert found["finding"].str.contains("未检验，人数不少于 3 的身份组不足两个").all()


def test_english_sentences_and_bh_are_named():
    found = family_findings(
        _table(), "actor", "古镇灯饰", VARIABLES, NAMES_EN, lang="en", method="fdr_bh"
    )
    assert (found["adjustment"] == "Benjamini–Hochberg").all()
    first = found.iloc[0]["finding"]
    assert first.startswith("古镇灯饰: 政府主导 differs by actor role (Kruskal–Wallis test, H = ")
    assert "Benjamini–Hochberg-adjusted p" in first
    assert "highest local government (mean 4." in first and "lowest firms" in first
    assert "no difference by actor role was shown" in found.iloc[1]["finding"]


def test_family_counts_add_up():
    from coding.findings import family_counts

    found = family_findings(_table(), "actor", "古镇灯饰", VARIABLES, NAMES)
    counts = family_counts(found).set_index("source")
    assert counts.loc[SURVEY_SCALES, "rows"] == 2 and counts.loc[SURVEY_SCALES, "tested"] == 2
    assert counts.loc[SURVEY_SCALES, "significant"] == found["significant"].sum() == 1
    assert counts.loc[INTERVIEW_TURNS, "tested"] + counts.loc[INTERVIEW_TURNS, "not_tested"] == 1
