"""Findings: one family of group comparisons as a table, each row with its own sentence.

A family is what one report states at once: the comparisons across actor roles
within one cluster, or across clusters ("全部集群 all clusters"). Every
p-value of a family is adjusted together (``coding.stats.adjust``). The
findings table's first columns are ``FINDING_COLUMNS``:

- ``scope``: the cluster's name, or ``ALL_CLUSTERS`` for the comparison of clusters
- ``source``: ``SURVEY_SCALES``, ``INTERVIEW_TURNS`` or ``OPEN_ANSWERS`` (never pooled)
- ``test``: the test's name, or why the row was not tested (``coding.stats.NOT_TESTED``)
- ``statistic``, ``df``: H or χ² and its degrees of freedom (empty for Fisher's exact test)
- ``n``: people in the groups compared; ``effect_size`` and ``effect_measure``
- ``p``, ``p_adjusted``: raw and adjusted within the family (empty when not tested)
- ``finding``: a sentence made from the row alone (``finding_sentence``)

then ``DETAIL_COLUMNS``: ``variable`` (the belief table's column), ``label``,
``by`` (``actor`` or ``cluster``), ``groups`` (each compared group with its n,
e.g. "地方政府 12；行业协会 9"), ``left_out`` (groups under ``MIN_GROUP``),
``highest``/``lowest`` with their ``_value`` (mean score or share with the code)
and ``_n``, ``adjustment`` (the method's name) and ``significant``
(adjusted p < ``coding.stats.ALPHA``). Highest and lowest are computed by
``group_values``, the same group means the summary table shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coding.stats import (
    ADJUSTMENTS,
    ALPHA,
    CHI2,
    FISHER,
    KRUSKAL,
    NOT_TESTED_CONSTANT,
    NOT_TESTED_GROUPS,
    NOT_TESTED_SPARSE,
    TestResult,
    adjust,
    kruskal_test,
    presence_test,
)

FINDING_COLUMNS = [
    "scope",
    "source",
    "test",
    "statistic",
    "df",
    "n",
    "effect_size",
    "effect_measure",
    "p",
    "p_adjusted",
    "finding",
]
DETAIL_COLUMNS = [
    "variable",
    "label",
    "by",
    "groups",
    "left_out",
    "highest",
    "highest_value",
    "highest_n",
    "lowest",
    "lowest_value",
    "lowest_n",
    "adjustment",
    "significant",
]
ALL_CLUSTERS = "全部集群 all clusters"
SURVEY_SCALES = "问卷量表 survey scales"
INTERVIEW_TURNS = "访谈发言 interview turns"
OPEN_ANSWERS = "开放题回答 open answers"
MIN_GROUP = 3  # groups smaller than this are left out of a test (and named in left_out)

_BY = {
    "zh": {"actor": "身份", "cluster": "集群"},
    "en": {"actor": "actor role", "cluster": "cluster"},
}
_SOURCE = {
    "zh": {INTERVIEW_TURNS: "访谈发言中", OPEN_ANSWERS: "开放题回答中"},
    "en": {INTERVIEW_TURNS: "in interview turns", OPEN_ANSWERS: "in open answers"},
}
_TEST = {
    "zh": {KRUSKAL: "Kruskal–Wallis 检验", CHI2: "χ² 独立性检验", FISHER: "Fisher 精确检验"},
    "en": {
        KRUSKAL: "Kruskal–Wallis test",
        CHI2: "χ² test of independence",
        FISHER: "Fisher's exact test",
    },
}
_EFFECT = {KRUSKAL: "ε²", CHI2: "Cramér's V", FISHER: "φ"}


@dataclass(frozen=True)
class Variable:
    """One thing compared between groups: a score (Kruskal–Wallis) or a code's presence."""

    column: str
    label: str
    source: str
    kind: str  # "score" or "presence"


def group_values(table: pd.DataFrame, by: str, column: str) -> pd.DataFrame:
    """Return per group (index) ``n`` (non-missing values) and ``value`` (their mean)."""
    values = table.dropna(subset=[by, column]).groupby(by)[column]
    return pd.DataFrame({"n": values.count(), "value": values.mean()})


def family_findings(
    table: pd.DataFrame,
    by: str,
    scope: str,
    variables: Sequence[Variable],
    group_labels: Mapping[str, str],
    lang: str = "zh",
    method: str = "holm",
) -> pd.DataFrame:
    """Return one family's findings (FINDING_COLUMNS + DETAIL_COLUMNS), p adjusted together."""
    rows = [_test_row(table, by, scope, v, group_labels) for v in variables]
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS + DETAIL_COLUMNS)
    frame["p_adjusted"] = adjust(frame["p"].to_numpy(dtype=float), method)
    frame["adjustment"] = ADJUSTMENTS[method]
    frame["significant"] = frame["p_adjusted"] < ALPHA
    frame["finding"] = [finding_sentence(row, lang) for row in frame.to_dict("records")]
    return frame


def _test_row(
    table: pd.DataFrame, by: str, scope: str, variable: Variable, names: Mapping[str, str]
) -> dict[str, Any]:
    data = table[[by, variable.column]].dropna()  # two columns: the wide table is slow to copy
    values = group_values(data, by, variable.column)
    kept = values[values["n"] >= MIN_GROUP]
    small = values[values["n"] < MIN_GROUP]
    sub = data[data[by].isin(kept.index)]
    result = _run(sub, by, variable, len(kept), int(values["n"].sum()))
    ranked = kept.assign(name=[str(names.get(g, g)) for g in kept.index])
    ranked = ranked.sort_values(["value", "name"], ascending=[False, True])
    high = ranked.iloc[0] if len(ranked) else None
    low = ranked.iloc[-1] if len(ranked) else None
    return {
        "scope": scope,
        "source": variable.source,
        "test": result.test,
        "statistic": result.statistic,
        "df": result.df,
        "n": result.n,
        "effect_size": result.effect_size,
        "effect_measure": result.effect_measure,
        "p": result.p,
        "p_adjusted": np.nan,
        "finding": "",
        "variable": variable.column,
        "label": variable.label,
        "by": by,
        "groups": _group_text(kept, names),
        "left_out": _group_text(small, names),
        "highest": None if high is None else high["name"],
        "highest_value": np.nan if high is None else float(high["value"]),
        "highest_n": np.nan if high is None else int(high["n"]),
        "lowest": None if low is None else low["name"],
        "lowest_value": np.nan if low is None else float(low["value"]),
        "lowest_n": np.nan if low is None else int(low["n"]),
        "adjustment": "",
        "significant": False,
    }


def _run(sub: pd.DataFrame, by: str, variable: Variable, groups: int, n_all: int) -> TestResult:
    if groups < 2:
        return TestResult(NOT_TESTED_GROUPS, np.nan, np.nan, n_all, np.nan, "", np.nan)
    if variable.kind == "score":
        samples = {str(k): g[variable.column].to_numpy() for k, g in sub.groupby(by)}
        return kruskal_test(samples)
    present = sub.groupby(by)[variable.column].agg(["size", "sum"])
    return presence_test(np.column_stack([present["size"] - present["sum"], present["sum"]]))


def _group_text(values: pd.DataFrame, names: Mapping[str, str]) -> str:
    return "；".join(f"{names.get(g, g)} {int(n)}" for g, n in values["n"].items())


def _p(value: float) -> str:
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def _stats_text(row: Mapping[str, Any], lang: str) -> str:
    """Name the test, its statistic, df, n, effect size and both p-values."""
    test = row["test"]
    name = _TEST.get(lang, {}).get(test, test)
    parts = [name]
    if test == KRUSKAL:
        parts.append(f"H = {row['statistic']:.2f}")
    elif test == CHI2:
        parts.append(f"χ² = {row['statistic']:.2f}")
    if test != FISHER:
        parts.append(f"df = {row['df']:g}")
    parts += [f"n = {row['n']}", f"{_EFFECT[test]} = {row['effect_size']:.2f}", _p(row["p"])]
    adjusted = _p(row["p_adjusted"])
    parts.append(
        f"{row['adjustment']} 校正后 {adjusted}"
        if lang == "zh"
        else f"{row['adjustment']}-adjusted {adjusted}"
    )
    return ("，" if lang == "zh" else ", ").join(parts)


def _value(row: Mapping[str, Any], which: str, kind: str, lang: str) -> str:
    value, n = row[f"{which}_value"], int(row[f"{which}_n"])
    if kind == "presence":
        return f"{value:.0%}，n = {n}" if lang == "zh" else f"{value:.0%}, n = {n}"
    return f"均值 {value:.2f}，n = {n}" if lang == "zh" else f"mean {value:.2f}, n = {n}"


def finding_sentence(row: Mapping[str, Any], lang: str = "zh") -> str:
    """Say one findings row in words (Chinese, or English with lang="en"), from the row alone.

    A family within one cluster names the cluster first, so that no sentence is
    read without its scope (the comparison's sentences say "by cluster").
    """
    sentence = _sentence(row, lang)
    if row["scope"] == ALL_CLUSTERS:
        return sentence
    return f"{row['scope']}：{sentence}" if lang == "zh" else f"{row['scope']}: {sentence}"


def _sentence(row: Mapping[str, Any], lang: str) -> str:
    test, by = row["test"], _BY[lang][row["by"]]
    kind = "score" if row["source"] == SURVEY_SCALES else "presence"
    where = _SOURCE[lang].get(row["source"], "")
    if lang == "zh":
        subject = row["label"] if kind == "score" else f"{where}提及“{row['label']}”的比例"
    else:
        subject = (
            row["label"] if kind == "score" else f"the share mentioning {row['label']} {where}"
        )
    if test == NOT_TESTED_GROUPS:
        if lang == "zh":
            return f"{subject}：未检验，人数不少于 {MIN_GROUP} 的{by}组不足两个。"
        return f"{subject}: not tested, fewer than two {by} groups of {MIN_GROUP} or more."
    if test == NOT_TESTED_CONSTANT:
        if lang == "zh":
            return f"{subject}：未检验，各组取值全部相同，没有可比较的差异。"
        return f"{subject}: not tested, every value is the same."
    if test == NOT_TESTED_SPARSE:
        if lang == "zh":
            return (
                f"{subject}：未检验，期望频数过小（小于 5），χ² 检验不可靠，"
                "且表格大于 2×2，不能用 Fisher 精确检验。"
            )
        return (
            f"{subject}: not tested, expected counts are below 5 (too few for χ²) "
            "and the table is larger than 2×2 (no Fisher's exact test)."
        )
    stats_text = _stats_text(row, lang)
    if row["p_adjusted"] < ALPHA:
        high = _value(row, "highest", kind, lang)
        low = _value(row, "lowest", kind, lang)
        if lang == "zh":
            return (
                f"{subject}因{by}而异（{stats_text}）：{row['highest']}最高（{high}），"
                f"{row['lowest']}最低（{low}）。"
            )
        return (
            f"{subject} differs by {by} ({stats_text}): highest {row['highest']} "
            f"({high}), lowest {row['lowest']} ({low})."
        )
    if lang == "zh":
        after = "（多重检验校正后）" if row["p"] < ALPHA else ""
        return f"{subject}：未发现{by}之间的差异{after}（{stats_text}）。"
    after = " after adjustment for multiple testing" if row["p"] < ALPHA else ""
    return f"{subject}: no difference by {by} was shown{after} ({stats_text})."


def family_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Return per scope and source: ``rows``, ``tested``, ``p_below_05`` (raw), ``significant``
    (adjusted p < ALPHA) and ``not_tested``."""
    if findings.empty:
        return pd.DataFrame(
            columns=["scope", "source", "rows", "tested", "p_below_05", "significant", "not_tested"]
        )
    frame = findings.assign(
        tested=findings["p"].notna(), raw=findings["p"] < ALPHA, adjusted=findings["significant"]
    )
    counts = frame.groupby(["scope", "source"], sort=False).agg(
        rows=("test", "size"),
        tested=("tested", "sum"),
        p_below_05=("raw", "sum"),
        significant=("adjusted", "sum"),
    )
    counts["not_tested"] = counts["rows"] - counts["tested"]
    return counts.reset_index()
