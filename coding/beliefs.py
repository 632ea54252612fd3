"""Attitude and belief data (观念数据): one row per respondent, group comparisons, belief types.

A respondent is a survey respondent, an interviewee (one per transcript), or
both when the transcript's metadata names the survey id in ``respondent``.
Codings come from the most trusted coder that looked at each unit
(``coding/trust.py``): ``consensus``, then people, then machines. Interviewer
turns never count.

The belief table (``Beliefs.table``) has one row per respondent:

- ``respondent_id``; ``source``: ``survey``, ``interview`` or ``both``
- ``cluster``; ``role`` (as given); ``actor`` (its ACT code); ``attr_<name>``
  (survey attributes); ``interviewee`` (the transcript's name for them)
- ``<construct>``: the construct's score (item mean, reverse items turned)
- per code and per source, never pooled: ``<code>_<src>_count`` (units with
  the code), ``<code>_<src>_present`` (1.0 or 0.0) and ``<code>_<src>_stance``
  (mean stance: +1 positive, −1 negative, 0 neutral or mixed), where ``<src>``
  is ``interview`` (interview turns) or ``open`` (survey open answers: units
  of a document whose ``doc_id`` contains ":"). A person with no unit from a
  source is missing (NaN) on that source's columns, not "absent".
- ``belief_type``: the type among all respondents, ``cluster_belief_type``
  the type within their cluster (missing where there are no clear types).

Group comparisons come in families (``coding/findings.py``): one per cluster
(across actor roles within it) and one across clusters; ``findings_for``
computes one family, ``analyse`` all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from coding.belieftypes import belief_types
from coding.codebook import Codebook
from coding.errors import OptionError, printable
from coding.findings import (
    ALL_CLUSTERS,
    INTERVIEW_TURNS,
    OPEN_ANSWERS,
    SURVEY_SCALES,
    Variable,
    family_findings,
)
from coding.store import Store
from coding.survey.reliability import construct_scores
from coding.survey.scoring import item_values, stored_schemas
from coding.trust import trusted_codings

STANCE_VALUE = {"positive": 1.0, "negative": -1.0, "neutral": 0.0, "mixed": 0.0}
SOURCES = {"interview": INTERVIEW_TURNS, "open": OPEN_ANSWERS}  # column key -> findings source


@dataclass
class Beliefs:
    """The belief table and what was found in it.

    ``summary`` holds group means per scope (``scope, by, group, label, n`` and
    the mean of each construct and presence column); ``tests`` every family's
    findings (``coding.findings.FINDING_COLUMNS`` first); ``types`` the belief
    types of all respondents and of each cluster (``coding.belieftypes``).
    """

    table: pd.DataFrame
    summary: pd.DataFrame
    tests: pd.DataFrame
    types: pd.DataFrame
    constructs: dict[str, str]  # construct -> label
    code_labels: dict[str, dict[str, str]] = field(default_factory=dict)  # lang -> code -> label


def _survey_scores(store: Store) -> tuple[pd.DataFrame, dict[str, str]]:
    labels: dict[str, str] = {}
    frames = []
    for schema in stored_schemas(store):
        labels.update({c.name: c.label for c in schema.constructs.values()})
        frames.append(construct_scores(item_values(store, schema), schema))
    scores = pd.concat(frames) if frames else pd.DataFrame()
    return scores, labels


def _people(store: Store) -> tuple[dict[str, dict], dict[str, str]]:
    """Return each respondent's attributes and the person behind each document."""
    role_codes = {k: v for schema in stored_schemas(store) for k, v in schema.role_codes.items()}
    people: dict[str, dict] = {}
    for row in store.respondents().itertuples():
        people[row.respondent_id] = {
            "respondent_id": row.respondent_id,
            "source": "survey",
            "cluster": row.cluster,
            "role": row.role,
            "actor": role_codes.get(row.role or ""),
            **{f"attr_{k}": v for k, v in row.attributes.items() if k not in ("cluster", "role")},
        }
    doc_person: dict[str, str] = {}
    for doc in store.documents().itertuples():
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
    return people, doc_person


def belief_table(store: Store, codebook: Codebook) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return one row per respondent (columns in the module docstring) and construct labels."""
    scores, labels = _survey_scores(store)
    people, doc_person = _people(store)
    table = pd.DataFrame(list(people.values()))
    if table.empty:
        return table, labels
    table = table.set_index("respondent_id").join(scores, how="left")
    units = store.units()[["unit_id", "doc_id", "is_interviewer"]]
    units = units[~units["is_interviewer"].astype(bool)].copy()
    units["respondent_id"] = units["doc_id"].map(doc_person)
    # survey open answers live in documents "<survey>:<respondent>"; transcripts never have ":"
    units["src"] = (
        units["doc_id"].str.contains(":", regex=False).map({True: "open", False: "interview"})
    )
    codings = trusted_codings(store).merge(units[["unit_id", "respondent_id", "src"]], on="unit_id")
    codings["value"] = codings["stance"].map(STANCE_VALUE)
    columns = {}
    for src in SOURCES:
        spoke = set(units.loc[units["src"] == src, "respondent_id"].dropna())
        # someone with no unit from this source is unknown on it, not "absent"
        silent = ~table.index.isin(spoke)
        grouped = codings[codings["src"] == src].groupby(["respondent_id", "code_id"])
        count = grouped["unit_id"].nunique().unstack(fill_value=0)
        stance = grouped["value"].mean().unstack()
        for code_id in codebook.codes:
            if code_id not in count.columns:
                continue
            n = count[code_id].reindex(table.index).fillna(0)
            columns[f"{code_id}_{src}_count"] = n.mask(silent)
            columns[f"{code_id}_{src}_present"] = (n > 0).astype(float).mask(silent)
            columns[f"{code_id}_{src}_stance"] = stance[code_id].reindex(table.index)
    table = pd.concat([table, pd.DataFrame(columns, index=table.index)], axis=1)
    return table.reset_index(), labels


def scopes(beliefs: Beliefs) -> list[str]:
    """Return the families' scopes: each cluster, then ``ALL_CLUSTERS``."""
    clusters = sorted(beliefs.table["cluster"].dropna().unique()) if len(beliefs.table) else []
    return [*map(str, clusters), ALL_CLUSTERS]


def _scope_table(beliefs: Beliefs, scope: str | None) -> tuple[pd.DataFrame, str]:
    """Return the rows of one scope and the column its groups are in."""
    if scope is None or scope == ALL_CLUSTERS:
        return beliefs.table, "cluster"
    if scope not in set(beliefs.table.get("cluster", pd.Series(dtype=str)).dropna()):
        raise OptionError(f"no cluster named '{printable(scope)}' in the belief table")
    return beliefs.table[beliefs.table["cluster"] == scope], "actor"


def _variables(beliefs: Beliefs, lang: str) -> list[Variable]:
    labels = beliefs.code_labels.get(lang, {})
    out = [
        Variable(c, label if lang == "zh" else c, SURVEY_SCALES, "score")
        for c, label in beliefs.constructs.items()
    ]
    for src, source in SOURCES.items():
        for code_id in beliefs.code_labels.get("zh", {}) or _codes_in(beliefs.table):
            column = f"{code_id}_{src}_present"
            if column in beliefs.table.columns:
                out.append(Variable(column, labels.get(code_id, code_id), source, "presence"))
    return out


def _codes_in(table: pd.DataFrame) -> list[str]:
    codes = [c.rsplit("_", 2)[0] for c in table.columns if c.endswith("_present")]
    return list(dict.fromkeys(codes))


def _group_labels(beliefs: Beliefs, by: str, lang: str) -> dict[str, str]:
    return beliefs.code_labels.get(lang, {}) if by == "actor" else {}


def findings_for(
    beliefs: Beliefs, scope: str | None, lang: str = "zh", method: str = "holm"
) -> pd.DataFrame:
    """Return one family's findings: across actor roles in a cluster, or across clusters (None).

    Each source (survey scales, interview turns, open answers) is tested
    separately, and p-values are adjusted within the family (Holm, or
    ``method="fdr_bh"``). Columns: ``coding.findings.FINDING_COLUMNS`` then
    ``DETAIL_COLUMNS``.
    """
    table, by = _scope_table(beliefs, scope)
    # a code nobody in this scope was given says nothing about it: without this, whether
    # another cluster used the code would add an untested row here
    variables = [
        v
        for v in _variables(beliefs, lang)
        if v.kind != "presence" or table[v.column].fillna(0).gt(0).any()
    ]
    return family_findings(
        table,
        by,
        scope or ALL_CLUSTERS,
        variables,
        _group_labels(beliefs, by, lang),
        lang,
        method,
    )


def group_summary(beliefs: Beliefs, scope: str | None, lang: str = "zh") -> pd.DataFrame:
    """Return the group means of one scope: ``scope, by, group, label, n`` and each mean."""
    table, by = _scope_table(beliefs, scope)
    values = [c for c in beliefs.constructs] + [c for c in table.columns if c.endswith("_present")]
    grouped = table.dropna(subset=[by]).groupby(by)
    summary = grouped[values].mean()
    names = _group_labels(beliefs, by, lang)
    summary.insert(0, "n", grouped.size())
    summary.insert(0, "label", [names.get(g, g) for g in summary.index])
    summary.insert(0, "by", by)
    summary.insert(0, "scope", scope or ALL_CLUSTERS)
    return summary.rename_axis("group").reset_index()[
        ["scope", "by", "group", "label", "n", *values]
    ]


def significant_findings(beliefs: Beliefs) -> list[str]:
    """Return the sentences of the findings significant after adjustment, in table order."""
    tests = beliefs.tests
    if tests.empty:
        return []
    return [str(f) for f in tests.loc[tests["significant"].astype(bool), "finding"]]


def analyse(
    store: Store, codebook: Codebook, seed: int = 0, lang: str = "zh", method: str = "holm"
) -> Beliefs:
    """Build the belief table, group summaries, every family's findings and belief types."""
    table, labels = belief_table(store, codebook)
    constructs = {c: labels[c] for c in labels if c in table.columns}
    code_labels = {
        "zh": {c.id: c.label for c in codebook.codes.values()},
        "en": {c.id: c.label_en or c.label for c in codebook.codes.values()},
    }
    beliefs = Beliefs(
        table, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), constructs, code_labels
    )
    if table.empty:
        return beliefs
    families = scopes(beliefs)
    beliefs.tests = pd.concat(
        [findings_for(beliefs, s, lang, method) for s in families], ignore_index=True
    )
    beliefs.summary = pd.concat(
        [group_summary(beliefs, s, lang) for s in families], ignore_index=True
    )
    results = [belief_types(table, list(constructs), labels, ALL_CLUSTERS, seed)]
    cluster_types = pd.Series(index=table["respondent_id"], dtype=float)
    for cluster in families[:-1]:
        rows = table[table["cluster"] == cluster]
        result = belief_types(rows, list(constructs), labels, cluster, seed)
        results.append(result)
        if result.clear:
            cluster_types.loc[result.assignment.index] = result.assignment.to_numpy()
    overall = results[0].assignment
    table["belief_type"] = table["respondent_id"].map(overall) if len(overall) else float("nan")
    table["cluster_belief_type"] = cluster_types.to_numpy()
    beliefs.types = pd.concat([r.types for r in results], ignore_index=True)
    return beliefs


def write_beliefs(beliefs: Beliefs, out: str | Path) -> None:
    """Write the belief workbook: the table, group means, every family's tests, belief types."""
    from coding.export import write_tables

    write_tables(
        {
            "观念表 beliefs": beliefs.table,
            "分组均值 group means": beliefs.summary,
            "差异检验 tests": beliefs.tests,
            "观念类型 types": beliefs.types,
        },
        out,
    )
