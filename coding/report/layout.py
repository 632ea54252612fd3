"""The one section list of a report: every format (HTML, Markdown, Word, Excel) walks it.

A report is a list of ``Section``s, each a title and blocks: ``Para`` (text,
a note or a warning), ``Table`` (a DataFrame with its sheet name), ``Chart``,
``Quotes`` and ``Bullets``, plus ``Heading`` for a sub-heading. Renderers never
choose what to show; they only know how to draw each kind of block, so no
format can drop a section. Texts come from ``text.py``; data stays data (each
renderer escapes it for its format).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from coding.report.charts import Bar, Chart, Point
from coding.report.data import Quote, ReportData
from coding.report.text import TEXT, fmt_alpha, fmt_p, header


@dataclass
class Para:
    """A paragraph; ``kind`` is ``text``, ``note`` (small, grey) or ``warning``."""

    text: str
    kind: str = "text"


@dataclass
class Heading:
    """A sub-heading inside a section."""

    text: str


@dataclass
class Table:
    """A table: ``frame`` with data columns; ``sheet`` names it in Excel.

    ``heat`` shades the numbers (the actor x action matrix); ``wide`` names the
    columns that hold running text (quotations, definitions, sentences);
    ``brief`` is a shorter view for the text formats when the sheet holds more.
    """

    sheet: str
    frame: pd.DataFrame | None
    heat: bool = False
    wide: tuple[str, ...] = ()
    brief: pd.DataFrame | None = None  # what the text formats show (None: the whole frame)

    def shown(self) -> pd.DataFrame | None:
        """Return the rows and columns the text formats show.

        alpha keeps three decimals there: 0.498 rounded to 0.50 would look reliable
        enough beside the word "unreliable".
        """
        if self.brief is not None:
            return self.brief
        if self.frame is None or "alpha" not in self.frame:
            return self.frame
        return self.frame.assign(
            alpha=self.frame["alpha"].map(lambda a: "" if pd.isna(a) else f"{a:.3f}")
        )


@dataclass
class ChartBlock:
    """A chart, drawn once per format from the same data."""

    chart: Chart


@dataclass
class Quotes:
    """Quotations grouped by code, with the code's label as the group's title."""

    groups: list[tuple[str, list[Quote]]]


@dataclass
class Bullets:
    """A list of sentences."""

    items: list[str]


@dataclass
class Section:
    """A numbered section of the report."""

    title: str
    blocks: list = field(default_factory=list)


@dataclass
class Document:
    """A whole report: title, the line under it, and its sections."""

    title: str
    byline: str
    sections: list[Section]
    lang: str = "zh"

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return every table by sheet name, in order (the Excel workbook)."""
        out = {}
        for section in self.sections:
            for block in section.blocks:
                if isinstance(block, Table) and block.frame is not None:
                    out[block.sheet] = block.frame
                elif isinstance(block, Quotes):
                    out["引文 quotations"] = quotations(block)
        return out


def quotations(block: Quotes) -> pd.DataFrame:
    """Return quotations as a table: ``code_id, role, doc_id, turn, text, evidence``."""
    rows = [
        (q.code_id, q.role, q.doc_id, q.turn, q.text, _evidence(q))
        for _, quotes in block.groups
        for q in quotes
    ]
    return pd.DataFrame(rows, columns=["code_id", "role", "doc_id", "turn", "text", "evidence"])


def _evidence(q: Quote) -> str:
    if q.start is None or q.end is None or not 0 <= q.start < q.end <= len(q.text):
        return ""
    return q.text[q.start : q.end]


def display(frame: pd.DataFrame | None, lang: str) -> pd.DataFrame | None:
    """Return a table with its headers in the report's language (data columns unchanged)."""
    if frame is None:
        return None
    return frame.rename(columns=lambda c: header(str(c), lang))


def cluster_document(report: ReportData, labels: dict[str, str]) -> Document:
    """Lay out one cluster's report."""
    t = TEXT[report.lang]
    s = t["sections"]
    r = report
    coders = ", ".join(r.provenance.coders["coder"])
    doc = Document(
        t["title"].format(cluster=r.cluster),
        t["made"].format(version=r.codebook_version, coders=coders),
        [],
        r.lang,
    )
    if r.episodes is not None:
        doc.sections.append(_episode_section(r.episodes, s["episodes"]))
    overview = dict(r.overview.to_numpy())
    values = list(overview.values())
    excluded = [f"{d} {r.gates.set_index('dimension').loc[d, 'label']}" for d in r.excluded]
    doc.sections.append(
        Section(
            s["overview"],
            [
                Para(
                    t["scope"].format(cluster=r.cluster, i=values[0], t=values[1])
                    + t["scope_survey"].format(r=values[2], a=values[3])
                ),
                Table("概况 overview", r.overview),
                Heading(t["roles"]),
                Table("受访者 interviewees", r.interviewees),
                Heading(t["coders"]),
                Para(t["coders_note"], "note"),
                Table("编码者 coders", r.provenance.coders),
                Heading(t["gates"]),
                Para(t["gates_note"], "note"),
                Table("可靠性 gates", _gates(r.gates), wide=("basis",)),
                *(
                    [Para(t["excluded"].format(dims="、".join(excluded)), "warning")]
                    if excluded
                    else []
                ),
            ],
        )
    )
    doc.sections.append(
        Section(
            s["actions"],
            [
                Para(t["actions_note"], "note"),
                ChartBlock(_bars(t["chart_actions"], r.actions)),
                Table("合作行动 actions", r.actions),
                Heading(t["matrix"]),
                Para(t["matrix_note"], "note"),
                Table("行动者x行动 matrix", _matrix(r.matrix, r.lang), heat=True),
                Heading(t["modes"]),
                Table("惯例与突变 modes", r.modes)
                if "MODE" not in r.excluded
                else Para(t["dimension_out"].format(dim="MODE"), "warning"),
            ],
        )
    )
    doc.sections.append(
        Section(
            s["goals"],
            [
                ChartBlock(_bars(t["chart_goals"], r.goals, prefix="level")),
                Table("目标 goals", r.goals),
            ]
            if "GOAL" not in r.excluded
            else [Para(t["dimension_out"].format(dim="GOAL"), "warning")],
        )
    )
    per_year = r.timeline.groupby("year")["unit_id"].nunique() if len(r.timeline) else None
    doc.sections.append(
        Section(
            s["timeline"],
            [
                Para(t["timeline_note"], "note"),
                ChartBlock(
                    Chart(
                        "years",
                        t["chart_years"],
                        points=[Point(int(y), int(n)) for y, n in per_year.items()]
                        if per_year is not None
                        else [],
                        unit=t["turns_unit"],
                    )
                ),
                Table("时间线 timeline", r.timeline.drop(columns="doc_id"), wide=("quote",)),
            ],
        )
    )
    doc.sections.append(
        Section(
            s["conditions"],
            [Para(t["stance_note"], "note"), Table("条件与评价 conditions", r.conditions)],
        )
    )
    groups: dict[str, list[Quote]] = {}
    for q in r.quotes:
        groups.setdefault(q.code_id, []).append(q)
    doc.sections.append(
        Section(
            s["quotes"],
            [
                Para(t["quotes_note"], "note"),
                Quotes([(f"{c} {labels.get(c, '')}", qs) for c, qs in groups.items()]),
            ],
        )
    )
    doc.sections.append(Section(s["attitudes"], _attitude_blocks(r, t)))
    doc.sections.append(Section(s["methods"], _method_blocks(r, t)))
    return doc


def _episode_section(story, title: str) -> Section:
    """The opening section: episodes over time, their table, a paragraph and quotes each."""
    points = [Point(y, n, category=c, shape=m, tip=name) for y, n, c, m, name in story.points]
    blocks: list = [Para(story.intro, "note" if story.source == "reviewed" else "warning")]
    if points:
        blocks.append(Para(story.chart_note, "note"))
        blocks.append(
            ChartBlock(Chart("years", story.chart_title, points=points, unit=story.chart_unit))
        )
    blocks.append(Table("事件 episodes", story.table))
    for name, text, quotes in story.paragraphs:
        blocks.append(Heading(name))
        blocks.append(Para(text))
        if quotes:
            blocks.append(Quotes([(name, [Quote(**vars(q)) for q in quotes])]))
    return Section(title, blocks)


def _attitude_blocks(r: ReportData, t: dict) -> list:
    blocks: list = [Para(t["attitudes_note"].format(cluster=r.cluster), "note")]
    blocks.append(Table("观念 attitudes", r.attitudes))
    blocks.append(Table("信度 reliability", r.reliability))
    blocks.append(Heading(t["tests"]))
    blocks.append(Para(t["tests_note"], "note"))
    blocks += findings_blocks(r.findings, r.lang)
    blocks.append(Heading(t["types"]))
    if np.isnan(r.types_silhouette):
        blocks.append(Para(t["types_none"], "note"))
    else:
        blocks.append(
            Para(t["types_verdict"].format(s=r.types_silhouette, verdict=r.types_verdict))
        )
    blocks.append(Table("观念类型 types", r.types))
    return blocks


def _method_blocks(r: ReportData, t: dict) -> list:
    prov = r.provenance
    blocks: list = [Para(t["methods_note"].format(version=r.codebook_version))]
    blocks.append(Heading(t["double_coded"]))
    if prov.double_coded.empty:
        blocks.append(Para(t["no_double"].format(cluster=r.cluster), "warning"))
    else:
        pairs = prov.double_coded.drop_duplicates(["first", "second"])
        who = "；".join(f"{p.first} × {p.second}（{p.n_units}）" for p in pairs.itertuples())
        blocks.append(Para(t["double_note"].format(cluster=r.cluster, who=who), "note"))
    blocks.append(Table("双重编码 double-coded", _alpha_table(prov.double_coded)))
    blocks.append(Heading(t["coder_agreement"]))
    blocks.append(Para(t["coder_agreement_note"], "note"))
    blocks.append(
        Table("编码者对人 coder vs people", _alpha_table(prov.agreement), wide=("basis",))
    )
    blocks.append(Heading(t["validation"]))
    if r.validation.empty:
        blocks.append(Para(t["no_validation"], "note"))
    else:
        blocks.append(Para(t["validation_note"], "note"))
        title = "机器编码验证 machine coder on held-out gold"
        blocks.append(Table(title, _alpha_table(r.validation)))
    blocks.append(Heading(t["codebook"]))
    blocks.append(Table("编码本 codebook", r.codebook, wide=("definition",)))
    return blocks


def _alpha_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Round alpha and its interval into one readable column, keeping the numbers beside it."""
    if frame.empty:
        return frame
    frame = frame.copy()
    frame["alpha_95ci"] = [
        fmt_alpha(a, lo, hi)
        for a, lo, hi in zip(frame["alpha"], frame["alpha_low"], frame["alpha_high"], strict=True)
    ]
    return frame.drop(columns=["alpha_low", "alpha_high"])


def _gates(gates: pd.DataFrame) -> pd.DataFrame:
    from coding.gating import STATUS_LABEL

    frame = gates.copy()
    frame["status"] = frame["status"].map(STATUS_LABEL)
    return frame


def findings_blocks(findings: pd.DataFrame | None, lang: str) -> list:
    """The sentences of the differences found, and the table of every comparison.

    The Excel sheet ``findings`` holds every row of the family (with those not
    tested and why); the text formats show the rows that were tested, and say
    how many were not.
    """
    from coding.findings import FINDING_COLUMNS
    from coding.stats import NOT_TESTED

    t = TEXT[lang]
    if findings is None or findings.empty:
        return [Table("findings", pd.DataFrame(columns=FINDING_COLUMNS))]
    tested = findings[~findings["test"].isin(NOT_TESTED)]
    blocks: list = []
    significant = findings[findings["significant"].astype(bool)]
    if len(significant):
        blocks.append(Bullets(list(significant["finding"])))
    else:
        blocks.append(Para(t["no_difference"]))
    brief = tested[_BRIEF].copy()
    for column in ("p", "p_adjusted"):  # '< .001', not a rounded 0.00
        brief[column] = brief[column].map(fmt_p)
    blocks.append(Table("findings", findings[FINDING_COLUMNS], wide=("finding",), brief=brief))
    untested = len(findings) - len(tested)
    if untested:
        blocks.append(Para(t["untested"].format(n=untested), "note"))
    return blocks


_BRIEF = ["source", "test", "statistic", "df", "n", "effect_size", "p", "p_adjusted", "finding"]


def _matrix(matrix: pd.DataFrame, lang: str) -> pd.DataFrame | None:
    if matrix.empty:
        return None
    return matrix.reset_index(names=header("actor", lang))


def _bars(title: str, table: pd.DataFrame, prefix: str | None = None) -> Chart:
    """Bars of interview turns per code; tentative dimensions drawn as such."""
    from coding.gating import STATUS_LABEL, TENTATIVE

    bars = []
    for row in table.itertuples():
        name = f"{getattr(row, prefix)}·{row.label}" if prefix else str(row.label)
        bars.append(Bar(name, float(row.interview_turns), row.status == STATUS_LABEL[TENTATIVE]))
    return Chart("bars", title, bars=bars)
