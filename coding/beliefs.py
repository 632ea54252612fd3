"""Attitude and belief data (观念数据): one row per respondent, group comparisons, belief types.

A respondent is a survey respondent, an interviewee (one per transcript), or
both when the transcript's metadata names the survey id in ``respondent``.
Their beliefs are their construct scores and, from the codings of their own
words, per code: presence, count of units and mean stance (+1 positive,
-1 negative, 0 neutral or mixed). Codings come from the most trusted coder
that looked at each unit (``coding/trust.py``): ``consensus``, then people, then machines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import StandardScaler

from coding.codebook import Codebook
from coding.store import Store
from coding.survey.reliability import construct_scores
from coding.survey.scoring import item_values, stored_schemas
from coding.trust import trusted_codings

STANCE_VALUE = {"positive": 1.0, "negative": -1.0, "neutral": 0.0, "mixed": 0.0}
MIN_GROUP = 3  # groups smaller than this are left out of the tests
MAX_TYPES = 6


@dataclass
class Beliefs:
    """The belief table and what was found in it."""

    table: pd.DataFrame
    summary: pd.DataFrame
    tests: pd.DataFrame
    types: pd.DataFrame
    constructs: dict[str, str]  # construct -> label


def kruskal(groups: dict[str, np.ndarray]) -> tuple[float, float, float, float]:
    """Return Kruskal-Wallis H, degrees of freedom, p and epsilon squared (H / (n - 1)).

    Example (R, ``kruskal.test(Ozone ~ Month, data = airquality)``):
    chi-squared = 29.267, df = 4, p-value = 6.901e-06.
    """
    samples = [np.asarray(g, dtype=float) for g in groups.values()]
    h, p = stats.kruskal(*samples)
    n = sum(len(s) for s in samples)
    return float(h), float(len(samples) - 1), float(p), float(h / (n - 1))


def presence_test(table: pd.DataFrame) -> tuple[str, float, float, float]:
    """Test a groups x (absent, present) table: Fisher's exact test for 2x2, else chi-square.

    Returns (test, statistic, p, Cramer's V).
    """
    counts = table.to_numpy()
    n = counts.sum()
    chi2, p, _, expected = stats.chi2_contingency(counts, correction=False)
    v = float(np.sqrt(chi2 / (n * (min(counts.shape) - 1)))) if n else float("nan")
    if counts.shape == (2, 2):
        odds, p = stats.fisher_exact(counts)
        return "fisher", float(odds), float(p), v
    return "chi2", float(chi2), float(p), v


def _survey_scores(store: Store) -> tuple[pd.DataFrame, dict[str, str]]:
    labels: dict[str, str] = {}
    frames = []
    for schema in stored_schemas(store):
        labels.update({c.name: c.label for c in schema.constructs.values()})
        frames.append(construct_scores(item_values(store, schema), schema))
    scores = pd.concat(frames) if frames else pd.DataFrame()
    return scores, labels


def belief_table(store: Store, codebook: Codebook) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return one row per respondent: attributes, construct scores, and code beliefs."""
    scores, labels = _survey_scores(store)
    respondents = store.respondents()
    role_codes = {k: v for schema in stored_schemas(store) for k, v in schema.role_codes.items()}
    people: dict[str, dict] = {}
    for row in respondents.itertuples():
        people[row.respondent_id] = {
            "respondent_id": row.respondent_id,
            "source": "survey",
            "cluster": row.cluster,
            "role": row.role,
            "actor": role_codes.get(row.role or ""),
            **{f"attr_{k}": v for k, v in row.attributes.items() if k not in ("cluster", "role")},
        }
    documents = store.documents()
    doc_person: dict[str, str] = {}
    for doc in documents.itertuples():
        meta = doc.metadata
        if "survey" in meta:
            doc_person[doc.doc_id] = meta["respondent"]
            continue
        person = str(meta.get("respondent") or doc.doc_id)
        doc_person[doc.doc_id] = person
        entry = people.setdefault(
            person,
            {
                "respondent_id": person,
                "source": "interview",
                "cluster": doc.cluster,
                "role": meta.get("role"),
                "actor": meta.get("role"),
            },
        )
        if entry["source"] == "survey":
            entry["source"] = "both"
        entry.setdefault("interviewee", meta.get("interviewee"))
    table = pd.DataFrame(list(people.values()))
    if table.empty:
        return table, labels
    table = table.set_index("respondent_id")
    table = table.join(scores, how="left")
    units = store.units()[["unit_id", "doc_id", "is_interviewer"]]
    units = units[~units["is_interviewer"]]
    units["respondent_id"] = units["doc_id"].map(doc_person)
    codings = trusted_codings(store).merge(units[["unit_id", "respondent_id"]], on="unit_id")
    codings["value"] = codings["stance"].map(STANCE_VALUE)
    grouped = codings.groupby(["respondent_id", "code_id"])
    count = grouped["unit_id"].nunique().unstack(fill_value=0)
    stance = grouped["value"].mean().unstack()
    ordered = [c for c in codebook.codes if c in count.columns]
    silent = ~table.index.isin(set(units["respondent_id"].dropna()))
    columns = {}
    for code_id in ordered:
        n = count[code_id].reindex(table.index).fillna(0)
        # someone who never said anything is unknown on every code, not "absent"
        columns[f"{code_id}_count"] = n.mask(silent)
        columns[f"{code_id}_present"] = (n > 0).astype(float).mask(silent)
        columns[f"{code_id}_stance"] = stance[code_id].reindex(table.index)
    table = pd.concat([table, pd.DataFrame(columns, index=table.index)], axis=1)
    return table.reset_index(), labels


def analyse(store: Store, codebook: Codebook, seed: int = 0) -> Beliefs:
    """Build the belief table, group summaries, tests of difference and belief types."""
    table, labels = belief_table(store, codebook)
    constructs = [c for c in labels if c in table.columns]
    present = [c for c in table.columns if c.endswith("_present")]
    summary = _summary(table, constructs, present)
    tests = _tests(table, constructs, present, labels, codebook)
    types = _types(table, constructs, labels, seed)
    if not types.empty:
        table = table.merge(types[["respondent_id", "belief_type"]], on="respondent_id", how="left")
        types = types.drop(columns=["respondent_id"]).drop_duplicates("belief_type")
        types = types.sort_values("belief_type").reset_index(drop=True)
    return Beliefs(table, summary, tests, types, {c: labels[c] for c in constructs})


def _summary(table: pd.DataFrame, constructs: list[str], present: list[str]) -> pd.DataFrame:
    grouped = table.groupby(["cluster", "actor"], dropna=False)
    summary = grouped[constructs + present].mean()
    summary.insert(0, "n", grouped.size())
    return summary.reset_index()


def _tests(table, constructs, present, labels, codebook) -> pd.DataFrame:
    rows = []
    for factor in ("actor", "cluster"):
        for construct in constructs:
            groups = {
                str(k): g[construct].dropna().to_numpy()
                for k, g in table.groupby(factor)
                if g[construct].notna().sum() >= MIN_GROUP
            }
            if len(groups) < 2:
                continue
            h, df, p, eps = kruskal(groups)
            rows.append(
                (
                    "kruskal",
                    construct,
                    labels.get(construct, construct),
                    factor,
                    h,
                    df,
                    p,
                    "epsilon²",
                    eps,
                    _phrase_kruskal(
                        table,
                        factor,
                        construct,
                        labels,
                        p,
                        {c.id: c.label for c in codebook.codes.values()},
                    ),
                )
            )
    for column in present:
        code_id = column.removesuffix("_present")
        sub = table.dropna(subset=[column, "actor"])
        counts = pd.crosstab(sub["actor"], sub[column]).reindex(columns=[0.0, 1.0], fill_value=0)
        counts = counts[counts.sum(axis=1) >= MIN_GROUP]
        if len(counts) < 2 or (counts.sum(axis=0) == 0).any():
            continue
        test, statistic, p, v = presence_test(counts)
        label = codebook.codes[code_id].label if code_id in codebook.codes else code_id
        rows.append(
            (
                test,
                code_id,
                label,
                "role",
                statistic,
                float(len(counts) - 1),
                p,
                "Cramér's V",
                v,
                "",
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "test",
            "variable",
            "label",
            "by",
            "statistic",
            "df",
            "p",
            "effect",
            "effect_size",
            "finding",
        ],
    )


def _phrase_kruskal(table, factor, construct, labels, p, names=None) -> str:
    """Say a significant difference in words: which group is highest and lowest."""
    if p >= 0.05:
        return ""
    means = table.groupby(factor)[construct].mean().dropna().sort_values()
    names = names or {}
    high, low = (
        names.get(means.index[-1], means.index[-1]),
        names.get(means.index[0], means.index[0]),
    )
    return (
        f"{labels.get(construct, construct)}因{'身份' if factor == 'actor' else '集群'}而异"
        f"（p = {p:.3g}）：{high}最高（{means.iloc[-1]:.2f}），{low}最低（{means.iloc[0]:.2f}）"
    )


def _types(
    table: pd.DataFrame, constructs: list[str], labels: dict[str, str], seed: int
) -> pd.DataFrame:
    """Cluster respondents with complete construct scores into belief types."""
    if not constructs:
        return pd.DataFrame()
    complete = table.dropna(subset=constructs)
    if len(complete) < 10:
        return pd.DataFrame()
    features = StandardScaler().fit_transform(complete[constructs])
    best = None
    for k in range(2, min(MAX_TYPES, len(complete) - 1) + 1):
        model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(features)
        score = silhouette_score(features, model.labels_)
        if best is None or score > best[0]:
            best = (score, k, model)
    assert best is not None  # at least 10 complete rows, so k = 2 was tried
    score, k, model = best
    centres = pd.DataFrame(model.cluster_centers_, columns=constructs)
    names = []
    for _, centre in centres.iterrows():
        top = centre.abs().sort_values(ascending=False).index[:2]
        words = [
            ("高" if centre[c] > 0 else "低") + labels.get(c, c)
            for c in top
            if abs(centre[c]) >= 0.3
        ]
        names.append("、".join(words) or "居中")
    out = pd.DataFrame(
        {"respondent_id": complete["respondent_id"].to_numpy(), "belief_type": model.labels_ + 1}
    )
    out["description"] = out["belief_type"].map(lambda t: names[t - 1])
    sizes = out["belief_type"].value_counts()
    out["n"] = out["belief_type"].map(sizes)
    out["silhouette"] = score
    for c in constructs:
        out[f"{c}_z"] = out["belief_type"].map(lambda t, c=c: centres.loc[t - 1, c])
    return out


def write_beliefs(beliefs: Beliefs, out) -> None:
    """Write the belief workbook: the table, group summaries, tests and belief types."""
    from coding.export import write_tables

    write_tables(
        {
            "观念表 beliefs": beliefs.table,
            "分组 by cluster & actor": beliefs.summary,
            "差异检验 tests": beliefs.tests,
            "观念类型 types": beliefs.types,
        },
        out,
    )
