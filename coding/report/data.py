"""What a cluster's case-study report says, computed from that cluster's data only.

Every count is scoped to the cluster, split by source (``interview`` turns and
survey ``open_answer``s are never summed) and gated by the reliability of the
coders behind it (``coding/gating.py``). No formatting here: ``layout.py``
turns a ``ReportData`` into sections that every format renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from coding.beliefs import Beliefs
from coding.codebook import Codebook
from coding.gating import STATUS_LABEL, UNRELIABLE, Provenance, provenance
from coding.store import Store
from coding.trust import trusted_codings

QUOTES_PER_CODE = 3
MAIN_CODES = ("CA", "FORM", "COND", "EVAL")
GOAL_LEVELS = {"GOAL.FIRM": "企业层面", "GOAL.CLUSTER": "集群层面", "GOAL.REGION": "区域层面"}
SOURCES = ("interview", "open_answer")
TIMELINE_CODES = ("CA.", "MODE.")


@dataclass
class Quote:
    """A quotation: the unit's text as spoken, with the coded evidence marked."""

    code_id: str
    unit_id: str
    doc_id: str
    role: str
    turn: int
    text: str
    start: int | None  # evidence span within the text
    end: int | None


@dataclass
class ReportData:
    """Every table and figure of one cluster's report; each table's columns are listed.

    Count tables (``actions``, ``modes``, ``goals``, ``conditions``) have
    ``code_id, label, interview_turns, open_answers`` (units of each source
    that got the code, by the coder counted for each unit) and the gate of the
    code's dimension: ``alpha, status``. Codes of unreliable dimensions are left
    out unless ``include_unreliable``; ``excluded`` names those dimensions.
    """

    cluster: str
    codebook_version: str
    lang: str
    overview: pd.DataFrame  # metric, value
    provenance: Provenance
    gates: pd.DataFrame  # dimension, label, alpha, basis, n_units, status
    interviewees: pd.DataFrame  # actor, label, n
    actions: pd.DataFrame  # + one column per speaker role (interview turns)
    matrix: pd.DataFrame  # actor label x CA label: interview turns where both codes are given
    modes: pd.DataFrame
    goals: pd.DataFrame  # + level
    timeline: pd.DataFrame  # year, unit_id, doc_id, role, codes, quote: one row per unit and year
    conditions: pd.DataFrame  # + positive, negative, neutral, mixed (stance of the units)
    excluded: list[str] = field(default_factory=list)
    include_unreliable: bool = False
    quotes: list[Quote] = field(default_factory=list)
    attitudes: pd.DataFrame = field(default_factory=pd.DataFrame)  # actor, n, construct means
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)  # Cronbach's alpha
    types: pd.DataFrame = field(default_factory=pd.DataFrame)
    types_silhouette: float = float("nan")
    types_verdict: str = ""
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)  # findings.FINDING_COLUMNS
    validation: pd.DataFrame = field(default_factory=pd.DataFrame)  # the rules on held-out gold
    codebook: pd.DataFrame = field(default_factory=pd.DataFrame)
    episodes: Any = None  # coding.episodes.story.EpisodeStory: the opening section


def cluster_units(store: Store, cluster: str) -> pd.DataFrame:
    """Return the cluster's interviewee turns and open answers with ``source`` and ``actor``."""
    docs = store.documents()
    docs = docs[docs["cluster"] == cluster]
    meta = docs.set_index("doc_id")["metadata"]
    units = store.units()
    units = units[units["doc_id"].isin(docs["doc_id"]) & ~units["is_interviewer"]].copy()
    units["source"] = units["doc_id"].map(
        lambda d: "open_answer" if "survey" in meta[d] else "interview"
    )
    units["actor"] = units["doc_id"].map(lambda d: meta[d].get("role") or "未指定")
    units["date"] = units["doc_id"].map(lambda d: str(meta[d].get("date") or ""))
    return units


def build_report(
    store: Store,
    codebook: Codebook,
    cluster: str,
    beliefs: Beliefs | None = None,
    lang: str = "zh",
    validation: pd.DataFrame | None = None,
    include_unreliable: bool = False,
) -> ReportData:
    """Compute the report of one cluster from its own units, codings and respondents.

    ``lang`` picks the code labels: Chinese (``zh``) or the codebook's English.
    ``validation`` is the rule coders' recorded agreement with held-out gold
    (``coding.gating.validation_table``).
    """
    units = cluster_units(store, cluster)
    label = {c.id: (c.label if lang == "zh" else c.label_en) for c in codebook.codes.values()}
    prov = provenance(store, codebook, units, validation if validation is not None else _none())
    gates = prov.dimensions.copy()
    gates.insert(1, "label", [codebook.dimension_label(d) for d in gates["dimension"]])
    excluded = (
        [] if include_unreliable else list(gates.loc[gates["status"] == UNRELIABLE, "dimension"])
    )
    codings = trusted_codings(store).merge(
        units[["unit_id", "doc_id", "actor", "source"]], on="unit_id"
    )
    codings["dimension"] = codings["code_id"].str.split(".").str[0]
    shown = codings[~codings["dimension"].isin(excluded)]

    def counts(prefix: str) -> pd.DataFrame:
        part = shown[shown["code_id"].str.startswith(prefix)]
        table = (
            part.groupby(["code_id", "source"])["unit_id"]
            .nunique()
            .unstack(fill_value=0)
            .reindex(columns=list(SOURCES), fill_value=0)
            .rename(columns={"interview": "interview_turns", "open_answer": "open_answers"})
            .reset_index()
        )
        table.columns.name = None
        table.insert(1, "label", table["code_id"].map(label))
        table = table.sort_values(["interview_turns", "open_answers"], ascending=False)
        return _gate(table.reset_index(drop=True), prov)

    interviews = units[units["source"] == "interview"]
    action_table = pd.concat([counts("CA."), counts("FORM.")], ignore_index=True)
    by_actor = (
        shown[shown["code_id"].str.match(r"(CA|FORM)\.") & (shown["source"] == "interview")]
        .groupby(["code_id", "actor"])["unit_id"]
        .nunique()
        .unstack(fill_value=0)
    )
    by_actor.columns = [label.get(c, c) for c in by_actor.columns]
    action_table = action_table.merge(by_actor, left_on="code_id", right_index=True, how="left")

    goals = counts("GOAL.")
    goals.insert(
        0, "level", goals["code_id"].map(lambda c: GOAL_LEVELS.get(".".join(c.split(".")[:2]), ""))
    )
    conditions = counts("COND.").pipe(lambda t: pd.concat([t, counts("EVAL.")], ignore_index=True))
    stance = (
        shown[shown["code_id"].str.match(r"(COND|EVAL)\.")]
        .groupby(["code_id", "stance"])["unit_id"]
        .nunique()
        .unstack(fill_value=0)
        .reindex(columns=["positive", "negative", "neutral", "mixed"], fill_value=0)
    )
    conditions = conditions.merge(stance, left_on="code_id", right_index=True, how="left")

    report = ReportData(
        cluster=cluster,
        codebook_version=codebook.version,
        lang=lang,
        overview=_overview(store, units, cluster),
        provenance=prov,
        gates=gates,
        interviewees=_interviewees(store, cluster, label),
        actions=action_table,
        matrix=_matrix(shown[shown["source"] == "interview"], label),
        modes=counts("MODE."),
        goals=goals,
        timeline=_timeline(shown, interviews, label),
        conditions=conditions,
        excluded=excluded,
        include_unreliable=include_unreliable,
        validation=_validation(validation, codebook, set(prov.coders["coder"])),
        quotes=_quotes(shown[shown["source"] == "interview"], units, store, label),
        codebook=pd.DataFrame(
            [(c.id, c.label, c.label_en, c.definition) for c in codebook.codes.values()],
            columns=["code_id", "label", "label_en", "definition"],
        ),
    )
    if beliefs is not None:
        _attitudes(report, beliefs, store, cluster, label, excluded)
    from coding.episodes.story import cluster_story  # imports this module's Quote

    report.episodes = cluster_story(store, codebook, cluster, lang)
    return report


def _validation(
    validation: pd.DataFrame | None, codebook: Codebook, coders: set[str]
) -> pd.DataFrame:
    """The machine coders' recorded agreement with held-out gold, for this codebook and the
    coders the report counts (the rules, or the default hybrid, or both)."""
    if validation is None or validation.empty:
        return pd.DataFrame()
    rows = validation[validation["codebook_hash"] == codebook.hash]
    rows = rows[rows["coder"].isin(coders)]
    return rows[["coder", "gold", "dimension", "n_units", "alpha", "alpha_low", "alpha_high"]]


def _none() -> pd.DataFrame:
    from coding.evaluate import VALIDATION_COLUMNS

    return pd.DataFrame(columns=VALIDATION_COLUMNS)


def _gate(table: pd.DataFrame, prov: Provenance) -> pd.DataFrame:
    """Add the dimension's alpha and verdict beside every count."""
    dimension = table["code_id"].str.split(".").str[0]
    table["alpha"] = [prov.alpha(d) for d in dimension]
    table["status"] = [STATUS_LABEL[prov.status(d)] for d in dimension]
    return table


def _overview(store: Store, units: pd.DataFrame, cluster: str) -> pd.DataFrame:
    respondents = store.respondents()
    interviews = units[units["source"] == "interview"]
    return pd.DataFrame(
        [
            ("访谈文档 interviews", interviews["doc_id"].nunique()),
            ("受访者发言单元 interviewee turns", len(interviews)),
            ("问卷受访者 survey respondents", int((respondents["cluster"] == cluster).sum())),
            ("开放题回答 open answers", int((units["source"] == "open_answer").sum())),
        ],
        columns=["metric", "value"],
    )


def _interviewees(store: Store, cluster: str, label: dict[str, str]) -> pd.DataFrame:
    docs = store.documents()
    docs = docs[(docs["cluster"] == cluster) & ~docs["metadata"].map(lambda m: "survey" in m)]
    table = (
        docs["metadata"]
        .map(lambda m: m.get("role") or "未指定")
        .value_counts()
        .rename_axis("actor")
        .rename("n")
        .reset_index()
    )
    table.insert(1, "label", table["actor"].map(lambda a: label.get(a, a)))
    return table


def _matrix(codings: pd.DataFrame, label: dict[str, str]) -> pd.DataFrame:
    """Count the units where an actor code and a type of collective action are both given."""
    per_unit = codings.groupby("unit_id")["code_id"].apply(set)
    matrix: dict[tuple[str, str], int] = {}
    for codes in per_unit:
        for act in (c for c in codes if c.startswith("ACT.")):
            for ca in (c for c in codes if c.startswith("CA.")):
                key = (label[act], label[ca])
                matrix[key] = matrix.get(key, 0) + 1
    return pd.Series(matrix, dtype=int).unstack(fill_value=0) if matrix else pd.DataFrame()


def _timeline(
    codings: pd.DataFrame, interviews: pd.DataFrame, label: dict[str, str]
) -> pd.DataFrame:
    """One row per interview turn and year it dates an action to, with all the turn's codes."""
    from coding.years import years_mentioned

    acting = set(codings.loc[codings["code_id"].str.startswith(TIMELINE_CODES), "unit_id"])
    codes = codings.groupby("unit_id")["code_id"].apply(lambda c: sorted(set(c)))
    rows = []
    for unit in interviews[interviews["unit_id"].isin(acting)].itertuples():
        # a date that is not one (metadata is free text) leaves relative years unresolved
        known = unit.date[:4] if unit.date[:4].isdigit() else None
        years = sorted({m.year for m in years_mentioned(unit.text, known)})
        for year in years:
            names = "、".join(label.get(c, c) for c in codes[unit.unit_id])
            rows.append(
                (year, unit.unit_id, unit.doc_id, label.get(unit.actor, unit.actor), names)
                + (_excerpt(unit.text),)
            )
    columns = ["year", "unit_id", "doc_id", "role", "codes", "quote"]
    return pd.DataFrame(rows, columns=columns).sort_values(["year", "unit_id"], ignore_index=True)


def _quotes(codings: pd.DataFrame, units: pd.DataFrame, store: Store, label) -> list[Quote]:
    """Pick, per main code, the strongest quotations from different speakers; each unit once."""
    texts = units.set_index("unit_id")
    evidence = (
        store.codings()
        .drop_duplicates(["unit_id", "code_id"])
        .set_index(["unit_id", "code_id"])[["start", "end"]]
    )
    used: set[str] = set()
    out = []
    for code_id in sorted(codings["code_id"].unique()):
        if not code_id.startswith(MAIN_CODES):
            continue
        candidates = codings[codings["code_id"] == code_id].drop_duplicates("unit_id")
        ranked = sorted(
            candidates.itertuples(),
            key=lambda r: (-_strength(texts.loc[r.unit_id, "text"]), r.unit_id),
        )
        speakers: set[str] = set()
        for row in ranked:
            if row.doc_id in speakers or row.unit_id in used:
                continue  # one quotation per speaker, and a turn is quoted once in the report
            speakers.add(row.doc_id)
            used.add(row.unit_id)
            unit = texts.loc[row.unit_id]
            start, end = (
                evidence["start"].get((row.unit_id, code_id)),
                evidence["end"].get((row.unit_id, code_id)),
            )
            offset = int(unit["start"])
            out.append(
                Quote(
                    code_id,
                    row.unit_id,
                    row.doc_id,
                    label.get(row.actor, row.actor),
                    int(unit["turn"]),
                    unit["text"],
                    None if start is None or pd.isna(start) else int(start) - offset,
                    None if end is None or pd.isna(end) else int(end) - offset,
                )
            )
            if len(speakers) == QUOTES_PER_CODE:
                break
    return out


def _excerpt(text: str, limit: int = 60) -> str:
    """Return the opening of a turn, cut with an ellipsis so table cells stay short."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _strength(text: str) -> float:
    """Longer, fuller turns make better quotations, up to a readable length."""
    return min(len(text), 160) - max(0, len(text) - 300) * 0.5


def _attitudes(
    report: ReportData,
    beliefs: Beliefs,
    store: Store,
    cluster: str,
    label: dict,
    excluded: list[str],
) -> None:
    """This cluster's survey: construct means by role, reliability, belief types and tests."""
    from coding.beliefs import findings_for

    table = beliefs.table[beliefs.table["cluster"] == cluster]
    constructs = list(beliefs.constructs)
    if constructs:
        scored = table.dropna(subset=constructs, how="all")
        means = scored.groupby("actor")[constructs].mean().round(2)
        means.index = [label.get(a, a) for a in means.index]
        means.columns = [beliefs.constructs[c] for c in constructs]
        means.insert(0, "n", scored.groupby("actor").size().to_numpy())
        report.attitudes = means.reset_index(names="actor")
    report.reliability = _reliability(store, cluster)
    types = beliefs.types[beliefs.types["scope"] == cluster] if len(beliefs.types) else None
    if types is not None and len(types):
        report.types_silhouette = float(types["silhouette"].iloc[0])
        report.types_verdict = str(types["verdict"].iloc[0])
        report.types = types[types["belief_type"].notna()].drop(columns=["scope"])
    findings = findings_for(beliefs, cluster, report.lang)
    dims = findings["variable"].astype(str).str.split(".").str[0]
    report.findings = findings[~dims.isin(excluded)].reset_index(drop=True)


def _reliability(store: Store, cluster: str) -> pd.DataFrame:
    """Cronbach's alpha of each construct among this cluster's survey respondents."""
    from coding.survey.reliability import reliability
    from coding.survey.scoring import item_values, stored_schemas

    respondents = store.respondents()
    ids = list(respondents.loc[respondents["cluster"] == cluster, "respondent_id"])
    tables = []
    for schema in stored_schemas(store):
        wide = item_values(store, schema, ids)
        if len(wide) >= 3:
            tables.append(reliability(wide, schema)[0])
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


def is_number(value: object) -> bool:
    """Return whether a cell holds a number (kept as a number in every format)."""
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)
