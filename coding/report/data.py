"""What a cluster's case-study report says, computed from the project (no formatting here)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from coding.beliefs import Beliefs
from coding.codebook import Codebook
from coding.store import Store
from coding.trust import trusted_codings

QUOTES_PER_CODE = 3
MAIN_CODES = ("CA", "FORM", "COND", "EVAL")
GOAL_LEVELS = {"GOAL.FIRM": "企业层面", "GOAL.CLUSTER": "集群层面", "GOAL.REGION": "区域层面"}
_DIGITS = dict(zip("零〇一二三四五六七八九", "00123456789", strict=True))
_YEAR = re.compile(
    r"((?:19|20)\d{2})年|([零〇一二三四五六七八九]{2})年|([零〇一二三四五六七八九])十年代|(去年|前年|今年)"
)


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
    """Every table and figure of one cluster's report."""

    cluster: str
    codebook_version: str
    coders: list[str]
    overview: pd.DataFrame  # metric, value
    interviewees: pd.DataFrame  # actor, label, n
    actions: pd.DataFrame  # code_id, label, units, one column per speaker actor
    matrix: pd.DataFrame  # actor label x CA label: units where both codes are given
    modes: pd.DataFrame  # code_id, label, units
    goals: pd.DataFrame  # level, code_id, label, units
    timeline: pd.DataFrame  # year, code_id, units, example unit and its opening words
    conditions: pd.DataFrame  # code_id, label, units, positive, negative, neutral, mixed
    quotes: list[Quote] = field(default_factory=list)
    attitudes: pd.DataFrame = field(default_factory=pd.DataFrame)  # actor x construct means
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)
    types: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: list[str] = field(default_factory=list)
    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)
    codebook: pd.DataFrame = field(default_factory=pd.DataFrame)
    agreement: pd.DataFrame = field(default_factory=pd.DataFrame)


def years_mentioned(text: str, interview_year: int | None) -> list[int]:
    """Return the years a text mentions: 2003年, 零三年, 九十年代 (1990), 去年 (from the date)."""
    years = []
    for full, short, decade, relative in _YEAR.findall(text):
        if full:
            years.append(int(full))
        elif short:
            two = int("".join(_DIGITS[c] for c in short))
            years.append(2000 + two if two <= 30 else 1900 + two)
        elif decade:
            years.append(1900 + 10 * int(_DIGITS[decade]))
        elif relative and interview_year:
            years.append(interview_year - {"去年": 1, "前年": 2, "今年": 0}[relative])
    return years


def build_report(
    store: Store,
    codebook: Codebook,
    cluster: str,
    beliefs: Beliefs | None = None,
    lang: str = "zh",
) -> ReportData:
    """Compute the report of one cluster from the project's units, codings and beliefs.

    ``lang`` picks the code labels: Chinese (``zh``) or the codebook's English.
    """
    docs = store.documents()
    docs = docs[docs["cluster"] == cluster]
    meta = docs.set_index("doc_id")["metadata"]
    units = store.units()
    units = units[units["doc_id"].isin(docs["doc_id"]) & ~units["is_interviewer"]].copy()
    units["actor"] = units["doc_id"].map(lambda d: meta[d].get("role") or "未指定")
    codings = trusted_codings(store).merge(units[["unit_id", "doc_id", "actor"]], on="unit_id")
    evidence = (
        store.codings()
        .drop_duplicates(["unit_id", "code_id"])
        .set_index(["unit_id", "code_id"])[["start", "end"]]
    )
    label = {c.id: (c.label if lang == "zh" else c.label_en) for c in codebook.codes.values()}

    def counts(prefix: str) -> pd.DataFrame:
        part = codings[codings["code_id"].str.startswith(prefix)]
        table = part.groupby("code_id")["unit_id"].nunique().rename("units").reset_index()
        table.insert(1, "label", table["code_id"].map(label))
        return table.sort_values("units", ascending=False).reset_index(drop=True)

    interviews = docs[~docs["metadata"].map(lambda m: "survey" in m)]
    interviewees = (
        interviews["metadata"]
        .map(lambda m: m.get("role") or "未指定")
        .value_counts()
        .rename_axis("actor")
        .rename("n")
        .reset_index()
    )
    interviewees.insert(1, "label", interviewees["actor"].map(lambda a: label.get(a, a)))
    respondents = store.respondents()
    overview = pd.DataFrame(
        [
            ("访谈文档 interviews", len(interviews)),
            ("受访者发言单元 interviewee turns", int((~units["doc_id"].str.contains(":")).sum())),
            ("问卷受访者 survey respondents", int((respondents["cluster"] == cluster).sum())),
            ("开放题回答 open answers", int(units["doc_id"].str.contains(":").sum())),
            ("编码 codings", len(codings)),
        ],
        columns=["metric", "value"],
    )

    actions = codings[codings["code_id"].str.match(r"(CA|FORM)\.")]
    by_actor = actions.groupby(["code_id", "actor"])["unit_id"].nunique().unstack(fill_value=0)
    by_actor.columns = [label.get(c, c) for c in by_actor.columns]
    action_table = counts("CA.").pipe(lambda t: pd.concat([t, counts("FORM.")]))
    action_table = action_table.merge(by_actor, left_on="code_id", right_index=True, how="left")

    per_unit = codings.groupby("unit_id")["code_id"].apply(set)
    matrix: dict[tuple[str, str], int] = {}
    for codes in per_unit:
        for act in (c for c in codes if c.startswith("ACT.")):
            for ca in (c for c in codes if c.startswith("CA.")):
                matrix[(label[act], label[ca])] = matrix.get((label[act], label[ca]), 0) + 1
    matrix_frame = pd.Series(matrix, dtype=int).unstack(fill_value=0) if matrix else pd.DataFrame()

    goals = counts("GOAL.")
    goals.insert(
        0, "level", goals["code_id"].map(lambda c: GOAL_LEVELS.get(".".join(c.split(".")[:2]), ""))
    )

    timeline_rows = []
    dated = codings[codings["code_id"].str.startswith(("CA.", "MODE."))]
    texts = units.set_index("unit_id")["text"]
    for row in dated.drop_duplicates(["unit_id", "code_id"]).itertuples():
        date = str(meta[row.doc_id].get("date") or "")
        year = int(date[:4]) if date[:4].isdigit() else None
        for mentioned in years_mentioned(texts[row.unit_id], year):
            timeline_rows.append((mentioned, row.code_id, row.unit_id))
    timeline = pd.DataFrame(timeline_rows, columns=["year", "code_id", "unit_id"])
    if not timeline.empty:
        timeline = (
            timeline.groupby(["year", "code_id"])
            .agg(units=("unit_id", "nunique"), example=("unit_id", "first"))
            .reset_index()
        )
        timeline["quote"] = [_excerpt(texts[u]) for u in timeline["example"]]

    stance = codings[codings["code_id"].str.match(r"(COND|EVAL)\.")]
    conditions = (
        stance.groupby(["code_id", "stance"])["unit_id"]
        .nunique()
        .unstack(fill_value=0)
        .reindex(columns=["positive", "negative", "neutral", "mixed"], fill_value=0)
    )
    conditions.insert(0, "units", conditions.sum(axis=1))
    conditions.insert(0, "label", [label[c] for c in conditions.index])
    conditions = conditions.reset_index()

    quotes = _quotes(codings, units, evidence, label)
    report = ReportData(
        cluster=cluster,
        codebook_version=codebook.version,
        coders=store.coders(),
        overview=overview,
        interviewees=interviewees,
        actions=action_table,
        matrix=matrix_frame,
        modes=counts("MODE."),
        goals=goals,
        timeline=timeline,
        conditions=conditions,
        quotes=quotes,
        codebook=pd.DataFrame(
            [(c.id, c.label, c.label_en, c.definition) for c in codebook.codes.values()],
            columns=["code_id", "label", "label_en", "definition"],
        ),
    )
    if beliefs is not None:
        _attitudes(report, beliefs, cluster, label, lang)
        report.reliability = _reliability(store, cluster)
    return report


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


def _quotes(codings, units, evidence, label) -> list[Quote]:
    """Pick, per main code, the strongest quotations from different speakers."""
    texts = units.set_index("unit_id")
    out = []
    for code_id in sorted(codings["code_id"].unique()):
        if not code_id.startswith(MAIN_CODES):
            continue
        chosen, speakers = [], set()
        candidates = codings[codings["code_id"] == code_id].drop_duplicates("unit_id")
        ranked = sorted(
            candidates.itertuples(), key=lambda r: -_strength(texts.loc[r.unit_id, "text"])
        )
        for row in ranked:
            if row.doc_id in speakers:
                continue  # one quotation per speaker first: diversity of voices
            speakers.add(row.doc_id)
            chosen.append(row)
            if len(chosen) == QUOTES_PER_CODE:
                break
        for row in chosen:
            unit = texts.loc[row.unit_id]
            span = (
                evidence["start"].get((row.unit_id, code_id)),
                evidence["end"].get((row.unit_id, code_id)),
            )
            doc_start = _unit_start(units, row.unit_id)
            start = None if pd.isna(span[0]) or doc_start is None else int(span[0]) - doc_start
            end = None if pd.isna(span[1]) or doc_start is None else int(span[1]) - doc_start
            out.append(
                Quote(
                    code_id,
                    row.unit_id,
                    row.doc_id,
                    label.get(row.actor, row.actor),
                    int(unit["turn"]),
                    unit["text"],
                    start,
                    end,
                )
            )
    return out


def _excerpt(text: str, limit: int = 60) -> str:
    """Return the opening of a turn, cut with an ellipsis so tooltips stay short."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _strength(text: str) -> float:
    """Longer, fuller turns make better quotations, up to a readable length."""
    return min(len(text), 160) - max(0, len(text) - 300) * 0.5


def _unit_start(units: pd.DataFrame, unit_id: str) -> int | None:
    row = units[units["unit_id"] == unit_id]
    return int(row["start"].iloc[0]) if len(row) else None


def _attitudes(
    report: ReportData, beliefs: Beliefs, cluster: str, label: dict, lang: str = "zh"
) -> None:
    table = beliefs.table[beliefs.table["cluster"] == cluster]
    constructs = list(beliefs.constructs)
    if constructs:
        means = table.groupby("actor")[constructs].mean().round(2)
        means.index = [label.get(a, a) for a in means.index]
        means.columns = [beliefs.constructs[c] for c in constructs]
        means.insert(0, "n", table.groupby("actor").size().to_numpy())
        report.attitudes = means.reset_index(names="actor")
        all_clusters = beliefs.table.groupby("cluster")[constructs].mean().round(2)
        all_clusters.columns = [beliefs.constructs[c] for c in constructs]
        report.comparison = all_clusters.reset_index()
    report.types = beliefs.types
    if lang == "zh":
        report.findings = [f for f in beliefs.tests["finding"] if f]
        return
    for row in beliefs.tests[beliefs.tests["finding"] != ""].itertuples():
        means = beliefs.table.groupby(row.by)[row.variable].mean().dropna().sort_values()
        name = {"actor": "actor role", "cluster": "cluster"}[row.by]
        high, low = (
            label.get(means.index[-1], means.index[-1]),
            label.get(means.index[0], means.index[0]),
        )
        report.findings.append(
            f"{row.variable} differs by {name} (p = {row.p:.3g}): highest {high} "
            f"({means.iloc[-1]:.2f}), lowest {low} ({means.iloc[0]:.2f})"
        )
