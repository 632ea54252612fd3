"""Attitude and belief data: the table, findings per family, sources kept apart, belief types."""

import dataclasses
import shutil

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from coding.beliefs import analyse, findings_for, group_summary, significant_findings, write_beliefs
from coding.belieftypes import (
    CLEAR_TYPES,
    NO_CLEAR_TYPES,
    SILHOUETTE_THRESHOLD,
    TOO_FEW,
    belief_types,
)
from coding.codebook import load_codebook
from coding.errors import OptionError
from coding.findings import (
    ALL_CLUSTERS,
    FINDING_COLUMNS,
    INTERVIEW_TURNS,
    MIN_GROUP,
    OPEN_ANSWERS,
    SURVEY_SCALES,
)
from coding.project import open_project
from coding.stats import CHI2, FISHER, KRUSKAL, NOT_TESTED
from coding.trust import trusted_codings

CLUSTERS = ["古镇灯饰", "大沥铝型材", "陈村花卉"]


@pytest.fixture(scope="module")
def sample_beliefs(sample_project):
    with open_project(sample_project) as store:
        return analyse(store, load_codebook())


def test_one_row_per_respondent_with_sources_apart(sample_beliefs):
    table = sample_beliefs.table
    assert table["respondent_id"].is_unique
    assert (table["source"] == "survey").sum() == 240
    assert (table["source"] == "interview").sum() == 18
    assert {"trust", "assoc", "gov", "willing", "freeride"} <= set(table.columns)
    for src in ("interview", "open"):
        assert {f"CA.MH_{src}_{m}" for m in ("present", "count", "stance")} <= set(table.columns)
    assert not any(c in table.columns for c in ("CA.MH_present", "CA.MH_count"))
    survey_only = table["source"] == "survey"
    # a survey respondent said nothing in an interview: unknown there, not "absent"
    assert table.loc[survey_only, "CA.MH_interview_present"].isna().all()
    assert table.loc[~survey_only, "CA.MH_open_present"].isna().all()


def test_counts_per_source_match_the_trusted_codings(sample_project, sample_beliefs):
    with open_project(sample_project) as store:
        codings = trusted_codings(store)
        units = store.units().set_index("unit_id")
    codings = codings[~units.loc[codings["unit_id"], "is_interviewer"].astype(bool).to_numpy()]
    doc = units.loc[codings["unit_id"], "doc_id"].to_numpy()
    table = sample_beliefs.table.set_index("respondent_id")
    transcript = codings[~pd.Series(doc).str.contains(":").to_numpy()]
    expected = transcript[transcript["code_id"] == "FORM.ORG"]["unit_id"].str.split("#").str[0]
    for person, n in expected.value_counts().items():
        assert table.loc[person, "FORM.ORG_interview_count"] == n


def test_a_code_in_an_open_answer_is_not_counted_as_an_interview_turn(sample_project, tmp_path):
    from coding.ingest import ingest

    root = tmp_path / "proj"
    shutil.copytree(sample_project, root)
    transcript = tmp_path / "r001.txt"
    transcript.write_text(
        "---\nid: t-r001\ncluster: 古镇灯饰\nrole: ACT.CENTER\nrespondent: R001\n"
        "interviewee: 某主任\n---\n问：您好。\n答：我们中心主要做检测。\n",
        encoding="utf-8",
    )
    with open_project(root) as store:
        ingest(store, [transcript], segment=False)
        units = store.units()
        turn = units[(units["doc_id"] == "t-r001") & ~units["is_interviewer"]]["unit_id"].iloc[0]
        answer = units[units["doc_id"].str.endswith(":R001")]["unit_id"].iloc[0]
        store.register_coder("consensus", "human", None, None)
        row = lambda unit, code: [(unit, code, "positive", None, None, None, None, None)]  # noqa: E731
        store.save_codings("consensus", [answer], row(answer, "COND.TRUST"))
        store.save_codings("consensus", [turn], row(turn, "FORM.MARKET"))
        beliefs = analyse(store, load_codebook())
    person = beliefs.table.set_index("respondent_id").loc["R001"]
    assert person["source"] == "both"
    assert person["COND.TRUST_open_present"] == 1 and person["COND.TRUST_interview_present"] == 0
    assert person["FORM.MARKET_interview_present"] == 1
    assert person.get("FORM.MARKET_open_present", 0) == 0  # no column: nobody's open answer has it
    tests = beliefs.tests.set_index(["scope", "source", "variable"])
    interview = tests.loc[(ALL_CLUSTERS, INTERVIEW_TURNS, "COND.TRUST_interview_present")]
    talked = beliefs.table["source"].isin(["interview", "both"]).sum()
    assert interview["n"] == talked == 19  # R001 counted once, as a person without the code


def test_every_family_is_in_the_workbook_with_the_finding_columns(sample_beliefs, tmp_path):
    out = tmp_path / "beliefs.xlsx"
    write_beliefs(sample_beliefs, out)
    tests = pd.read_excel(out, sheet_name="差异检验 tests")
    assert list(tests.columns[: len(FINDING_COLUMNS)]) == FINDING_COLUMNS
    assert set(tests["scope"]) == {*CLUSTERS, ALL_CLUSTERS}
    assert set(tests["source"]) == {SURVEY_SCALES, INTERVIEW_TURNS, OPEN_ANSWERS}
    assert set(tests["test"]) <= {KRUSKAL, CHI2, FISHER, *NOT_TESTED}
    tested = tests[tests["p"].notna()]
    assert tested["p_adjusted"].notna().all() and (tested["p_adjusted"] >= tested["p"]).all()
    types = pd.read_excel(out, sheet_name="观念类型 types")
    assert {"scope", "silhouette", "verdict"} <= set(types.columns)


def test_a_clusters_findings_use_only_that_cluster(sample_beliefs):
    before = findings_for(sample_beliefs, "古镇灯饰")
    table = sample_beliefs.table.copy()
    other = table["cluster"] != "古镇灯饰"
    rng = np.random.default_rng(0)
    for column in ["trust", "assoc", "gov", "willing", "freeride"]:
        table.loc[other, column] = rng.uniform(1, 5, other.sum())
    for column in [c for c in table.columns if c.endswith("_present")]:
        known = other & table[column].notna()
        table.loc[known, column] = rng.integers(0, 2, known.sum()).astype(float)
    changed = dataclasses.replace(sample_beliefs, table=table)
    pd.testing.assert_frame_equal(findings_for(changed, "古镇灯饰"), before)
    assert not findings_for(changed, None).equals(findings_for(sample_beliefs, None))


def test_families_are_adjusted_separately(sample_beliefs):
    from coding.stats import adjust

    for scope, family in sample_beliefs.tests.groupby("scope"):
        expected = adjust(family["p"].to_numpy())
        np.testing.assert_allclose(family["p_adjusted"].to_numpy(), expected)
        if scope != ALL_CLUSTERS:
            assert (family["by"] == "actor").all()
    assert (sample_beliefs.tests.query("scope == @ALL_CLUSTERS")["by"] == "cluster").all()


def test_sentences_agree_with_the_group_means_table(sample_beliefs):
    tests = sample_beliefs.tests
    significant = tests[tests["significant"]]
    assert len(significant) >= 5
    label = sample_beliefs.code_labels["zh"]
    for row in significant.itertuples():
        summary = group_summary(sample_beliefs, row.scope)
        means = summary.set_index("label")[row.variable]
        # independently: pandas on the scope's rows, groups of 3 or more only
        table = sample_beliefs.table
        if row.scope != ALL_CLUSTERS:
            table = table[table["cluster"] == row.scope]
        values = table.dropna(subset=[row.variable]).groupby(row.by)[row.variable]
        kept = values.mean()[values.count() >= MIN_GROUP]
        assert row.highest == label.get(kept.idxmax(), kept.idxmax())
        assert row.lowest == label.get(kept.idxmin(), kept.idxmin())
        assert means[row.highest] == pytest.approx(kept.max())
        assert means[row.lowest] == pytest.approx(kept.min())
        assert f"{row.highest}最高" in row.finding and f"{row.lowest}最低" in row.finding


def test_the_built_in_group_differences_are_found_after_adjustment(sample_beliefs):
    tests = sample_beliefs.tests.set_index(["scope", "variable"])
    for cluster in CLUSTERS:
        assert tests.loc[(cluster, "assoc"), "significant"]
        assert tests.loc[(cluster, "assoc"), "highest"] == "行业协会与商会"
    assert tests.loc[(ALL_CLUSTERS, "trust"), "highest"] == "陈村花卉"
    sentences = significant_findings(sample_beliefs)
    # a family within a cluster names it first; the comparison says "by cluster"
    assert any(s.startswith("古镇灯饰：协会作用因身份而异") for s in sentences)
    assert any(s.startswith("信任因集群而异") for s in sentences)
    assert all("校正后" in s for s in sentences)


def test_interviews_within_a_cluster_are_too_few_to_test(sample_beliefs):
    found = findings_for(sample_beliefs, "陈村花卉")
    interview = found[found["source"] == INTERVIEW_TURNS]
    # one or two interviewees per role: no group reaches three
    assert len(interview) and interview["p"].isna().all()
    assert interview["finding"].str.contains("未检验").all()


def test_english_findings_and_unknown_cluster(sample_beliefs):
    found = findings_for(sample_beliefs, "古镇灯饰", lang="en", method="fdr_bh")
    row = found.set_index("variable").loc["assoc"]
    assert row["finding"].startswith(
        "古镇灯饰: assoc differs by actor role (Kruskal–Wallis test, H = "
    )
    assert (
        "Benjamini–Hochberg-adjusted" in row["finding"]
        and "highest industry association" in row["finding"].lower()
    )
    with pytest.raises(OptionError, match="no cluster named"):
        findings_for(sample_beliefs, "无此集群")


def test_belief_types_report_the_silhouette_and_its_verdict(sample_beliefs):
    types = sample_beliefs.types
    assert set(types["scope"]) == {*CLUSTERS, ALL_CLUSTERS}
    constructs = list(sample_beliefs.constructs)
    for scope, rows in types.groupby("scope"):
        first = rows.iloc[0]
        assert (first["verdict"] == CLEAR_TYPES) == (first["silhouette"] > SILHOUETTE_THRESHOLD)
        table = sample_beliefs.table
        if scope != ALL_CLUSTERS:
            table = table[table["cluster"] == scope]
        features = StandardScaler().fit_transform(table.dropna(subset=constructs)[constructs])
        model = KMeans(n_clusters=int(first["k"]), n_init=10, random_state=0).fit(features)
        assert first["silhouette"] == pytest.approx(silhouette_score(features, model.labels_))
    no_types = types[types["verdict"] == NO_CLEAR_TYPES]
    assert no_types["belief_type"].isna().all()
    assert no_types["description"].str.startswith("无明显观念类型").all()


def test_clear_types_only_where_there_is_structure():
    points, _ = make_blobs(
        n_samples=90, centers=[[0, 0, 0], [5, 5, 0], [0, 5, 5]], cluster_std=0.5, random_state=0
    )
    table = pd.DataFrame(points, columns=["a", "b", "c"])
    table["respondent_id"] = [f"r{i}" for i in range(len(table))]
    labels = {"a": "信任", "b": "协会作用", "c": "政府主导"}
    clear = belief_types(table, ["a", "b", "c"], labels, "甲")
    assert clear.clear and clear.k == 3 and clear.silhouette > 0.5
    assert clear.types["n"].sum() == 90 and clear.types["description"].str.match("高|低|居中").all()
    assert clear.assignment.index.tolist() == table["respondent_id"].tolist()

    # one Gaussian cloud in five dimensions (as many as the survey's constructs): no types
    cloud = pd.DataFrame(np.random.default_rng(0).normal(size=(90, 5)), columns=[*"vwxyz"])
    cloud["respondent_id"] = table["respondent_id"]
    unclear = belief_types(cloud, [*"vwxyz"], labels, "甲")
    assert not unclear.clear and unclear.verdict == NO_CLEAR_TYPES
    assert unclear.silhouette <= SILHOUETTE_THRESHOLD and unclear.assignment.empty
    assert len(unclear.types) == 1 and unclear.types["n"].iloc[0] == 90

    assert belief_types(table.head(5), ["a", "b", "c"], labels, "甲").verdict == TOO_FEW


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
    beliefs = analyse(store, load_codebook())
    table = beliefs.table.set_index("respondent_id")
    # reverse-keyed q3 counts as 1 + 5 - q3
    assert table.loc["r1", "trust"] == pytest.approx((5 + 4 + 5) / 3)
    assert table.loc["r2", "trust"] == pytest.approx((1 + 2 + 1) / 3)
    assert table.loc["r3", "trust"] == pytest.approx((3 + 3 + 4) / 3)
    # three people, roles without ACT codes: nothing to compare, nothing typed, no crash
    assert beliefs.tests["p"].isna().all() and beliefs.types["verdict"].iloc[0] == TOO_FEW


def test_mixed_stance_from_rules_and_sheets():
    from coding.autocode import RuleCoder
    from coding.beliefs import STANCE_VALUE
    from coding.sheets import STANCE_LABELS

    coder = RuleCoder(load_codebook())
    hits = coder.code_text("商会帮了我们很多，但是有些人不交会费，很头疼。")
    stances = {h.code_id: h.stance for h in hits}
    # cue words of both kinds make a code without a valence of its own mixed; a judgement
    # or a hindrance keeps its own (tests/data/gold/GUIDE.md, "Stance")
    assert stances.pop("COND.FREERIDE", "negative") == "negative"
    assert stances.pop("EVAL.SUCCESS", "positive") == "positive"
    assert stances and set(stances.values()) == {"mixed"}
    assert STANCE_LABELS["混合"] == "mixed" and STANCE_VALUE["mixed"] == 0.0


def test_the_demo_prints_the_findings_significant_after_adjustment(demo_run, sample_beliefs):
    _, result = demo_run
    printed = [line[2:] for line in result.stdout.splitlines() if line.startswith("- ")]
    assert printed == significant_findings(sample_beliefs) and printed
    assert not any("未发现" in line or "未检验" in line for line in printed)


def test_the_beliefs_command_prints_counts_and_only_adjusted_findings(
    runner, sample_project, sample_beliefs, tmp_path
):
    from cli import app

    out = tmp_path / "b.xlsx"
    result = runner.invoke(app, ["beliefs", "--project", str(sample_project), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Tests per family" in result.stdout and out.is_file()
    printed = [line[2:] for line in result.stdout.splitlines() if line.startswith("- ")]
    assert printed == significant_findings(sample_beliefs)
