"""The comparison report: the clusters side by side, the only place where they meet.

It is built from the clusters' own reports (each figure stays scoped to its
cluster, with its source and its reliability) and from the cross-cluster
tests of ``beliefs``. Shares are of the cluster's own units, so clusters of
different sizes compare; a share is left empty where its dimension is
unreliable in that cluster.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from coding.beliefs import Beliefs
from coding.gating import STATUS_LABEL, UNRELIABLE
from coding.report.data import ReportData
from coding.report.layout import (
    Document,
    Heading,
    Para,
    Section,
    Table,
    findings_blocks,
)

TEXT: dict[str, dict[str, Any]] = {
    "zh": {
        "byline": "由 clusterqda 生成 · 编码本版本 {version} · 各集群的报告见下方链接",
        "sections": [
            "一、各集群的资料与编码来源",
            "二、编码可靠性",
            "三、合作行动比较",
            "四、观念与态度比较",
            "五、方法说明",
        ],
        "sources_note": "每个集群的资料与编码来源。各集群的编码者不同时（例如一个集群由人工编码，"
        "另一个只有规则编码），计数的可比性有限。",
        "gates_note": "各维度在各集群的可靠性判定与 α（判定规则见各集群报告的“编码可靠性”）。",
        "shares_note": "提及各代码的单元占该集群同一来源全部单元的百分比（%）。空白：该维度在该集群"
        "不可靠，未列入。",
        "interview": "访谈发言（% 的受访者发言单元）",
        "open": "开放题回答（% 的开放题回答）",
        "attitudes_note": "各集群问卷受访者的构念得分均值（n 为有得分的受访者数）。",
        "tests": "集群间差异检验",
        "tests_note": "按集群比较：量表得分用 Kruskal–Wallis 检验（ε²），代码出现与否用 χ² 检验"
        "（Cramér's V）或 Fisher 精确检验；各来源"
        "分别检验；p 值按 Holm 法在本报告的全部检验中校正。",
        "types": "观念类型（全部受访者）",
        "types_verdict": "k-means 聚类的轮廓系数为 {s:.2f}：{verdict}",
        "methods": "本报告只做集群之间的比较；每个集群自己的数字、引文与方法附录在其报告中。",
    },
    "en": {
        "byline": "Made by clusterqda · codebook version {version} · each cluster's report is "
        "linked below",
        "sections": [
            "1. Data and coders of each cluster",
            "2. Reliability of the codes",
            "3. Collective action compared",
            "4. Attitudes and beliefs compared",
            "5. Methods",
        ],
        "sources_note": "Each cluster's data and who coded it. Where clusters were coded by "
        "different coders (people in one, rules alone in another), counts compare less well.",
        "gates_note": "Each dimension's status and alpha in each cluster (the rule is in each "
        "cluster report's Reliability of the codes).",
        "shares_note": "Units mentioning each code as a percentage of the cluster's units of the "
        "same source. Empty: the dimension is unreliable in that cluster and left out.",
        "interview": "Interview turns (% of interviewee turns)",
        "open": "Open answers (% of open answers)",
        "attitudes_note": "Mean construct scores of each cluster's survey respondents (n: "
        "respondents with a score).",
        "tests": "Tests of difference between clusters",
        "tests_note": "By cluster: scale scores with Kruskal–Wallis (epsilon²), presence of a "
        "code with chi-square (Cramér's V) or Fisher's exact test; each source apart; p adjusted "
        "with Holm's method over all the tests of this report.",
        "types": "Belief types (all respondents)",
        "types_verdict": "Silhouette of the k-means grouping: {s:.2f}: {verdict}",
        "methods": "This report only compares clusters; each cluster's own figures, quotations "
        "and methods appendix are in its report.",
    },
}
TITLE = {
    "zh": "产业集群合作行动案例：集群比较",
    "en": "Case studies of collective action: the clusters compared",
}


def comparison_document(
    reports: list[ReportData], beliefs: Beliefs | None, version: str, lang: str = "zh"
) -> Document:
    """Lay out the comparison of the clusters' reports."""
    t = TEXT[lang]
    s = t["sections"]
    doc = Document(TITLE[lang], t["byline"].format(version=version), [], lang)
    doc.sections.append(
        Section(s[0], [Para(t["sources_note"], "note"), Table("集群 clusters", _sources(reports))])
    )
    doc.sections.append(
        Section(s[1], [Para(t["gates_note"], "note"), Table("可靠性 gates", _gates(reports))])
    )
    doc.sections.append(
        Section(
            s[2],
            [
                Para(t["shares_note"], "note"),
                Heading(t["interview"]),
                _share_table("访谈 interview shares", _shares(reports, "interview_turns", 1)),
                Heading(t["open"]),
                _share_table("开放题 open-answer shares", _shares(reports, "open_answers", 3)),
            ],
        )
    )
    blocks: list = [Para(t["attitudes_note"], "note")]
    if beliefs is not None:
        from coding.beliefs import findings_for
        from coding.findings import ALL_CLUSTERS

        blocks.append(Table("观念 attitudes", _attitudes(beliefs)))
        findings = findings_for(beliefs, None, lang)
        # a code compared across clusters must be reliable in each of them
        excluded = {d for r in reports for d in r.excluded}
        dims = findings["variable"].astype(str).str.split(".").str[0]
        findings = findings[~dims.isin(excluded)].reset_index(drop=True)
        blocks += [Heading(t["tests"]), Para(t["tests_note"], "note")]
        blocks += findings_blocks(findings, lang)
        types = beliefs.types[beliefs.types["scope"] == ALL_CLUSTERS]
        blocks.append(Heading(t["types"]))
        if len(types):
            first = types.iloc[0]
            blocks.append(
                Para(t["types_verdict"].format(s=first["silhouette"], verdict=first["verdict"]))
            )
            blocks.append(Table("观念类型 types", types[types["belief_type"].notna()]))
    doc.sections.append(Section(s[3], blocks))
    doc.sections.append(Section(s[4], [Para(t["methods"])]))
    return doc


def _sources(reports: list[ReportData]) -> pd.DataFrame:
    rows = []
    for r in reports:
        overview = list(dict(r.overview.to_numpy()).values())
        coders = r.provenance.coders
        who = "；".join(
            f"{c.coder} {int(c.interview_turns)}/{int(c.open_answers)}" for c in coders.itertuples()
        )
        rows.append((r.cluster, *overview, who))
    return pd.DataFrame(
        rows,
        columns=[
            "cluster",
            "interviews",
            "interviewee_turns",
            "respondents",
            "open_answers",
            "coders (turns/answers)",
        ],
    )


def _gates(reports: list[ReportData]) -> pd.DataFrame:
    if not reports:
        return pd.DataFrame()
    table = reports[0].gates[["dimension", "label"]].copy()
    for r in reports:
        by_dim = r.gates.set_index("dimension")
        table[r.cluster] = [_gate_cell(by_dim.loc[d]) for d in table["dimension"]]
    return table


def _gate_cell(row: pd.Series) -> str:
    """Say a dimension's status with its alpha: '待定 tentative 0.60'."""
    alpha = "" if pd.isna(row["alpha"]) else f"{row['alpha']:.3f}"  # 0.498 is not 0.50
    return f"{STATUS_LABEL[row['status']]} {alpha}".strip()


def _shares(reports: list[ReportData], column: str, position: int) -> pd.DataFrame:
    """Percent of a cluster's units of one source that got each code (empty where unreliable)."""
    frames = []
    for r in reports:
        total = list(dict(r.overview.to_numpy()).values())[position]
        counts = pd.concat([r.actions, r.modes, r.goals, r.conditions], ignore_index=True)
        if counts.empty or not total:
            continue
        unreliable = {d for d in r.gates.loc[r.gates["status"] == UNRELIABLE, "dimension"]}
        share = counts.set_index(["code_id", "label"])[column].astype(float) * 100 / total
        dims = [c.split(".")[0] for c, _ in share.index]
        share[[d in unreliable for d in dims]] = float("nan")
        frames.append(share.round(1).rename(r.cluster))
    if not frames:
        return pd.DataFrame()
    table = pd.concat(frames, axis=1).reset_index()
    clusters = [r.cluster for r in reports if r.cluster in table]
    said = table[clusters].fillna(0).gt(0).any(axis=1)  # codes nobody mentioned say nothing
    return table[said].reset_index(drop=True)


def _share_table(sheet: str, shares: pd.DataFrame) -> Table:
    """Shares as numbers in Excel, one decimal in the text formats."""
    numbers = shares.select_dtypes("number").columns
    brief = shares.copy()
    brief[numbers] = brief[numbers].map(lambda v: "" if pd.isna(v) else f"{v:.1f}")
    return Table(sheet, shares, brief=brief)


def _attitudes(beliefs: Beliefs) -> pd.DataFrame:
    constructs = list(beliefs.constructs)
    if not constructs:
        return pd.DataFrame()
    scored = beliefs.table.dropna(subset=constructs, how="all")
    means = scored.groupby("cluster")[constructs].mean().round(2)
    means.columns = [beliefs.constructs[c] for c in constructs]
    means.insert(0, "n", scored.groupby("cluster").size())
    return means.reset_index()
